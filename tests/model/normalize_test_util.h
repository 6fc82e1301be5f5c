// Helpers for the normalization tests: spans and log records as the captured instrumentations
// send them (spec/instrumentations.md).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "model/log_record.h"
#include "model/normalize.h"
#include "model/span.h"

namespace tracelake::model::testing {

using Json = nlohmann::json;
using KvList = AnyValue::KvList;
using Array = AnyValue::Array;

inline constexpr char kTraceHex[] = "5b8efff798038103d269b633813fc60c";
inline constexpr char kSpanHex[] = "eee19b7ec3c1b174";

inline Span MakeSpan(Attributes attrs, bool root = false) {
  Span s;
  s.trace_id = *TraceId::FromHex(kTraceHex);
  s.span_id = *SpanId::FromHex(kSpanHex);
  if (!root) s.parent_span_id = *SpanId::FromHex("eee19b7ec3c1b173");
  s.name = "span";
  s.attributes = std::move(attrs);
  return s;
}

inline Span Normalized(Attributes attrs, bool root = false) {
  Span s = MakeSpan(std::move(attrs), root);
  NormalizeSpan(s);
  return s;
}

// The attribute's string value, or "<absent>".
inline std::string Attr(const Span& s, const char* key) {
  const AnyValue* v = FindAttribute(s.attributes, key);
  return v != nullptr ? v->ToDisplayString() : "<absent>";
}

inline bool Has(const Span& s, const char* key) {
  return FindAttribute(s.attributes, key) != nullptr;
}

// Parses JSON text the normalizer produced; a parse failure is a test failure, not a crash.
inline Json ParseOrNull(const std::string& text) {
  return Json::parse(text, nullptr, /*allow_exceptions=*/false);
}

// A log record linked to the span made by MakeSpan, shaped as @opentelemetry/
// instrumentation-openai 0.21.0 sends it: no eventName field, event.name + gen_ai.system
// attributes, severity 9, kvlist body.
inline LogRecord GenAiRecord(const char* event, AnyValue body, uint64_t time_ns,
                             bool name_in_field = false) {
  LogRecord r;
  r.trace_id = *TraceId::FromHex(kTraceHex);
  r.span_id = *SpanId::FromHex(kSpanHex);
  r.time_unix_nano = time_ns;
  r.observed_time_unix_nano = time_ns;
  r.severity_number = 9;
  r.body = std::move(body);
  r.attributes = {{"event.name", event}, {"gen_ai.system", "openai"}};
  if (name_in_field) r.event_name = event;
  return r;
}

inline AnyValue ToolCall(const char* id, const char* arguments) {
  return AnyValue(
      KvList{{"id", id},
             {"type", "function"},
             {"function", AnyValue(KvList{{"name", "genie_query"}, {"arguments", arguments}})}});
}

inline constexpr char kSystemText[] =
    "You are the Acme Retail support assistant. Answer only with data from your tools.";
inline constexpr char kUserText[] = "What were total sales in EMEA, APAC and AMER last quarter?";
inline constexpr char kAnswerText[] =
    "Based on 3 tool results (474 bytes of data), the answer is ready.";
inline constexpr char kArgs1[] = "{\"question\":\"total sales last quarter (part 1 of 3)\"}";
inline constexpr char kArgs2[] = "{\"question\":\"total sales last quarter (part 2 of 3)\"}";
inline constexpr char kArgs3[] = "{\"question\":\"total sales last quarter (part 3 of 3)\"}";
inline constexpr char kRows1[] = "{\"rows\":[{\"region\":\"EMEA\",\"sales\":1250000}]}";

}  // namespace tracelake::model::testing
