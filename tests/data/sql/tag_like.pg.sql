-- filter: tags.model_name LIKE 'gpt-%'
EXISTS (SELECT 1 FROM trace_tags kv WHERE kv.trace_key = t.trace_key AND kv.key = $1 AND kv.value LIKE $2 ESCAPE '')
-- params: 2
-- 1: text 'model_name'
-- 2: text 'gpt-%'
