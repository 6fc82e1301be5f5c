#include "otlp/validate.h"

#include "otlp/limits.h"

namespace tracelake::otlp::internal {

bool ValidateSpan(const model::Span& span, std::string& reason) {
  if (span.name.size() > kMaxSpanNameBytes) {
    reason = "span name longer than 64 KiB";
    return false;
  }
  // end == 0 is an unfinished span, which we keep; an end before the start is corrupt and
  // would turn into a huge unsigned duration downstream.
  if (span.end_time_unix_nano != 0 && span.end_time_unix_nano < span.start_time_unix_nano) {
    reason = "span ends before it starts";
    return false;
  }
  return true;
}

void FinishLogRecord(model::LogRecord& record) {
  if (!record.event_name.empty()) return;
  const model::AnyValue* v = model::FindAttribute(record.attributes, "event.name");
  if (v != nullptr && v->is_string()) record.event_name = v->as_string();
}

std::string ExperimentIdOf(const model::Resource& resource) {
  const model::AnyValue* v = model::FindAttribute(resource.attributes, "mlflow.experimentId");
  if (v == nullptr || v->empty()) return "";
  return v->ToDisplayString();
}

}  // namespace tracelake::otlp::internal
