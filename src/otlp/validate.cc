#include "otlp/validate.h"

namespace tracelake::otlp {

bool ValidateSpan(const model::Span& s, std::string& reason) {
  if (s.name.size() > kMaxNameBytes) {
    reason = "span name longer than 64 KiB";
    return false;
  }
  if (s.attributes.size() > kMaxAttributesPerSpan) {
    reason = "span has more than 100000 attributes";
    return false;
  }
  if (s.end_time_unix_nano != 0 && s.end_time_unix_nano < s.start_time_unix_nano) {
    reason = "span ends before it starts";
    return false;
  }
  return true;
}

bool SetLogIds(model::LogRecord& r, std::string_view trace_id, std::string_view span_id,
               std::string& reason) {
  if (trace_id.empty() && span_id.empty()) return true;
  auto t = TraceId::FromBytes(trace_id);
  if (!t) {
    reason = "log record has an invalid trace_id (must be empty or 16 bytes)";
    return false;
  }
  r.trace_id = *t;
  if (!span_id.empty()) {
    auto s = SpanId::FromBytes(span_id);
    if (!s) {
      reason = "log record has an invalid span_id (must be empty or 8 bytes)";
      return false;
    }
    r.span_id = *s;
  }
  return true;
}

void FinishLogRecord(model::LogRecord& r) {
  if (!r.event_name.empty()) return;
  if (const auto* v = model::FindAttribute(r.attributes, "event.name"); v && v->is_string())
    r.event_name = v->as_string();
}

}  // namespace tracelake::otlp
