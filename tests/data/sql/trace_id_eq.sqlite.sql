-- filter: trace_id = 'tr-0123456789abcdef0123456789abcdef'
t.trace_id = ?
-- params: 1
-- 1: blob x'0123456789abcdef0123456789abcdef'
