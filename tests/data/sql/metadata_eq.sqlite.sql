-- filter: metadata.`mlflow.user` = 'alice@company.com'
EXISTS (SELECT 1 FROM trace_metadata kv WHERE kv.trace_key = t.trace_key AND kv.key = ? AND kv.value = ?)
-- params: 2
-- 1: text 'mlflow.user'
-- 2: text 'alice@company.com'
