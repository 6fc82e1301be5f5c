-- filter: name RLIKE '^(predict|inference)_[0-9]+'
(coalesce(t.root_name,'') ~ $1)
-- params: 1
-- 1: text '^(predict|inference)_[0-9]+'
