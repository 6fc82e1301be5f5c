-- filter: span.status != 'OK'
EXISTS (SELECT 1 FROM spans s WHERE s.trace_key = t.trace_key AND s.status != $1)
-- params: 1
-- 1: int 1
