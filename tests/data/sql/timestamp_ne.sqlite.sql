-- filter: timestamp_ms != 5
(t.request_time < ? OR t.request_time >= ?)
-- params: 2
-- 1: int 5000000
-- 2: int 6000000
