// The properties the OTLP fuzz targets check, shared with tests/otlp/fuzz_regression_test.cc so
// the corpus and every saved crash are replayed by the ordinary test suite too.
//
// For any input bytes, each decoder must: not crash, answer OK or kInvalidArgument, and when OK
// return only valid items. Its output must survive a round trip: encoding it and decoding that
// again must succeed with the same items, and encoding those must give the same bytes (the
// encoders are deterministic and lose nothing the decoders keep).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "otlp/decode.h"
#include "otlp/encode.h"
#include "otlp/group.h"
#include "otlp/proto_convert.h"
#include "otlp/response.h"

namespace tracelake::fuzz {

#define TRACELAKE_FUZZ_CHECK(cond)                                                       \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (0)

template <typename Decoded>
void CheckOutcome(const Result<Decoded>& result) {
  if (!result.ok()) {
    TRACELAKE_FUZZ_CHECK(result.status().code() == StatusCode::kInvalidArgument);
    TRACELAKE_FUZZ_CHECK(!result.status().message().empty());
  }
}

inline void CheckSpans(const otlp::DecodedTraces& decoded) {
  TRACELAKE_FUZZ_CHECK(decoded.rejected_spans >= 0);
  TRACELAKE_FUZZ_CHECK((decoded.rejected_spans == 0) == decoded.rejection_reason.empty());
  for (const model::Span& span : decoded.spans) {
    TRACELAKE_FUZZ_CHECK(!span.trace_id.IsZero());
    TRACELAKE_FUZZ_CHECK(!span.span_id.IsZero());
    TRACELAKE_FUZZ_CHECK(span.resource != nullptr && span.scope != nullptr);
    TRACELAKE_FUZZ_CHECK(span.end_time_unix_nano == 0 ||
                         span.end_time_unix_nano >= span.start_time_unix_nano);
  }
}

inline void CheckRecords(const otlp::DecodedLogs& decoded) {
  TRACELAKE_FUZZ_CHECK(decoded.rejected_records >= 0);
  TRACELAKE_FUZZ_CHECK((decoded.rejected_records == 0) == decoded.rejection_reason.empty());
  for (const model::LogRecord& record : decoded.records)
    TRACELAKE_FUZZ_CHECK(record.resource != nullptr && record.scope != nullptr);
}

// decode(data) -> encode -> decode -> encode: both decodes succeed with the same item count and
// the two encodings are byte-identical.
template <typename Decode, typename Encode, typename Items>
void CheckRoundTrip(const Items& first_items, Decode decode, Encode encode, auto items_of) {
  const std::string first = encode(first_items);
  auto again = decode(first);
  TRACELAKE_FUZZ_CHECK(again.ok());
  const auto& second_items = items_of(*again);
  TRACELAKE_FUZZ_CHECK(second_items.size() == first_items.size());
  TRACELAKE_FUZZ_CHECK(encode(second_items) == first);
}

// The hand-written trace request writer (wire_encode.cc) must give the bytes protobuf's
// generated serializer gives for the same spans.
inline void CheckWriterMatchesGenerated(const std::vector<model::Span>& spans) {
  ::opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest request;
  for (const auto& group : otlp::internal::GroupByResourceAndScope(spans)) {
    auto* rs = request.add_resource_spans();
    if (group.resource != nullptr) {
      otlp::internal::ToProto(*group.resource, rs->mutable_resource());
      rs->set_schema_url(group.resource->schema_url);
    }
    for (const auto& scope_group : group.scopes) {
      auto* ss = rs->add_scope_spans();
      if (scope_group.scope != nullptr) {
        otlp::internal::ToProto(*scope_group.scope, ss->mutable_scope());
        ss->set_schema_url(scope_group.scope->schema_url);
      }
      for (const model::Span* span : scope_group.items)
        otlp::internal::ToProto(*span, ss->add_spans());
    }
  }
  TRACELAKE_FUZZ_CHECK(otlp::EncodeTracesRequestProtobuf(spans) == request.SerializeAsString());
}

// Export answers as the SDK reads them (hand-written wire reader, JSON): never a crash, errors
// are kInvalidArgument, counts and delays are never negative.
inline void CheckAnswers(std::string_view data) {
  for (auto format : {otlp::WireFormat::kProtobuf, otlp::WireFormat::kJson}) {
    auto partial = otlp::DecodeTraceResponse(data, format);
    CheckOutcome(partial);
    if (partial.ok()) TRACELAKE_FUZZ_CHECK(partial->rejected >= 0);
    auto status = otlp::DecodeRpcStatus(data, format);
    CheckOutcome(status);
    if (status.ok() && status->retry_delay)
      TRACELAKE_FUZZ_CHECK(status->retry_delay->count() >= 0);
  }
}

inline void CheckTracesProtobuf(std::string_view data) {
  auto decoded = otlp::DecodeTracesProtobuf(data);
  CheckOutcome(decoded);
  if (!decoded.ok()) return;
  CheckSpans(*decoded);
  auto spans_of = [](const otlp::DecodedTraces& d) -> const auto& { return d.spans; };
  CheckRoundTrip(decoded->spans, otlp::DecodeTracesProtobuf, otlp::EncodeTracesRequestProtobuf,
                 spans_of);
  CheckWriterMatchesGenerated(decoded->spans);
  // The JSON encoder must take anything the protobuf decoder accepts (replacing bad UTF-8).
  auto as_json = otlp::DecodeTracesJson(otlp::EncodeTracesRequestJson(decoded->spans));
  TRACELAKE_FUZZ_CHECK(as_json.ok());
  TRACELAKE_FUZZ_CHECK(as_json->spans.size() + static_cast<size_t>(as_json->rejected_spans) ==
                       decoded->spans.size());
}

inline void CheckTracesJson(std::string_view data) {
  auto decoded = otlp::DecodeTracesJson(data);
  CheckOutcome(decoded);
  if (!decoded.ok()) return;
  CheckSpans(*decoded);
  auto spans_of = [](const otlp::DecodedTraces& d) -> const auto& { return d.spans; };
  CheckRoundTrip(decoded->spans, otlp::DecodeTracesJson, otlp::EncodeTracesRequestJson, spans_of);
  CheckRoundTrip(decoded->spans, otlp::DecodeTracesProtobuf, otlp::EncodeTracesRequestProtobuf,
                 spans_of);
  CheckWriterMatchesGenerated(decoded->spans);
}

inline void CheckLogsProtobuf(std::string_view data) {
  auto decoded = otlp::DecodeLogsProtobuf(data);
  CheckOutcome(decoded);
  if (!decoded.ok()) return;
  CheckRecords(*decoded);
  auto records_of = [](const otlp::DecodedLogs& d) -> const auto& { return d.records; };
  CheckRoundTrip(decoded->records, otlp::DecodeLogsProtobuf, otlp::EncodeLogsRequestProtobuf,
                 records_of);
  auto as_json = otlp::DecodeLogsJson(otlp::EncodeLogsRequestJson(decoded->records));
  TRACELAKE_FUZZ_CHECK(as_json.ok());
  TRACELAKE_FUZZ_CHECK(as_json->records.size() == decoded->records.size());
}

inline void CheckLogsJson(std::string_view data) {
  auto decoded = otlp::DecodeLogsJson(data);
  CheckOutcome(decoded);
  if (!decoded.ok()) return;
  CheckRecords(*decoded);
  auto records_of = [](const otlp::DecodedLogs& d) -> const auto& { return d.records; };
  CheckRoundTrip(decoded->records, otlp::DecodeLogsJson, otlp::EncodeLogsRequestJson, records_of);
  CheckRoundTrip(decoded->records, otlp::DecodeLogsProtobuf, otlp::EncodeLogsRequestProtobuf,
                 records_of);
}

}  // namespace tracelake::fuzz
