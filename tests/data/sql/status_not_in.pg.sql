-- filter: status NOT IN ('STATE_UNSPECIFIED')
t.state NOT IN ($1)
-- params: 1
-- 1: int 0
