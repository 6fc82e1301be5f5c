-- filter: request_id != 'tr-0123456789abcdef0123456789abcdef'
t.trace_id != $1
-- params: 1
-- 1: blob x'0123456789abcdef0123456789abcdef'
