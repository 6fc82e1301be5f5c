-- filter: status = 'OK'
t.state = $1
-- params: 1
-- 1: int 1
