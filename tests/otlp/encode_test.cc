// Encoders: request structure (grouping), OTLP/JSON spelling, responses and google.rpc.Status.
#include "otlp/encode.h"

#include <gtest/gtest.h>

#include "google/rpc/status.pb.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "otlp/decode.h"
#include "otlp/group.h"
#include "otlp/proto_convert.h"
#include "test_util.h"

namespace tracelake::otlp {
namespace {

using ::opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest;
using ::opentelemetry::proto::collector::logs::v1::ExportLogsServiceResponse;
using ::opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using ::opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse;
using testing::MakeFullLogRecord;
using testing::MakeFullSpan;

// Spans over two resources; the first resource's spans use two scopes, interleaved.
std::vector<model::Span> InterleavedSpans() {
  auto resource_a = std::make_shared<model::Resource>();
  resource_a->attributes = {{"service.name", model::AnyValue("a")}};
  auto resource_b = std::make_shared<model::Resource>();
  resource_b->attributes = {{"service.name", model::AnyValue("b")}};
  auto scope_1 = std::make_shared<model::Scope>();
  scope_1->name = "one";
  auto scope_2 = std::make_shared<model::Scope>();
  scope_2->name = "two";
  std::vector<model::Span> spans;
  auto add = [&](auto resource, auto scope, const char* name) {
    model::Span span = MakeFullSpan();
    span.name = name;
    span.resource = resource;
    span.scope = scope;
    spans.push_back(span);
  };
  add(resource_a, scope_1, "a1-first");
  add(resource_b, scope_1, "b1");
  add(resource_a, scope_2, "a2");
  add(resource_a, scope_1, "a1-second");
  add(nullptr, nullptr, "bare");
  return spans;
}

TEST(EncodeTracesRequestTest, GroupsSpansByResourceThenScopeInFirstSeenOrder) {
  ExportTraceServiceRequest request;
  ASSERT_TRUE(request.ParseFromString(EncodeTracesRequestProtobuf(InterleavedSpans())));
  ASSERT_EQ(request.resource_spans_size(), 3);
  const auto& a = request.resource_spans(0);
  EXPECT_EQ(a.resource().attributes(0).value().string_value(), "a");
  ASSERT_EQ(a.scope_spans_size(), 2);
  EXPECT_EQ(a.scope_spans(0).scope().name(), "one");
  ASSERT_EQ(a.scope_spans(0).spans_size(), 2);
  EXPECT_EQ(a.scope_spans(0).spans(0).name(), "a1-first");
  EXPECT_EQ(a.scope_spans(0).spans(1).name(), "a1-second");
  EXPECT_EQ(a.scope_spans(1).scope().name(), "two");
  EXPECT_EQ(request.resource_spans(1).resource().attributes(0).value().string_value(), "b");
  EXPECT_EQ(request.resource_spans(2).resource().attributes_size(), 0);
  EXPECT_FALSE(request.resource_spans(2).scope_spans(0).has_scope());
}

// The hand-written writer (wire_encode.cc) against protobuf's generated serializer, on the
// same message built with ToProto: equal bytes, for rich spans, edge values and groupings.
std::string GeneratedRequestBytes(const std::vector<model::Span>& spans) {
  ExportTraceServiceRequest request;
  for (const auto& group : internal::GroupByResourceAndScope(spans)) {
    auto* rs = request.add_resource_spans();
    if (group.resource != nullptr) {
      internal::ToProto(*group.resource, rs->mutable_resource());
      rs->set_schema_url(group.resource->schema_url);
    }
    for (const auto& scope_group : group.scopes) {
      auto* ss = rs->add_scope_spans();
      if (scope_group.scope != nullptr) {
        internal::ToProto(*scope_group.scope, ss->mutable_scope());
        ss->set_schema_url(scope_group.scope->schema_url);
      }
      for (const model::Span* span : scope_group.items) internal::ToProto(*span, ss->add_spans());
    }
  }
  return request.SerializeAsString();
}

TEST(EncodeTracesRequestTest, HandWrittenBytesEqualTheGeneratedSerializer) {
  std::vector<std::vector<model::Span>> cases = {{}, {MakeFullSpan()}, InterleavedSpans()};
  model::Span edge = MakeFullSpan();
  edge.resource = std::make_shared<model::Resource>();  // present but empty
  edge.scope = std::make_shared<model::Scope>();
  edge.parent_span_id = SpanId();
  edge.kind = model::SpanKind::kUnspecified;
  edge.start_time_unix_nano = 0;
  edge.flags = 0;
  edge.status_code = model::SpanStatusCode::kUnset;
  edge.status_message = "only a message";
  edge.attributes = {{"", model::AnyValue("")},
                     {"zero", model::AnyValue(int64_t{0})},
                     {"false", model::AnyValue(false)},
                     {"minus.zero", model::AnyValue(-0.0)},
                     {"zero.double", model::AnyValue(0.0)},
                     {"empty.array", model::AnyValue(model::AnyValue::Array{})},
                     {"empty.kvlist", model::AnyValue(model::AnyValue::KvList{})},
                     {"empty.bytes", model::AnyValue(model::Bytes{})},
                     {"array.of.unset", model::AnyValue(model::AnyValue::Array{model::AnyValue()})},
                     {"big", model::AnyValue(std::string(300, 'x'))}};
  cases.push_back({edge});
  model::Span error = MakeFullSpan();
  error.status_code = model::SpanStatusCode::kError;
  error.status_message.clear();
  cases.push_back({error, edge, MakeFullSpan()});
  for (const auto& spans : cases) {
    EXPECT_EQ(EncodeTracesRequestProtobuf(spans), GeneratedRequestBytes(spans)) << spans.size();
  }
  for (const auto& span : {MakeFullSpan(), edge, error}) {
    internal::pb_trace::Span message;
    internal::ToProto(span, &message);
    EXPECT_EQ(EncodeSpanProtobuf(span), message.SerializeAsString());
  }
}

TEST(EncodeTracesRequestTest, JsonGroupsTheSameWayAndDecodesBack) {
  const auto spans = InterleavedSpans();
  auto decoded = DecodeTracesJson(EncodeTracesRequestJson(spans));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ASSERT_EQ(decoded->spans.size(), 5u);
  EXPECT_EQ(decoded->spans[0].name, "a1-first");
  EXPECT_EQ(decoded->spans[1].name, "a1-second");
  EXPECT_EQ(decoded->spans[2].name, "a2");
  EXPECT_EQ(decoded->spans[3].name, "b1");
  EXPECT_EQ(decoded->spans[4].name, "bare");
  EXPECT_EQ(decoded->spans[0].resource.get(), decoded->spans[2].resource.get());
  EXPECT_NE(decoded->spans[0].scope.get(), decoded->spans[2].scope.get());
}

TEST(EncodeTracesRequestTest, JsonFollowsOtlpJsonSpelling) {
  model::Span span = MakeFullSpan();
  const std::string json = EncodeTracesRequestJson({span});
  EXPECT_NE(json.find(R"("traceId":"5b8efff798038103d269b633813fc60c")"), std::string::npos);
  EXPECT_NE(json.find(R"("parentSpanId":"eee19b7ec3c1b174")"), std::string::npos);
  EXPECT_NE(json.find(R"("startTimeUnixNano":"1763967012345678901")"), std::string::npos);
  EXPECT_NE(json.find(R"("kind":3)"), std::string::npos);
  EXPECT_NE(json.find(R"("status":{"code":2,"message":"rate limited"})"), std::string::npos);
  EXPECT_NE(json.find(R"({"intValue":"128"})"), std::string::npos);
  EXPECT_NE(json.find(R"({"bytesValue":"AAH+/w=="})"), std::string::npos);
  EXPECT_NE(json.find(R"({"doubleValue":0.2})"), std::string::npos);
  EXPECT_NE(json.find(R"("flags":769)"), std::string::npos);
  EXPECT_EQ(json.find("trace_id"), std::string::npos);
}

TEST(EncodeTracesRequestTest, JsonReplacesInvalidUtf8ButProtobufKeepsIt) {
  model::Span span = MakeFullSpan();
  span.name = std::string("bad \xff name", 10);
  const std::string json = EncodeTracesRequestJson({span});
  EXPECT_NE(json.find("bad \xef\xbf\xbd name"), std::string::npos);
  auto from_json = DecodeTracesJson(json);
  ASSERT_TRUE(from_json.ok());
  EXPECT_EQ(from_json->spans[0].name, "bad \xef\xbf\xbd name");
  auto from_proto = DecodeTracesProtobuf(EncodeTracesRequestProtobuf({span}));
  ASSERT_TRUE(from_proto.ok());
  EXPECT_EQ(from_proto->spans[0].name, span.name);
}

TEST(EncodeTracesRequestTest, EmptyInputGivesAnEmptyRequest) {
  EXPECT_EQ(EncodeTracesRequestProtobuf({}), "");
  EXPECT_EQ(EncodeTracesRequestJson({}), R"({"resourceSpans":[]})");
  EXPECT_EQ(EncodeLogsRequestJson({}), R"({"resourceLogs":[]})");
}

TEST(EncodeLogsRequestTest, ProtobufCarriesEveryField) {
  ExportLogsServiceRequest request;
  ASSERT_TRUE(request.ParseFromString(EncodeLogsRequestProtobuf({MakeFullLogRecord()})));
  ASSERT_EQ(request.resource_logs_size(), 1);
  const auto& rl = request.resource_logs(0);
  EXPECT_EQ(rl.schema_url(), "https://opentelemetry.io/schemas/1.26.0");
  const auto& record = rl.scope_logs(0).log_records(0);
  EXPECT_EQ(record.severity_number(), 9);
  EXPECT_EQ(record.event_name(), "gen_ai.user.message");
  EXPECT_EQ(record.trace_id().size(), 16u);
  EXPECT_EQ(record.span_id().size(), 8u);
  EXPECT_EQ(record.body().kvlist_value().values(0).key(), "content");
}

TEST(EncodeTraceResponseTest, OmitsPartialSuccessWhenNothingWasRejected) {
  EXPECT_EQ(EncodeTraceResponseProtobuf(0, ""), "");
  EXPECT_EQ(EncodeTraceResponseJson(0, ""), "{}");
  EXPECT_EQ(EncodeLogsResponseProtobuf(0, ""), "");
  EXPECT_EQ(EncodeLogsResponseJson(0, ""), "{}");
}

TEST(EncodeTraceResponseTest, CarriesRejectedCountAndMessage) {
  ExportTraceServiceResponse response;
  ASSERT_TRUE(response.ParseFromString(EncodeTraceResponseProtobuf(3, "bad \"ids\"")));
  EXPECT_EQ(response.partial_success().rejected_spans(), 3);
  EXPECT_EQ(response.partial_success().error_message(), "bad \"ids\"");
  EXPECT_EQ(EncodeTraceResponseJson(3, "bad \"ids\""),
            R"({"partialSuccess":{"rejectedSpans":"3","errorMessage":"bad \"ids\""}})");

