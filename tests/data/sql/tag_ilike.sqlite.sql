-- filter: tag.environment ILIKE '%prod%'
EXISTS (SELECT 1 FROM trace_tags kv WHERE kv.trace_key = t.trace_key AND kv.key = ? AND lower(kv.value) LIKE lower(?))
-- params: 2
-- 1: text 'environment'
-- 2: text '%prod%'
