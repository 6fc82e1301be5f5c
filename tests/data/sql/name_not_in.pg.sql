-- filter: name NOT IN ('a')
coalesce(t.root_name,'') NOT IN ($1)
-- params: 1
-- 1: text 'a'
