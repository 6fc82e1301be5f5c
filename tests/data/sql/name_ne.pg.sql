-- filter: trace.name != 'predict'
coalesce(t.root_name,'') != $1
-- params: 1
-- 1: text 'predict'
