-- filter: span.model = 'gpt-4o'
EXISTS (SELECT 1 FROM span_facts f WHERE f.trace_key = t.trace_key AND f.model <> '' AND f.model = ?)
-- params: 1
-- 1: text 'gpt-4o'
