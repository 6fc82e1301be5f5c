-- filter: timestamp_ms <= 5
t.request_time < ?
-- params: 1
-- 1: int 6000000
