-- filter: span.name NOT IN ('a')
EXISTS (SELECT 1 FROM spans s WHERE s.trace_key = t.trace_key AND s.name NOT IN (?))
-- params: 1
-- 1: text 'a'
