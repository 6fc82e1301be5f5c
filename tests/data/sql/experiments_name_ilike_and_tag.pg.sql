-- experiment filter: attributes.name ILIKE '%Prod%' AND tags.team = 'ml'
-- order_by: [last_update_time DESC]
SELECT e.experiment_id FROM experiments e WHERE e.lifecycle_stage = 'active' AND (e.name ILIKE $1 ESCAPE '') AND EXISTS (SELECT 1 FROM experiment_tags g WHERE g.experiment_id = e.experiment_id AND g.key = $2 AND g.value = $3) ORDER BY e.last_update_time DESC, e.experiment_id DESC
-- params: 3
-- 1: text '%Prod%'
-- 2: text 'team'
-- 3: text 'ml'
