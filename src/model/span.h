// Span: one OpenTelemetry span plus the MLflow view normalization derives from it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/ids.h"
#include "model/any_value.h"

namespace tracelake::model {

enum class SpanKind : uint8_t {
  kUnspecified = 0,
  kInternal = 1,
  kServer = 2,
  kClient = 3,
  kProducer = 4,
  kConsumer = 5
};
enum class SpanStatusCode : uint8_t { kUnset = 0, kOk = 1, kError = 2 };

// The OTLP enum names (OTLP/JSON, MLflow's span JSON, the lake's tables): SPAN_KIND_SERVER,
// STATUS_CODE_ERROR, ...; the UNSPECIFIED / UNSET name for a value outside the enum.
const char* SpanKindName(SpanKind kind);
const char* SpanStatusCodeName(SpanStatusCode code);

// Resource and instrumentation scope. Many spans of one OTLP request share one of each.
struct Resource {
  Attributes attributes;
  uint32_t dropped_attributes_count = 0;
  std::string schema_url;
};
struct Scope {
  std::string name;
  std::string version;
  Attributes attributes;
  uint32_t dropped_attributes_count = 0;
  std::string schema_url;
};

struct SpanEvent {
  uint64_t time_unix_nano = 0;
  std::string name;
  Attributes attributes;
  uint32_t dropped_attributes_count = 0;
};

struct SpanLink {
  TraceId trace_id;
  SpanId span_id;
  std::string trace_state;
  Attributes attributes;
  uint32_t dropped_attributes_count = 0;
  uint32_t flags = 0;
};

// Token counts of one span or a whole trace. Absent means "not reported", not zero.
struct TokenUsage {
  std::optional<int64_t> input_tokens;
  std::optional<int64_t> output_tokens;
  std::optional<int64_t> total_tokens;
  std::optional<int64_t> cached_input_tokens;

  bool empty() const {
    return !input_tokens && !output_tokens && !total_tokens && !cached_input_tokens;
  }
  // Adds other's present counts into this one.
  void Add(const TokenUsage& other);
  // MLflow's complete form (docs/normalization.md, "Token usage"): when any of input, output or
  // total is known, the missing input / output count is 0 and a missing total is input +
  // output, so input + output == total unless the sender said otherwise. Cached-only or empty
  // usage is left as is.
  void Complete();
  // The JSON MLflow stores in mlflow.chat.tokenUsage and mlflow.trace.tokenUsage, as Python's
  // json.dumps writes it: {"input_tokens": 12, "output_tokens": 5, "total_tokens": 17}; absent
  // counts are left out, cached input tokens go under "cache_read_input_tokens".
  std::string ToMlflowJson() const;
};

// Python's repr of a float (what json.dumps writes and MLflow's "P{percentile}" labels print):
// the shortest round-trip digits, fixed notation for exponents in [-4, 16), else d.ddde±XX;
// integral values keep ".0" (50 -> "50.0", 99.9 -> "99.9", 1e-05 -> "1e-05", 0.0001 -> "0.0001").
std::string PythonFloatRepr(double v);

// Cost in USD, as MLflow's mlflow.llm.cost (one span) and mlflow.trace.cost (a trace's sum)
// carry it. Absent (std::nullopt where it is held) means "not priced", never zero.
struct Cost {
  double input_cost = 0;
  double output_cost = 0;
  double total_cost = 0;

  void Add(const Cost& other);
  void Subtract(const Cost& other);
  // As Python's json.dumps writes MLflow's dict: {"input_cost": 2.5e-05, "output_cost": 0.0001,
  // "total_cost": 0.000125} (floats in Python's repr).
  std::string ToMlflowJson() const;
  // MLflow's JSON (an object with numeric input_cost / output_cost / total_cost; a missing
  // total is input + output, other missing keys are 0). nullopt when it holds no finite count.
  static std::optional<Cost> FromMlflowJson(std::string_view json);
};

// What normalization derives from a span's attributes (see model/normalize.h). Strings are
// empty when unknown. inputs_json / outputs_json hold JSON text (possibly a JSON string).
struct SpanView {
  std::string span_type;  // MLflow SpanType: LLM, CHAT_MODEL, TOOL, ... ; "UNKNOWN" by default
  std::string inputs_json;
  std::string outputs_json;
  std::string model;     // response model if known, else request model
  std::string provider;  // openai, anthropic, ...
  TokenUsage usage;
  // The sender's mlflow.llm.cost, or the one model::PriceSpan stored at ingest; none when the
  // span was not priced.
  std::optional<Cost> cost;
  std::string session_id;  // from span or resource session.id / mlflow.trace.session
  std::string user_id;
  // How many attributes NormalizeSpan appended (the last ones of Span::attributes). Storage
  // keeps only the sender's attributes and derives these again when reading.
  size_t derived_attribute_count = 0;
};

struct Span {
  TraceId trace_id;
  SpanId span_id;
  SpanId parent_span_id;  // all zero for a root span
  std::string trace_state;
  uint32_t flags = 0;
  std::string name;
  SpanKind kind = SpanKind::kUnspecified;
  uint64_t start_time_unix_nano = 0;
  uint64_t end_time_unix_nano = 0;
  Attributes attributes;
  uint32_t dropped_attributes_count = 0;
  std::vector<SpanEvent> events;
  uint32_t dropped_events_count = 0;
  std::vector<SpanLink> links;
  uint32_t dropped_links_count = 0;
  SpanStatusCode status_code = SpanStatusCode::kUnset;
  std::string status_message;

  // Shared by all spans of one ResourceSpans/ScopeSpans of a request: shared lifetime.
  std::shared_ptr<const Resource> resource;
  std::shared_ptr<const Scope> scope;

  // Filled by model::NormalizeSpan.
  SpanView view;

  bool is_root() const { return parent_span_id.IsZero(); }
};

}  // namespace tracelake::model
