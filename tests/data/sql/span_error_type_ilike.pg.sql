-- filter: span.error_type ILIKE '%timeout%'
EXISTS (SELECT 1 FROM span_facts f WHERE f.trace_key = t.trace_key AND f.error_type <> '' AND f.error_type ILIKE $1 ESCAPE '')
-- params: 1
-- 1: text '%timeout%'
