-- filter: name RLIKE '^(predict|inference)_[0-9]+'
tl_regexp(?, coalesce(t.root_name,''))
-- params: 1
-- 1: text '^(predict|inference)_[0-9]+'
