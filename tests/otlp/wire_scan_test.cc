// CountWireItems and the item limit it enforces (kMaxItemsPerRequest) in both decoders.
#include "otlp/wire_scan.h"

#include <gtest/gtest.h>

#include <string>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "otlp/decode.h"
#include "otlp/encode.h"
#include "otlp/limits.h"
#include "test_util.h"

namespace tracelake::otlp {
namespace {

using internal::CountWireItems;
using internal::WireRequest;
using ::opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;

// service.name resource attribute + `spans` spans with two string attributes each.
ExportTraceServiceRequest SmallRequest(int spans) {
  ExportTraceServiceRequest request;
  auto* rs = request.add_resource_spans();
  auto* resource_kv = rs->mutable_resource()->add_attributes();
  resource_kv->set_key("service.name");
  resource_kv->mutable_value()->set_string_value("svc");
  auto* ss = rs->add_scope_spans();
  for (int i = 0; i < spans; ++i) {
    auto* span = ss->add_spans();
    span->set_name("s");
    for (const char* key : {"a", "b"}) {
      auto* kv = span->add_attributes();
      kv->set_key(key);
      kv->mutable_value()->set_string_value("v");
    }
  }
  return request;
}

// `count` empty KeyValues in one span: 2 bytes each on the wire.
std::string EmptyAttributesBody(size_t count) {
  auto length_delimited = [](int field, const std::string& data) {
    std::string out(1, static_cast<char>(field << 3 | 2));
    size_t n = data.size();
    for (; n >= 0x80; n >>= 7) out += static_cast<char>((n & 0x7f) | 0x80);
    out += static_cast<char>(n);
    return out + data;
  };
  std::string span =
      length_delimited(1, std::string(16, '\x01')) + length_delimited(2, std::string(8, '\x01'));
  for (size_t i = 0; i < count; ++i) span += std::string("\x4a\x00", 2);
  return length_delimited(1, length_delimited(2, length_delimited(2, span)));
}

TEST(CountWireItemsTest, CountsSpansKeyValuesAndValues) {
  // 1 resource KeyValue + its value, 3 spans, 6 KeyValues + 6 values.
  EXPECT_EQ(CountWireItems(SmallRequest(3).SerializeAsString(), WireRequest::kTraces, 1000), 17);
  EXPECT_EQ(CountWireItems("", WireRequest::kTraces, 1000), 0);
}

TEST(CountWireItemsTest, CountsEverythingTheFullSpanCarries) {
  // 4 spans/events/links, 19 key-values, 21 values (see MakeFullSpan).
  const std::string body = EncodeTracesRequestProtobuf({testing::MakeFullSpan()});
  EXPECT_EQ(CountWireItems(body, WireRequest::kTraces, 1000), 44);
  // A bare Span message: 2 events + 1 link, and no resource or scope (3 key-values, 3 values).
  EXPECT_EQ(CountWireItems(EncodeSpanProtobuf(testing::MakeFullSpan()), WireRequest::kSpan, 1000),
            3 + 16 + 18);
}

TEST(CountWireItemsTest, StopsJustPastTheLimit) {
  EXPECT_EQ(CountWireItems(SmallRequest(100).SerializeAsString(), WireRequest::kTraces, 10), 11);
}

TEST(CountWireItemsTest, SkipsUnknownFieldsAndGroupsTheParserDoesNotMaterialize) {
  std::string body = SmallRequest(1).SerializeAsString();
  // Unknown field 7 holding bytes that look like key-values, and an unknown group (field 8).
  body += std::string("\x3a\x04\x4a\x00\x4a\x00", 6);
  body += std::string("\x43\x4a\x00\x44", 4);
  EXPECT_EQ(CountWireItems(body, WireRequest::kTraces, 1000), 7);
  EXPECT_TRUE(DecodeTracesProtobuf(body).ok());
}

TEST(CountWireItemsTest, KeepsCountingAfterAnUnknownGroup) {
  // A group the walker did not understand must not hide what follows it.
  std::string body = std::string("\x43\x08\x01\x44", 4) + EmptyAttributesBody(5);
  EXPECT_EQ(CountWireItems(body, WireRequest::kTraces, 1000), 6);
}

TEST(ItemLimitTest, ProtobufBodyWithTooManyItemsIsRefusedBeforeParsing) {
  const std::string body = EmptyAttributesBody(kMaxItemsPerRequest);  // + the span = one too many
  auto decoded = DecodeTracesProtobuf(body);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(decoded.status().message(),
            "Invalid OTLP request: request holds more than 2000000 spans, log records, events, "
            "links, attributes and values; send smaller batches");
}

TEST(ItemLimitTest, LargeProtobufBodyWithFewItemsIsAccepted) {
  model::Span span = testing::MakeFullSpan();
  model::SetAttribute(span.attributes, "big", model::AnyValue(std::string(5 << 20, 'x')));
  auto decoded = DecodeTracesProtobuf(EncodeTracesRequestProtobuf({span}));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->spans.size(), 1u);
}

TEST(ItemLimitTest, JsonBodyWithTooManyItemsFailsTheRequest) {
  std::string values;
  values.reserve(3 * kMaxItemsPerRequest + 16);
  for (int64_t i = 0; i < kMaxItemsPerRequest; ++i) values += "{},";
  values.pop_back();
  const std::string body =
      R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c",)"
      R"("spanId":"6d0f9a2c4b1e8f37","attributes":[{"key":"k","value":{"arrayValue":{"values":[)" +
      values + "]}}}]}]}]}]}";
  auto decoded = DecodeTracesJson(body);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(decoded.status().message(),
            "Invalid OTLP/JSON traces request: request holds more than 2000000 spans, log "
            "records, events, links, attributes and values; send smaller batches");
}

}  // namespace
}  // namespace tracelake::otlp
