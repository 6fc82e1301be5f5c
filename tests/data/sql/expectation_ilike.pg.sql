-- filter: expectation.label ILIKE '%success%'
EXISTS (SELECT 1 FROM assessments a WHERE a.trace_key = t.trace_key AND a.valid = 1 AND a.name = $1 AND a.kind = $2 AND (a.value_json #>> '{}') ILIKE $3 ESCAPE '')
-- params: 3
-- 1: text 'label'
-- 2: int 2
-- 3: text '%success%'
