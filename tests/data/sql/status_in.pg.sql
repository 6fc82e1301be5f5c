-- filter: status IN ('OK', 'ERROR')
t.state IN ($1,$2)
-- params: 2
-- 1: int 1
-- 2: int 2
