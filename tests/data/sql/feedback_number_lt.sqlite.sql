-- ast: feedback.k < 3.5
EXISTS (SELECT 1 FROM assessments a WHERE a.trace_key = t.trace_key AND a.valid = 1 AND a.name = ? AND a.kind = ? AND tl_json_number(a.value_json) < ?)
-- params: 3
-- 1: text 'k'
-- 2: int 1
-- 3: real 3.5
