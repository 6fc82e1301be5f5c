-- filter: name ILIKE '%PREDICT%'
lower(coalesce(t.root_name,'')) LIKE lower(?)
-- params: 1
-- 1: text '%PREDICT%'
