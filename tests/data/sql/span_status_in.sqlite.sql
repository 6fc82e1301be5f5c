-- filter: span.status IN ('OK', 'UNSET')
EXISTS (SELECT 1 FROM spans s WHERE s.trace_key = t.trace_key AND s.status IN (?,?))
-- params: 2
-- 1: int 1
-- 2: int 0
