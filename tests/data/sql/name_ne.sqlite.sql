-- filter: trace.name != 'predict'
coalesce(t.root_name,'') != ?
-- params: 1
-- 1: text 'predict'
