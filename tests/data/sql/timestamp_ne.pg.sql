-- filter: timestamp_ms != 5
(t.request_time < $1 OR t.request_time >= $2)
-- params: 2
-- 1: int 5000000
-- 2: int 6000000
