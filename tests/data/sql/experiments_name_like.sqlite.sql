-- experiment filter: name LIKE 'a%'
-- order_by: [name]
SELECT e.experiment_id FROM experiments e WHERE e.lifecycle_stage = 'active' AND (e.name LIKE ?) ORDER BY e.name ASC, e.experiment_id DESC
-- params: 1
-- 1: text 'a%'
