-- filter: trace_id NOT IN ('tr-ffffffffffffffffffffffffffffffff')
t.trace_id NOT IN (?)
-- params: 1
-- 1: blob x'ffffffffffffffffffffffffffffffff'
