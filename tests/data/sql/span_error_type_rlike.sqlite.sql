-- filter: span.error_type RLIKE 'Error$'
EXISTS (SELECT 1 FROM span_facts f WHERE f.trace_key = t.trace_key AND f.error_type <> '' AND tl_regexp(?, f.error_type))
-- params: 1
-- 1: text 'Error$'
