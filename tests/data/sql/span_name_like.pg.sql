-- filter: span.name LIKE '%embedding%'
EXISTS (SELECT 1 FROM spans s WHERE s.trace_key = t.trace_key AND s.name LIKE $1 ESCAPE '')
-- params: 1
-- 1: text '%embedding%'
