-- filter: name NOT IN ('a')
coalesce(t.root_name,'') NOT IN (?)
-- params: 1
-- 1: text 'a'
