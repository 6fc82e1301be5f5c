-- experiment filter: tags.`a.b` LIKE 'x%'
-- order_by:
SELECT e.experiment_id FROM experiments e WHERE e.lifecycle_stage = 'active' AND EXISTS (SELECT 1 FROM experiment_tags g WHERE g.experiment_id = e.experiment_id AND g.key = $1 AND g.value LIKE $2 ESCAPE '') ORDER BY e.creation_time DESC, e.experiment_id ASC
-- params: 2
-- 1: text 'a.b'
-- 2: text 'x%'
