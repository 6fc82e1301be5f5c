-- filter: span.attributes.k IN ('a', 'b')
EXISTS (SELECT 1 FROM span_chunks c WHERE c.chunk_id BETWEEN t.trace_key * 1048576 AND t.trace_key * 1048576 + 1048575 AND EXISTS (SELECT 1 FROM json_each(tl_chunk_attr(c.body, ?)) j WHERE CAST(j.value AS TEXT) IN (?,?)))
-- params: 3
-- 1: text 'k'
-- 2: text 'a'
-- 3: text 'b'
