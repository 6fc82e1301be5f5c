-- filter: metadata.`tracelake.fragmented` = 'true'
((CASE WHEN (t.fragmented != 0 AND t.span_count > 0) THEN 'true' END) IS NOT NULL AND (CASE WHEN (t.fragmented != 0 AND t.span_count > 0) THEN 'true' END) = $1)
-- params: 1
-- 1: text 'true'
