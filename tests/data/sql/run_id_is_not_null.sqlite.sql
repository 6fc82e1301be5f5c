-- filter: run_id IS NOT NULL
EXISTS (SELECT 1 FROM trace_metadata kv WHERE kv.trace_key = t.trace_key AND kv.key = ?)
-- params: 1
-- 1: text 'mlflow.sourceRun'
