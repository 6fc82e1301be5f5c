-- filter: span.name ILIKE '%Embedding%'
EXISTS (SELECT 1 FROM spans s WHERE s.trace_key = t.trace_key AND lower(s.name) LIKE lower(?))
-- params: 1
-- 1: text '%Embedding%'
