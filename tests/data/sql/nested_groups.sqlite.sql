-- filter: ((span.type = 'LLM' OR span.type = 'TOOL') AND (feedback.ok = 'yes' OR feedback.ok IS NULL))
((EXISTS (SELECT 1 FROM spans s WHERE s.trace_key = t.trace_key AND coalesce(s.type,'UNKNOWN') = ?) OR EXISTS (SELECT 1 FROM spans s WHERE s.trace_key = t.trace_key AND coalesce(s.type,'UNKNOWN') = ?)) AND (EXISTS (SELECT 1 FROM assessments a WHERE a.trace_key = t.trace_key AND a.valid = 1 AND a.name = ? AND a.kind = ? AND tl_json_text(a.value_json) = ?) OR NOT EXISTS (SELECT 1 FROM assessments a WHERE a.trace_key = t.trace_key AND a.valid = 1 AND a.name = ? AND a.kind = ?)))
-- params: 7
-- 1: text 'LLM'
-- 2: text 'TOOL'
-- 3: text 'ok'
-- 4: int 1
-- 5: text 'yes'
-- 6: text 'ok'
-- 7: int 1
