-- filter: client_request_id LIKE 'req-%'
coalesce(t.client_request_id,'') LIKE $1 ESCAPE ''
-- params: 1
-- 1: text 'req-%'