  ExportLogsServiceResponse logs;
  ASSERT_TRUE(logs.ParseFromString(EncodeLogsResponseProtobuf(2, "x")));
  EXPECT_EQ(logs.partial_success().rejected_log_records(), 2);
  EXPECT_EQ(EncodeLogsResponseJson(2, "x"),
            R"({"partialSuccess":{"rejectedLogRecords":"2","errorMessage":"x"}})");
}

TEST(EncodeRpcStatusTest, EncodesCodeAndMessageBothWays) {
  google::rpc::Status status;
  ASSERT_TRUE(status.ParseFromString(EncodeRpcStatusProtobuf(3, "Body is not valid JSON")));
  EXPECT_EQ(status.code(), 3);
  EXPECT_EQ(status.message(), "Body is not valid JSON");
  EXPECT_EQ(EncodeRpcStatusJson(8, "queue full\n"), R"({"code":8,"message":"queue full\n"})");
}

TEST(EncodeSpanProtobufTest, IsOneSpanMessageWithoutResource) {
  const std::string bytes = EncodeSpanProtobuf(MakeFullSpan());
  ::opentelemetry::proto::trace::v1::Span span;
  ASSERT_TRUE(span.ParseFromString(bytes));
  EXPECT_EQ(span.name(), "chat gpt-4o-mini");
  EXPECT_EQ(span.trace_id().size(), 16u);
  EXPECT_EQ(span.events_size(), 2);
  EXPECT_EQ(span.links_size(), 1);
  EXPECT_EQ(span.status().code(), ::opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
}

TEST(EncodeSpanProtobufTest, RootSpanHasNoParentIdField) {
  model::Span span = MakeFullSpan();
  span.parent_span_id = SpanId{};
  ::opentelemetry::proto::trace::v1::Span message;
  ASSERT_TRUE(message.ParseFromString(EncodeSpanProtobuf(span)));
  EXPECT_TRUE(message.parent_span_id().empty());
}

}  // namespace
}  // namespace tracelake::otlp
