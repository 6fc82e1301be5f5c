-- run filter: params.lr IS NULL AND tags.t IS NOT NULL
-- order_by:
SELECT r.run_uuid FROM runs r WHERE r.lifecycle_stage = 'active' AND (SELECT p.value FROM run_params p WHERE p.run_uuid = r.run_uuid AND p.key = ?) IS NULL AND (SELECT g.value FROM run_tags g WHERE g.run_uuid = r.run_uuid AND g.key = ?) IS NOT NULL ORDER BY r.start_time DESC, r.run_uuid ASC
-- params: 2
-- 1: text 'lr'
-- 2: text 't'
