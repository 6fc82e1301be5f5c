-- filter: span.name LIKE '%embedding%'
EXISTS (SELECT 1 FROM spans s WHERE s.trace_key = t.trace_key AND s.name LIKE ?)
-- params: 1
-- 1: text '%embedding%'
