-- filter: client_request_id = 'req-1'
coalesce(t.client_request_id,'') = ?
-- params: 1
-- 1: text 'req-1'
