-- filter: name ILIKE '%PREDICT%'
coalesce(t.root_name,'') ILIKE $1 ESCAPE ''
-- params: 1
-- 1: text '%PREDICT%'
