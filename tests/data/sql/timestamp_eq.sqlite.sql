-- filter: timestamp_ms = 1700000000000
(t.request_time >= ? AND t.request_time < ?)
-- params: 2
-- 1: int 1700000000000000000
-- 2: int 1700000000001000000
