-- filter: timestamp_ms < 5
t.request_time < $1
-- params: 1
-- 1: int 5000000
