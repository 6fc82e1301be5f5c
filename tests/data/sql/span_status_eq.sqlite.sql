-- filter: span.status = 'ERROR'
EXISTS (SELECT 1 FROM spans s WHERE s.trace_key = t.trace_key AND s.status = ?)
-- params: 1
-- 1: int 2
