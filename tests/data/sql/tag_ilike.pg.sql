-- filter: tag.environment ILIKE '%prod%'
EXISTS (SELECT 1 FROM trace_tags kv WHERE kv.trace_key = t.trace_key AND kv.key = $1 AND kv.value ILIKE $2 ESCAPE '')
-- params: 2
-- 1: text 'environment'
-- 2: text '%prod%'
