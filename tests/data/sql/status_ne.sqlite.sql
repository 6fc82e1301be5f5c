-- filter: trace.status != 'ERROR'
t.state != ?
-- params: 1
-- 1: int 2
