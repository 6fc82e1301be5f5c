-- filter: status = 'OK' AND (span.content LIKE '%x%' OR name = 'a')
(t.state = ? AND (EXISTS (SELECT 1 FROM span_chunks c WHERE c.chunk_id BETWEEN t.trace_key * 1048576 AND t.trace_key * 1048576 + 1048575 AND EXISTS (SELECT 1 FROM json_each(tl_chunk_text(c.body)) j WHERE j.value LIKE ?)) OR coalesce(t.root_name,'') = ?))
-- params: 3
-- 1: int 1
-- 2: text '%x%'
-- 3: text 'a'
