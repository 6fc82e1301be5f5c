-- ast: feedback.k < 3.5
EXISTS (SELECT 1 FROM assessments a WHERE a.trace_key = t.trace_key AND a.valid = 1 AND a.name = $1 AND a.kind = $2 AND (CASE jsonb_typeof(a.value_json) WHEN 'number' THEN (a.value_json #>> '{}')::double precision WHEN 'string' THEN CASE WHEN (a.value_json #>> '{}') ~ '^[[:space:]]*[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]{1,3})?$' THEN (a.value_json #>> '{}')::double precision END END) < $3)
-- params: 3
-- 1: text 'k'
-- 2: int 1
-- 3: real 3.5
