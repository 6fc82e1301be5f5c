// DecodeTracesProtobuf / DecodeLogsProtobuf / DecodeSpanProtobuf: round trips, validation with
// partial success, and hostile bytes.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "otlp/decode.h"
#include "otlp/encode.h"
#include "test_util.h"

namespace tracelake::otlp {
namespace {

namespace pb_trace = ::opentelemetry::proto::trace::v1;
namespace pb_common = ::opentelemetry::proto::common::v1;
using ::opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest;
using ::opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using testing::ExpectSameLogRecord;
using testing::ExpectSameSpan;
using testing::MakeFullLogRecord;
using testing::MakeFullSpan;

const std::string kTraceId("\x5b\x8e\xff\xf7\x98\x03\x81\x03\xd2\x69\xb6\x33\x81\x3f\xc6\x0c", 16);
const std::string kSpanId("\x6d\x0f\x9a\x2c\x4b\x1e\x8f\x37", 8);

// A request with one resource and scope holding the given spans.
ExportTraceServiceRequest RequestWith(const std::vector<pb_trace::Span>& spans) {
  ExportTraceServiceRequest request;
  auto* rs = request.add_resource_spans();
  auto* kv = rs->mutable_resource()->add_attributes();
  kv->set_key("service.name");
  kv->mutable_value()->set_string_value("svc");
  auto* ss = rs->add_scope_spans();
  ss->mutable_scope()->set_name("scope");
  for (const auto& s : spans) *ss->add_spans() = s;
  return request;
}

pb_trace::Span ValidSpan(std::string name) {
  pb_trace::Span span;
  span.set_trace_id(kTraceId);
  span.set_span_id(kSpanId);
  span.set_name(std::move(name));
  span.set_start_time_unix_nano(100);
  span.set_end_time_unix_nano(200);
  return span;
}

void SetNested(pb_common::AnyValue* value, int depth) {
  for (int i = 1; i < depth; ++i) value = value->mutable_array_value()->add_values();
  value->set_string_value("leaf");
}

TEST(DecodeTracesProtobufTest, RoundTripsEveryField) {
  const model::Span span = MakeFullSpan();
  auto decoded = DecodeTracesProtobuf(EncodeTracesRequestProtobuf({span}));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ASSERT_EQ(decoded->spans.size(), 1u);
  EXPECT_EQ(decoded->rejected_spans, 0);
  EXPECT_EQ(decoded->rejection_reason, "");
  ExpectSameSpan(span, decoded->spans[0]);
}

TEST(DecodeTracesProtobufTest, SharesOneResourceAndScopeObjectPerGroup) {
  model::Span a = MakeFullSpan();
  model::Span b = a;
  b.span_id = testing::SpanIdFromHex("1111111111111111");
  model::Span c = a;
  c.span_id = testing::SpanIdFromHex("2222222222222222");
  auto other_scope = std::make_shared<model::Scope>();
  other_scope->name = "support-agent";
  c.scope = other_scope;
  auto decoded = DecodeTracesProtobuf(EncodeTracesRequestProtobuf({a, b, c}));
  ASSERT_TRUE(decoded.ok());
  ASSERT_EQ(decoded->spans.size(), 3u);
  const auto& spans = decoded->spans;
  EXPECT_EQ(spans[0].resource.get(), spans[1].resource.get());
  EXPECT_EQ(spans[0].resource.get(), spans[2].resource.get());
  EXPECT_EQ(spans[0].scope.get(), spans[1].scope.get());
  EXPECT_NE(spans[0].scope.get(), spans[2].scope.get());
  EXPECT_EQ(spans[2].scope->name, "support-agent");
}

TEST(DecodeTracesProtobufTest, ReadsExperimentIdFromResourceAttribute) {
  model::Span span = MakeFullSpan();  // resource has mlflow.experimentId = "42"
  auto decoded = DecodeTracesProtobuf(EncodeTracesRequestProtobuf({span}));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->experiment_id, "42");

  auto resource = std::make_shared<model::Resource>();
  resource->attributes = {{"mlflow.experimentId", model::AnyValue(int64_t{17})}};
  span.resource = resource;
  decoded = DecodeTracesProtobuf(EncodeTracesRequestProtobuf({span}));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->experiment_id, "17");

  span.resource = std::make_shared<model::Resource>();
  decoded = DecodeTracesProtobuf(EncodeTracesRequestProtobuf({span}));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->experiment_id, "");
}

