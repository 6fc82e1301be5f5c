-- filter: span.type = 'LLM'
EXISTS (SELECT 1 FROM spans s WHERE s.trace_key = t.trace_key AND coalesce(s.type,'UNKNOWN') = ?)
-- params: 1
-- 1: text 'LLM'
