-- filter: status IN ('OK', 'ERROR')
t.state IN (?,?)
-- params: 2
-- 1: int 1
-- 2: int 2
