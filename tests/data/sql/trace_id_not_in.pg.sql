-- filter: trace_id NOT IN ('tr-ffffffffffffffffffffffffffffffff')
t.trace_id NOT IN ($1)
-- params: 1
-- 1: blob x'ffffffffffffffffffffffffffffffff'
