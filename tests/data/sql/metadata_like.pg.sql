-- filter: request_metadata.user_id LIKE 'user%'
EXISTS (SELECT 1 FROM trace_metadata kv WHERE kv.trace_key = t.trace_key AND kv.key = $1 AND kv.value LIKE $2 ESCAPE '')
-- params: 2
-- 1: text 'user_id'
-- 2: text 'user%'
