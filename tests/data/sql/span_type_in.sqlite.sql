-- filter: span.type IN ('LLM', 'CHAIN')
EXISTS (SELECT 1 FROM spans s WHERE s.trace_key = t.trace_key AND coalesce(s.type,'UNKNOWN') IN (?,?))
-- params: 2
-- 1: text 'LLM'
-- 2: text 'CHAIN'
