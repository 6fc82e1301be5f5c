-- filter: tags.m = 'it''s' AND metadata.`名前` = '東京 🚀'
(EXISTS (SELECT 1 FROM trace_tags kv WHERE kv.trace_key = t.trace_key AND kv.key = ? AND kv.value = ?) AND EXISTS (SELECT 1 FROM trace_metadata kv WHERE kv.trace_key = t.trace_key AND kv.key = ? AND kv.value = ?))
-- params: 4
-- 1: text 'm'
-- 2: text 'it''s'
-- 3: text '名前'
-- 4: text '東京 🚀'
