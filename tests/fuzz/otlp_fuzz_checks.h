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

#include "otlp/decode.h"
#include "otlp/encode.h"

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

inline void CheckTracesProtobuf(std::string_view data) {
  auto decoded = otlp::DecodeTracesProtobuf(data);
  CheckOutcome(decoded);
  if (!decoded.ok()) return;
  CheckSpans(*decoded);
  auto spans_of = [](const otlp::DecodedTraces& d) -> const auto& { return d.spans; };
  CheckRoundTrip(decoded->spans, otlp::DecodeTracesProtobuf, otlp::EncodeTracesRequestProtobuf,
                 spans_of);
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
