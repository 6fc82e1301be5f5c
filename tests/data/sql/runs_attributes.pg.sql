-- run filter: attributes.status IN ('FINISHED', 'FAILED') AND start_time >= 1000
-- order_by: [attributes.run_name] [params.lr DESC]
SELECT r.run_uuid FROM runs r WHERE r.lifecycle_stage = 'active' AND r.status IN ($1, $2) AND r.start_time >= $3 ORDER BY r.name IS NULL, r.name ASC, (SELECT p.value FROM run_params p WHERE p.run_uuid = r.run_uuid AND p.key = $4) IS NULL, (SELECT p.value FROM run_params p WHERE p.run_uuid = r.run_uuid AND p.key = $5) DESC, r.start_time DESC, r.run_uuid ASC
-- params: 5
-- 1: text 'FINISHED'
-- 2: text 'FAILED'
-- 3: int 1000
-- 4: text 'lr'
-- 5: text 'lr'
