-- filter: run_id = 'run_id_123456'
EXISTS (SELECT 1 FROM trace_metadata kv WHERE kv.trace_key = t.trace_key AND kv.key = ? AND kv.value = ?)
-- params: 2
-- 1: text 'mlflow.sourceRun'
-- 2: text 'run_id_123456'