TEST(DecodeTracesProtobufTest, RejectsSpansWithBadIdsAndKeepsTheRest) {
  pb_trace::Span short_trace = ValidSpan("short trace id");
  short_trace.set_trace_id(kTraceId.substr(0, 15));
  pb_trace::Span zero_trace = ValidSpan("zero trace id");
  zero_trace.set_trace_id(std::string(16, '\0'));
  pb_trace::Span missing_span = ValidSpan("missing span id");
  missing_span.clear_span_id();
  pb_trace::Span zero_span = ValidSpan("zero span id");
  zero_span.set_span_id(std::string(8, '\0'));
  pb_trace::Span long_parent = ValidSpan("long parent");
  long_parent.set_parent_span_id(kSpanId + "x");

  const auto request = RequestWith(
      {short_trace, ValidSpan("good"), zero_trace, missing_span, zero_span, long_parent});
  auto decoded = DecodeTracesProtobuf(request.SerializeAsString());
  ASSERT_TRUE(decoded.ok());
  ASSERT_EQ(decoded->spans.size(), 1u);
  EXPECT_EQ(decoded->spans[0].name, "good");
  EXPECT_EQ(decoded->rejected_spans, 5);
  EXPECT_EQ(decoded->rejection_reason,
            "span has an invalid trace_id (must be 16 bytes, not all zero)");
}

TEST(DecodeTracesProtobufTest, ReportsParentAndSpanIdReasons) {
  pb_trace::Span long_parent = ValidSpan("long parent");
  long_parent.set_parent_span_id("abc");
  auto decoded = DecodeTracesProtobuf(RequestWith({long_parent}).SerializeAsString());
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->rejected_spans, 1);
  EXPECT_EQ(decoded->rejection_reason,
            "span has an invalid parent_span_id (must be empty or 8 bytes)");

  pb_trace::Span zero_span = ValidSpan("zero span");
  zero_span.set_span_id(std::string(8, '\0'));
  decoded = DecodeTracesProtobuf(RequestWith({zero_span}).SerializeAsString());
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->rejection_reason,
            "span has an invalid span_id (must be 8 bytes, not all zero)");
}

TEST(DecodeTracesProtobufTest, AllZeroParentIdMeansRoot) {
  pb_trace::Span span = ValidSpan("root");
  span.set_parent_span_id(std::string(8, '\0'));
  auto decoded = DecodeTracesProtobuf(RequestWith({span}).SerializeAsString());
  ASSERT_TRUE(decoded.ok());
  ASSERT_EQ(decoded->spans.size(), 1u);
  EXPECT_TRUE(decoded->spans[0].is_root());
}

TEST(DecodeTracesProtobufTest, RejectsSpanThatEndsBeforeItStarts) {
  pb_trace::Span backwards = ValidSpan("backwards");
  backwards.set_end_time_unix_nano(50);
  pb_trace::Span unfinished = ValidSpan("unfinished");
  unfinished.set_end_time_unix_nano(0);
  auto decoded = DecodeTracesProtobuf(RequestWith({backwards, unfinished}).SerializeAsString());
  ASSERT_TRUE(decoded.ok());
  ASSERT_EQ(decoded->spans.size(), 1u);
  EXPECT_EQ(decoded->spans[0].name, "unfinished");
  EXPECT_EQ(decoded->rejection_reason, "span ends before it starts");
}

TEST(DecodeTracesProtobufTest, DropsLinksWithMalformedIdsAndCountsThem) {
  pb_trace::Span span = ValidSpan("linked");
  auto* good = span.add_links();
  good->set_trace_id(kTraceId);
  good->set_span_id(kSpanId);
  auto* bad = span.add_links();
  bad->set_trace_id("short");
  bad->set_span_id(kSpanId);
  span.set_dropped_links_count(2);
  auto decoded = DecodeTracesProtobuf(RequestWith({span}).SerializeAsString());
  ASSERT_TRUE(decoded.ok());
  ASSERT_EQ(decoded->spans.size(), 1u);
  EXPECT_EQ(decoded->spans[0].links.size(), 1u);
  EXPECT_EQ(decoded->spans[0].dropped_links_count, 3u);
}

TEST(DecodeTracesProtobufTest, MapsUnknownEnumValuesToUnspecified) {
  pb_trace::Span span = ValidSpan("odd enums");
  span.set_kind(static_cast<pb_trace::Span::SpanKind>(42));
  span.mutable_status()->set_code(static_cast<pb_trace::Status::StatusCode>(9));
  auto decoded = DecodeTracesProtobuf(RequestWith({span}).SerializeAsString());
  ASSERT_TRUE(decoded.ok());
  ASSERT_EQ(decoded->spans.size(), 1u);
  EXPECT_EQ(decoded->spans[0].kind, model::SpanKind::kUnspecified);
  EXPECT_EQ(decoded->spans[0].status_code, model::SpanStatusCode::kUnset);
}

