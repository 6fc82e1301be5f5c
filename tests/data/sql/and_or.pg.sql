-- filter: status = 'ERROR' OR (tags.env = 'prod' AND execution_time_ms > 1000)
(t.state = $1 OR (EXISTS (SELECT 1 FROM trace_tags kv WHERE kv.trace_key = t.trace_key AND kv.key = $2 AND kv.value = $3) AND t.duration >= $4))
-- params: 4
-- 1: int 2
-- 2: text 'env'
-- 3: text 'prod'
-- 4: int 1001000000
