-- filter: span.status NOT IN ('UNSET')
EXISTS (SELECT 1 FROM spans s WHERE s.trace_key = t.trace_key AND s.status NOT IN ($1))
-- params: 1
-- 1: int 0
