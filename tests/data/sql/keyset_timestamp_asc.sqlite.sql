-- order_by: [timestamp_ms ASC]
SELECT t.trace_key, t.request_time, t.trace_key FROM traces t WHERE t.experiment_id = ? AND ((t.request_time > ?) OR (t.request_time = ? AND t.trace_key < ?)) ORDER BY t.request_time ASC, t.trace_key DESC
-- params: 4
-- 1: int 1
-- 2: int 10
-- 3: int 10
-- 4: int 3
