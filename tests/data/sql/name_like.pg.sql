-- filter: name LIKE '%inference%'
coalesce(t.root_name,'') LIKE $1 ESCAPE ''
-- params: 1
-- 1: text '%inference%'
