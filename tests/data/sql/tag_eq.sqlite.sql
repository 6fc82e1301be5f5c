-- filter: tags.`mlflow.traceName` = 'my_function'
EXISTS (SELECT 1 FROM trace_tags kv WHERE kv.trace_key = t.trace_key AND kv.key = ? AND kv.value = ?)
-- params: 2
-- 1: text 'mlflow.traceName'
-- 2: text 'my_function'
