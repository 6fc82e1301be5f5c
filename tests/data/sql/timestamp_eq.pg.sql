-- filter: timestamp_ms = 1700000000000
(t.request_time >= $1 AND t.request_time < $2)
-- params: 2
-- 1: int 1700000000000000000
-- 2: int 1700000000001000000
