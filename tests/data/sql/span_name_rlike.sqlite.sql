-- filter: span.name RLIKE 'embed'
EXISTS (SELECT 1 FROM spans s WHERE s.trace_key = t.trace_key AND tl_regexp(?, s.name))
-- params: 1
-- 1: text 'embed'
