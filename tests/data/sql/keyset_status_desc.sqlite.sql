-- order_by: [status DESC]
SELECT t.trace_key, (CASE t.state WHEN 2 THEN 0 WHEN 3 THEN 1 WHEN 1 THEN 2 ELSE 3 END), t.request_time, t.trace_key FROM traces t WHERE t.experiment_id = ? AND ((CASE t.state WHEN 2 THEN 0 WHEN 3 THEN 1 WHEN 1 THEN 2 ELSE 3 END), t.request_time, t.trace_key) < (?,?,?) ORDER BY (CASE t.state WHEN 2 THEN 0 WHEN 3 THEN 1 WHEN 1 THEN 2 ELSE 3 END) DESC, t.request_time DESC, t.trace_key DESC
-- params: 4
-- 1: int 1
-- 2: int 1
-- 3: int 10
-- 4: int 3
