-- experiment filter: 
-- order_by:
SELECT e.experiment_id FROM experiments e WHERE e.lifecycle_stage = 'active' ORDER BY e.creation_time DESC, e.experiment_id ASC
-- params: 0
