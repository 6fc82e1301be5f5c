-- filter: client_request_id LIKE 'req-%'
coalesce(t.client_request_id,'') LIKE ?
-- params: 1
-- 1: text 'req-%'
