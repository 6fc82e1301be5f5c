// OTLP decoding: ExportTraceServiceRequest / ExportLogsServiceRequest, protobuf or JSON,
// into model types. The only code that sees protobuf messages lives in src/otlp.
//
// Decoders never trust input: sizes, nesting depth and id lengths are checked; a request that
// cannot be parsed at all is kInvalidArgument; individual bad spans (wrong id length, zero ids)
// are rejected and counted, the rest kept (OTLP partial_success).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/log_record.h"
#include "model/span.h"
#include "tracelake/status.h"

namespace tracelake::otlp {

struct DecodedTraces {
  std::vector<model::Span> spans;
  int64_t rejected_spans = 0;
  std::string rejection_reason;  // first reason, for partial_success.error_message
  std::string experiment_id;     // from resource attribute mlflow.experimentId, if any (first seen)
};

struct DecodedLogs {
  std::vector<model::LogRecord> records;
  int64_t rejected_records = 0;
  std::string rejection_reason;
};

Result<DecodedTraces> DecodeTracesProtobuf(std::string_view body);
Result<DecodedTraces> DecodeTracesJson(std::string_view body);
Result<DecodedLogs> DecodeLogsProtobuf(std::string_view body);
Result<DecodedLogs> DecodeLogsJson(std::string_view body);

// One opentelemetry.proto.trace.v1.Span message (for round trips and tests).
Result<model::Span> DecodeSpanProtobuf(std::string_view bytes);

}  // namespace tracelake::otlp
