// OTLP decoding: ExportTraceServiceRequest / ExportLogsServiceRequest, protobuf or OTLP/JSON,
// into model types. The only code that sees the generated OTLP messages lives in src/otlp.
//
//   ASSIGN_OR_RETURN(DecodedTraces decoded, otlp::DecodeTracesProtobuf(body));
//   // decoded.spans are valid; decoded.rejected_spans / rejection_reason feed partial_success.
//
// Decoders never trust input and never throw:
//  - a body that cannot be parsed at all (not protobuf / not JSON, wrong types in the envelope,
//    nesting past the parser's limit, a malformed resource or scope) is kInvalidArgument with a
//    message naming the problem (never the payload);
//  - an individual bad span is rejected and counted, the rest kept (OTLP partial_success):
//    trace_id must be 16 bytes and not all zero, span_id 8 bytes and not all zero,
//    parent_span_id empty or 8 bytes (all zero = root), end >= start unless end is 0, name at
//    most 64 KiB, AnyValue nesting at most 64 levels, JSON fields of the right type;
//  - log records need trace_id empty or 16 bytes and span_id empty or 8 bytes.
// Links with unusable ids are dropped and counted in dropped_links_count. Unknown fields are
// ignored. All spans of one ResourceSpans/ScopeSpans share one Resource/Scope object.
//
// OTLP/JSON: lowerCamelCase or snake_case keys; 64-bit integers as numbers or decimal strings;
// enums as integers or names; ids as hex (base64 accepted too); bytesValue as base64.
// Text in protobuf bodies is taken as sent, even invalid UTF-8 (see proto/.../common.proto).
//
// Thread-safety: safe for concurrent use. Each thread keeps its own parse buffers.
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
