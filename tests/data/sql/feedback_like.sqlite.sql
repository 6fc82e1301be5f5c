-- filter: feedback.user_comment LIKE '%helpful%'
EXISTS (SELECT 1 FROM assessments a WHERE a.trace_key = t.trace_key AND a.valid = 1 AND a.name = ? AND a.kind = ? AND tl_json_text(a.value_json) LIKE ?)
-- params: 3
-- 1: text 'user_comment'
-- 2: int 1
-- 3: text '%helpful%'
