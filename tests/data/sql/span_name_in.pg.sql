-- filter: span.name IN ('a', 'b')
EXISTS (SELECT 1 FROM spans s WHERE s.trace_key = t.trace_key AND s.name IN ($1,$2))
-- params: 2
-- 1: text 'a'
-- 2: text 'b'
