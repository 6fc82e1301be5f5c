-- filter: trace.text LIKE '%authentication error%'
(lower(coalesce(t.root_name,'')) LIKE lower(?) OR EXISTS (SELECT 1 FROM trace_previews p WHERE p.trace_key = t.trace_key AND (lower(p.request_preview) LIKE lower(?) OR lower(p.response_preview) LIKE lower(?))))
-- params: 3
-- 1: text '%authentication error%'
-- 2: text '%authentication error%'
-- 3: text '%authentication error%'