TEST(DecodeTracesProtobufTest, KeepsInvalidUtf8TextInsteadOfFailingTheRequest) {
  pb_trace::Span span = ValidSpan(std::string("bad \xff\xfe utf8", 12));
  auto* kv = span.add_attributes();
  kv->set_key("k\xc3");
  kv->mutable_value()->set_string_value("\xed\xa0\x80");  // a UTF-16 surrogate, invalid UTF-8
  auto decoded = DecodeTracesProtobuf(RequestWith({span}).SerializeAsString());
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ASSERT_EQ(decoded->spans.size(), 1u);
  EXPECT_EQ(decoded->spans[0].name, std::string("bad \xff\xfe utf8", 12));
  EXPECT_EQ(decoded->spans[0].attributes[0].key, "k\xc3");
}

TEST(DecodeTracesProtobufTest, IgnoresUnknownFields) {
  std::string body = RequestWith({ValidSpan("x")}).SerializeAsString();
  body += std::string("\xc8\x06\x01", 3);  // field 105, varint 1
  body += std::string(
      "\xd2\x06\x03"
      "abc",
      6);  // field 106, bytes "abc"
  auto decoded = DecodeTracesProtobuf(body);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->spans.size(), 1u);
}

TEST(DecodeTracesProtobufTest, EmptyBodyIsAnEmptyRequest) {
  auto decoded = DecodeTracesProtobuf("");
  ASSERT_TRUE(decoded.ok());
  EXPECT_TRUE(decoded->spans.empty());
  EXPECT_EQ(decoded->rejected_spans, 0);
}

TEST(DecodeTracesProtobufTest, EveryTruncationIsInvalidArgument) {
  const std::string body = EncodeTracesRequestProtobuf({MakeFullSpan()});
  for (size_t cut = 1; cut < body.size(); ++cut) {
    auto decoded = DecodeTracesProtobuf(std::string_view(body).substr(0, cut));
    ASSERT_FALSE(decoded.ok()) << "cut at " << cut;
    EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(decoded.status().message(),
              "Body is not a valid OTLP ExportTraceServiceRequest protobuf message");
  }
}

