-- filter: span.name = 'llm_call'
EXISTS (SELECT 1 FROM spans s WHERE s.trace_key = t.trace_key AND s.name = ?)
-- params: 1
-- 1: text 'llm_call'
