-- filter: status NOT IN ('STATE_UNSPECIFIED')
t.state NOT IN (?)
-- params: 1
-- 1: int 0
