-- order_by:
SELECT t.trace_key, t.request_time, t.trace_key FROM traces t WHERE t.experiment_id = ? AND (t.request_time, t.trace_key) < (?,?) ORDER BY t.request_time DESC, t.trace_key DESC
-- params: 3
-- 1: int 1
-- 2: int 10
-- 3: int 3
