-- order_by: [trace_id ASC]
SELECT t.trace_key, t.trace_id, t.request_time, t.trace_key FROM traces t WHERE t.experiment_id = $1 AND ((t.trace_id > $2) OR (t.trace_id = $3 AND t.request_time < $4) OR (t.trace_id = $5 AND t.request_time = $6 AND t.trace_key < $7)) ORDER BY t.trace_id ASC, t.request_time DESC, t.trace_key DESC
-- params: 7
-- 1: int 1
-- 2: blob x'0123456789abcdef0123456789abcdef'
-- 3: blob x'0123456789abcdef0123456789abcdef'
-- 4: int 10
-- 5: blob x'0123456789abcdef0123456789abcdef'
-- 6: int 10
-- 7: int 3
