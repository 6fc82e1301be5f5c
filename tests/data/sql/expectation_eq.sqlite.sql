-- filter: expectation.accuracy = 'high'
EXISTS (SELECT 1 FROM assessments a WHERE a.trace_key = t.trace_key AND a.valid = 1 AND a.name = ? AND a.kind = ? AND tl_json_text(a.value_json) = ?)
-- params: 3
-- 1: text 'accuracy'
-- 2: int 2
-- 3: text 'high'
