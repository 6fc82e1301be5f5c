-- filter: span.attributes.`gen_ai.request.model` = 'gpt-4o'
EXISTS (SELECT 1 FROM span_chunks c WHERE c.chunk_id BETWEEN t.trace_key * 1048576 AND t.trace_key * 1048576 + 1048575 AND EXISTS (SELECT 1 FROM json_each(tl_chunk_attr(c.body, ?)) j WHERE CAST(j.value AS TEXT) = ?))
-- params: 2
-- 1: text 'gen_ai.request.model'
-- 2: text 'gpt-4o'
