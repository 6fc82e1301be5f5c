-- filter: run_id IS NULL
NOT EXISTS (SELECT 1 FROM trace_metadata kv WHERE kv.trace_key = t.trace_key AND kv.key = $1)
-- params: 1
-- 1: text 'mlflow.sourceRun'