TEST(DecodeTracesProtobufTest, GarbageIsInvalidArgument) {
  for (std::string_view garbage :
       {std::string_view("not a protobuf"), std::string_view("\xff\xff\xff\xff\xff", 5),
        std::string_view("{\"resourceSpans\":[]}"), std::string_view("\x0a\xff\xff\xff\xff\x0f", 6),
        std::string_view("\x0c", 1) /* end-group tag at top level */}) {
    auto decoded = DecodeTracesProtobuf(garbage);
    ASSERT_FALSE(decoded.ok()) << garbage;
    EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(DecodeTracesProtobufTest, RandomBytesNeverCrash) {
  std::mt19937 rng(20261124);
  const std::string valid = EncodeTracesRequestProtobuf({MakeFullSpan()});
  for (int i = 0; i < 2000; ++i) {
    std::string body = valid;
    for (int flips = 0; flips < 4; ++flips) body[rng() % body.size()] = static_cast<char>(rng());
    auto decoded = DecodeTracesProtobuf(body);
    if (!decoded.ok()) {
      EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
    }
  }
}

TEST(DecodeTracesProtobufTest, AcceptsValuesNested64DeepAndRejectsTheSpanAt65) {
  pb_trace::Span ok_span = ValidSpan("depth 64");
  auto* ok_kv = ok_span.add_attributes();
  ok_kv->set_key("deep");
  SetNested(ok_kv->mutable_value(), 64);
  pb_trace::Span deep_span = ValidSpan("depth 65");
  auto* deep_kv = deep_span.add_attributes();
  deep_kv->set_key("deep");
  SetNested(deep_kv->mutable_value(), 65);

  auto decoded = DecodeTracesProtobuf(RequestWith({ok_span, deep_span}).SerializeAsString());
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ASSERT_EQ(decoded->spans.size(), 1u);
  EXPECT_EQ(decoded->spans[0].name, "depth 64");
  EXPECT_EQ(decoded->spans[0].attributes[0].value, testing::NestedArrays(64));
  EXPECT_EQ(decoded->rejected_spans, 1);
  EXPECT_EQ(decoded->rejection_reason, "attribute value nested deeper than 64 levels");
}

TEST(DecodeTracesProtobufTest, NestingBeyondTheParserLimitFailsTheRequest) {
  pb_trace::Span span = ValidSpan("very deep");
  auto* kv = span.add_attributes();
  kv->set_key("deep");
  SetNested(kv->mutable_value(), 2000);
  auto decoded = DecodeTracesProtobuf(RequestWith({span}).SerializeAsString());
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
}

TEST(DecodeTracesProtobufTest, DeepResourceAttributeFailsTheRequest) {
  ExportTraceServiceRequest request = RequestWith({ValidSpan("x")});
  auto* kv = request.mutable_resource_spans(0)->mutable_resource()->add_attributes();
  kv->set_key("deep");
  SetNested(kv->mutable_value(), 65);
  auto decoded = DecodeTracesProtobuf(request.SerializeAsString());
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().message(),
            "Invalid resource: attribute value nested deeper than 64 levels");
}

TEST(DecodeSpanProtobufTest, RoundTripsOneSpanMessage) {
  model::Span span = MakeFullSpan();
  auto decoded = DecodeSpanProtobuf(EncodeSpanProtobuf(span));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  span.resource = nullptr;  // a bare Span message carries neither
  span.scope = nullptr;
  ExpectSameSpan(span, *decoded);
}

TEST(DecodeSpanProtobufTest, RejectsBadIdsAndGarbage) {
  model::Span span = MakeFullSpan();
  span.trace_id = TraceId{};
  auto decoded = DecodeSpanProtobuf(EncodeSpanProtobuf(span));
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(DecodeSpanProtobuf("\xff\xff").ok());
}

TEST(DecodeLogsProtobufTest, RoundTripsEveryField) {
  const model::LogRecord record = MakeFullLogRecord();
  auto decoded = DecodeLogsProtobuf(EncodeLogsRequestProtobuf({record}));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ASSERT_EQ(decoded->records.size(), 1u);
  EXPECT_EQ(decoded->rejected_records, 0);
  ExpectSameLogRecord(record, decoded->records[0]);
}

TEST(DecodeLogsProtobufTest, TakesEventNameFromAttributeWhenFieldIsEmpty) {
  ExportLogsServiceRequest request;
  auto* records = request.add_resource_logs()->add_scope_logs();
  auto* from_attribute = records->add_log_records();
  auto* kv = from_attribute->add_attributes();
  kv->set_key("event.name");
  kv->mutable_value()->set_string_value("gen_ai.user.message");
  auto* from_field = records->add_log_records();
  from_field->set_event_name("gen_ai.client.inference.operation.details");
  *from_field->add_attributes() = *kv;  // the field wins over the attribute
  auto decoded = DecodeLogsProtobuf(request.SerializeAsString());
  ASSERT_TRUE(decoded.ok());
  ASSERT_EQ(decoded->records.size(), 2u);
  EXPECT_EQ(decoded->records[0].event_name, "gen_ai.user.message");
  EXPECT_EQ(decoded->records[1].event_name, "gen_ai.client.inference.operation.details");
  EXPECT_TRUE(decoded->records[0].trace_id.IsZero());  // unlinked records are fine
}

TEST(DecodeLogsProtobufTest, RejectsRecordsWithMalformedIds) {
  ExportLogsServiceRequest request;
  auto* records = request.add_resource_logs()->add_scope_logs();
  records->add_log_records()->set_trace_id("short");
  auto* bad_span = records->add_log_records();
  bad_span->set_trace_id(kTraceId);
  bad_span->set_span_id("1234567");
  auto* good = records->add_log_records();
  good->set_trace_id(kTraceId);
  good->set_span_id(kSpanId);
  auto decoded = DecodeLogsProtobuf(request.SerializeAsString());
  ASSERT_TRUE(decoded.ok());
  ASSERT_EQ(decoded->records.size(), 1u);
  EXPECT_EQ(decoded->records[0].span_id.AsStringView(), kSpanId);
  EXPECT_EQ(decoded->rejected_records, 2);
  EXPECT_EQ(decoded->rejection_reason,
            "log record has an invalid trace_id (must be empty or 16 bytes)");
}

TEST(DecodeLogsProtobufTest, GarbageIsInvalidArgument) {
  auto decoded = DecodeLogsProtobuf("definitely not protobuf");
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(decoded.status().message(),
            "Body is not a valid OTLP ExportLogsServiceRequest protobuf message");
}

}  // namespace
}  // namespace tracelake::otlp
