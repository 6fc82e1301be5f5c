-- ast: span.attributes.k >= 2
EXISTS (SELECT 1 FROM span_chunks c WHERE c.chunk_id BETWEEN t.trace_key * 1048576 AND t.trace_key * 1048576 + 1048575 AND EXISTS (SELECT 1 FROM json_each(tl_chunk_attr(c.body, ?)) j WHERE j.type IN ('integer','real') AND j.value >= ?))
-- params: 2
-- 1: text 'k'
-- 2: real 2
