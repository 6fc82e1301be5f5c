-- filter: span.error_type ILIKE '%timeout%'
EXISTS (SELECT 1 FROM span_facts f WHERE f.trace_key = t.trace_key AND f.error_type <> '' AND lower(f.error_type) LIKE lower(?))
-- params: 1
-- 1: text '%timeout%'
