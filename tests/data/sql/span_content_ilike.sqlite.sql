-- filter: span.content ILIKE '%WORLD%'
EXISTS (SELECT 1 FROM span_chunks c WHERE c.chunk_id BETWEEN t.trace_key * 1048576 AND t.trace_key * 1048576 + 1048575 AND EXISTS (SELECT 1 FROM json_each(tl_chunk_text(c.body)) j WHERE lower(j.value) LIKE lower(?)))
-- params: 1
-- 1: text '%WORLD%'
