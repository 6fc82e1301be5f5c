// Checks shared by the protobuf and JSON decoders. Internal to src/otlp.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "model/log_record.h"
#include "model/span.h"

namespace tracelake::otlp::internal {

// Counts rejected items and remembers the first reason, for OTLP partial_success.
struct Rejections {
  int64_t count = 0;
  std::string first_reason;

  void Add(std::string_view reason) {
    if (count++ == 0) first_reason = reason;
  }
};

// Reasons shared by both encodings (tests match on them).
inline constexpr std::string_view kBadTraceId =
    "span has an invalid trace_id (must be 16 bytes, not all zero)";
inline constexpr std::string_view kBadSpanId =
    "span has an invalid span_id (must be 8 bytes, not all zero)";
inline constexpr std::string_view kBadParentSpanId =
    "span has an invalid parent_span_id (must be empty or 8 bytes)";
inline constexpr std::string_view kBadLogTraceId =
    "log record has an invalid trace_id (must be empty or 16 bytes)";
inline constexpr std::string_view kBadLogSpanId =
    "log record has an invalid span_id (must be empty or 8 bytes)";
inline constexpr std::string_view kTooDeep = "attribute value nested deeper than 64 levels";
inline constexpr std::string_view kTooManyItems =
    "request holds more than 2000000 spans, log records, events, links, attributes and values; "
    "send smaller batches";

// Checks a fully decoded span (ids are checked while decoding). False with a reason when the
// span must be rejected.
bool ValidateSpan(const model::Span& span, std::string& reason);

// Fills event_name from the "event.name" attribute when field 12 was empty.
void FinishLogRecord(model::LogRecord& record);

// The resource attribute mlflow.experimentId as text, or "" when absent.
std::string ExperimentIdOf(const model::Resource& resource);

}  // namespace tracelake::otlp::internal
