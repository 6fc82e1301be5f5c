-- run filter: 
-- order_by:
SELECT r.run_uuid FROM runs r WHERE r.lifecycle_stage = 'active' ORDER BY r.start_time DESC, r.run_uuid ASC
-- params: 0
