// OTLP encoding: model types -> ExportTraceServiceRequest / responses, protobuf or JSON.
// Used by the server (responses), the SDK exporter, `tracelake demo` and the load generator.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/log_record.h"
#include "model/span.h"

namespace tracelake::otlp {

// Groups spans by (resource, scope) pointer identity into ResourceSpans/ScopeSpans, in order
// of first appearance. Trace requests and spans are written without protobuf's generated
// classes (wire_encode.cc), so the SDK registers no descriptors. JSON follows OTLP/JSON: hex ids, integer enums, 64-bit integers as
// decimal strings, lowerCamelCase keys; invalid UTF-8 in text is replaced by U+FFFD.
std::string EncodeTracesRequestProtobuf(const std::vector<model::Span>& spans);
std::string EncodeTracesRequestJson(const std::vector<model::Span>& spans);
std::string EncodeLogsRequestProtobuf(const std::vector<model::LogRecord>& records);
std::string EncodeLogsRequestJson(const std::vector<model::LogRecord>& records);

// ExportTraceServiceResponse / ExportLogsServiceResponse; partial_success set when rejected > 0.
std::string EncodeTraceResponseProtobuf(int64_t rejected_spans, std::string_view error_message);
std::string EncodeTraceResponseJson(int64_t rejected_spans, std::string_view error_message);
std::string EncodeLogsResponseProtobuf(int64_t rejected_records, std::string_view error_message);
std::string EncodeLogsResponseJson(int64_t rejected_records, std::string_view error_message);

// google.rpc.Status {code, message} for OTLP/HTTP error bodies.
std::string EncodeRpcStatusProtobuf(int32_t code, std::string_view message);
std::string EncodeRpcStatusJson(int32_t code, std::string_view message);
// google.rpc.Status with a google.rpc.RetryInfo detail: what grpc::Status's error_details
// carries (the grpc-status-details-bin trailer) when a receiver throttles.
std::string EncodeRpcStatusWithRetryProtobuf(int32_t code, std::string_view message,
                                             std::chrono::milliseconds retry_delay);

// OTLP protobuf Span message bytes (opentelemetry.proto.trace.v1.Span) for one span; MLflow's
// V3 Trace JSON embeds spans in this shape.
std::string EncodeSpanProtobuf(const model::Span& span);

}  // namespace tracelake::otlp
