-- filter: tags.version IS NOT NULL
EXISTS (SELECT 1 FROM trace_tags kv WHERE kv.trace_key = t.trace_key AND kv.key = ?)
-- params: 1
-- 1: text 'version'
