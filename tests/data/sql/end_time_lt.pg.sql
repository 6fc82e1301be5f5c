-- filter: end_time_ms < 9
(t.request_time + t.duration) < $1
-- params: 1
-- 1: int 9000000
