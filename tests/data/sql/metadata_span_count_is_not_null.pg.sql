-- filter: metadata.`tracelake.span_count` IS NOT NULL
CAST(t.span_count AS TEXT) IS NOT NULL
-- params: 0
