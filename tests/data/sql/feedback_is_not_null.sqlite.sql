-- filter: feedback.`user satisfaction` IS NOT NULL
EXISTS (SELECT 1 FROM assessments a WHERE a.trace_key = t.trace_key AND a.valid = 1 AND a.name = ? AND a.kind = ?)
-- params: 2
-- 1: text 'user satisfaction'
-- 2: int 1
