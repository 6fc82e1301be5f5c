-- filter: feedback.user_comment ILIKE '%Helpful%'
EXISTS (SELECT 1 FROM assessments a WHERE a.trace_key = t.trace_key AND a.valid = 1 AND a.name = ? AND a.kind = ? AND lower(tl_json_text(a.value_json)) LIKE lower(?))
-- params: 3
-- 1: text 'user_comment'
-- 2: int 1
-- 3: text '%Helpful%'
