-- filter: execution_time_ms > 5000
t.duration >= ?
-- params: 1
-- 1: int 5001000000
