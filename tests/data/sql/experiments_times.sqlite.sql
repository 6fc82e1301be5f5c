-- experiment filter: creation_time > 1700000000000 AND last_update_time <= 5
-- order_by: [attributes.experiment_id DESC]
SELECT e.experiment_id FROM experiments e WHERE e.lifecycle_stage = 'active' AND e.creation_time > ? AND e.last_update_time <= ? ORDER BY e.experiment_id DESC
-- params: 2
-- 1: int 1700000000000
-- 2: int 5
