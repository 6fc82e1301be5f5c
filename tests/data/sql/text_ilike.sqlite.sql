-- filter: text ILIKE '%timeout%'
(lower(coalesce(t.root_name,'')) LIKE lower(?) OR EXISTS (SELECT 1 FROM trace_previews p WHERE p.trace_key = t.trace_key AND (lower(p.request_preview) LIKE lower(?) OR lower(p.response_preview) LIKE lower(?))))
-- params: 3
-- 1: text '%timeout%'
-- 2: text '%timeout%'
-- 3: text '%timeout%'
