-- filter: name LIKE '%inference%'
coalesce(t.root_name,'') LIKE ?
-- params: 1
-- 1: text '%inference%'
