-- filter: name IN ('a', 'b')
coalesce(t.root_name,'') IN (?,?)
-- params: 2
-- 1: text 'a'
-- 2: text 'b'
