-- filter: text ILIKE '%timeout%'
(coalesce(t.root_name,'') ILIKE $1 ESCAPE '' OR EXISTS (SELECT 1 FROM trace_previews p WHERE p.trace_key = t.trace_key AND (p.request_preview ILIKE $2 ESCAPE '' OR p.response_preview ILIKE $3 ESCAPE '')))
-- params: 3
-- 1: text '%timeout%'
-- 2: text '%timeout%'
-- 3: text '%timeout%'
