-- filter: span.name ILIKE '%Embedding%'
EXISTS (SELECT 1 FROM spans s WHERE s.trace_key = t.trace_key AND s.name ILIKE $1 ESCAPE '')
-- params: 1
-- 1: text '%Embedding%'
