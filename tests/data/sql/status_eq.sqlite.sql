-- filter: status = 'OK'
t.state = ?
-- params: 1
-- 1: int 1
