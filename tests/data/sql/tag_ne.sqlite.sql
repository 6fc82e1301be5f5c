-- filter: tags.k != 'v'
EXISTS (SELECT 1 FROM trace_tags kv WHERE kv.trace_key = t.trace_key AND kv.key = ? AND kv.value != ?)
-- params: 2
-- 1: text 'k'
-- 2: text 'v'
