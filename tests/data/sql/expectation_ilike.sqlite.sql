-- filter: expectation.label ILIKE '%success%'
EXISTS (SELECT 1 FROM assessments a WHERE a.trace_key = t.trace_key AND a.valid = 1 AND a.name = ? AND a.kind = ? AND lower(tl_json_text(a.value_json)) LIKE lower(?))
-- params: 3
-- 1: text 'label'
-- 2: int 2
-- 3: text '%success%'
