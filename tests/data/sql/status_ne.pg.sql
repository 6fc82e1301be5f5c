-- filter: trace.status != 'ERROR'
t.state != $1
-- params: 1
-- 1: int 2
