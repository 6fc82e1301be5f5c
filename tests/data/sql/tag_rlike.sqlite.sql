-- filter: tag.version RLIKE '^v[0-9]+'
EXISTS (SELECT 1 FROM trace_tags kv WHERE kv.trace_key = t.trace_key AND kv.key = ? AND tl_regexp(?, kv.value))
-- params: 2
-- 1: text 'version'
-- 2: text '^v[0-9]+'
