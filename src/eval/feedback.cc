#include "eval/feedback.h"

#include <utility>

namespace tracelake::eval {

Verdict Feedback::verdict() const {
  if (error || value.is_null()) return Verdict::kUnknown;
  if (value.is_boolean()) return value.get<bool>() ? Verdict::kYes : Verdict::kNo;
  if (value.is_string()) {
    const auto& s = value.get_ref<const std::string&>();
    if (s == "yes") return Verdict::kYes;
    if (s == "no") return Verdict::kNo;
  }
  return Verdict::kValue;
}

Feedback Feedback::Unknown(std::string name, FeedbackError error, FeedbackSource source) {
  Feedback f;
  f.name = std::move(name);
  f.error = std::move(error);
  f.source = std::move(source);
  return f;
}

Feedback Feedback::Pass(std::string name, bool pass, std::string rationale, FeedbackSource source) {
  Feedback f;
  f.name = std::move(name);
  f.value = pass;
  f.rationale = std::move(rationale);
  f.source = std::move(source);
  return f;
}

const char* FeedbackSourceTypeName(FeedbackSourceType type) {
  return type == FeedbackSourceType::kLlmJudge ? "LLM_JUDGE" : "CODE";
}

model::Assessment Feedback::ToAssessment(const std::string& trace_id, int64_t now_ms) const {
  model::Assessment a;
  a.assessment_name = name;
  a.trace_id = trace_id;
  a.span_id = span_id;
  a.source.source_type = source.type == FeedbackSourceType::kLlmJudge
                             ? model::AssessmentSourceType::kLlmJudge
                             : model::AssessmentSourceType::kCode;
  a.source.source_id = source.id;
  a.create_time_ms = now_ms;
  a.last_update_time_ms = now_ms;
  model::Feedback fb;
  if (!value.is_null()) fb.value_json = value.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (error) fb.error = model::AssessmentError{error->code, error->message, error->raw_answer};
  a.feedback = std::move(fb);
  a.rationale = rationale;
  a.metadata = metadata;
  return a;
}

}  // namespace tracelake::eval
