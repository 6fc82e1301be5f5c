-- filter: tag.version RLIKE '^v[0-9]+'
EXISTS (SELECT 1 FROM trace_tags kv WHERE kv.trace_key = t.trace_key AND kv.key = $1 AND (kv.value ~ $2))
-- params: 2
-- 1: text 'version'
-- 2: text '^v[0-9]+'
