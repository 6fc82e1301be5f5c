// Spans in the two JSON forms MLflow clients exchange:
//  - OTLP: opentelemetry.proto.trace.v1.Span as MLflow's message_to_json writes it inside
//    Trace.spans (GetTrace, BatchGetTraces): ids as base64 bytes, enums by name, fixed64 times
//    as numbers, attributes as [{key, value: AnyValue}] with proto3 defaults omitted.
//  - Trace data: the traces.json document {"spans": [...]} that MLflow clients upload to and
//    download from the trace's artifact location. Read: every form MLflow clients write
//    (Python's span dict v2 "context" schema, the proto-like v3 schema with base64 ids, the v4
//    schema with hex ids and otel_trace_id, and the TypeScript SDK's variant with decoded
//    attribute values). Written: the v3 schema, which every MLflow 3 client (Python and
//    TypeScript) reads, with attribute values as JSON text.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/ids.h"
#include "model/span.h"
#include "server/mlflow/params.h"
#include "tracelake/status.h"

namespace tracelake::server {

std::string Base64Encode(std::string_view bytes);
// Standard or URL-safe alphabet, padding optional. False on anything else.
bool Base64Decode(std::string_view text, std::string& bytes);

Json SpanToOtlpJson(const model::Span& span);
// Appends DumpJson(SpanToOtlpJson(span)) to `out`, the same text without a Json tree: for
// answers with many spans.
void AppendSpanOtlpJson(const model::Span& span, std::string& out);

// {"spans": [...]} for traces.json.
Json TraceDataToJson(const std::vector<model::Span>& spans);

// Spans of an uploaded traces.json, normalized (model::NormalizeSpan) and ready to ingest.
// Every span must belong to `trace`; errors name the span index and field, never values.
inline constexpr size_t kMaxTraceDataSpans = 100000;
Result<std::vector<model::Span>> SpansFromTraceDataJson(const Json& doc, const TraceId& trace);

}  // namespace tracelake::server
