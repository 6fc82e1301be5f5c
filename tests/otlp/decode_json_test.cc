// DecodeTracesJson / DecodeLogsJson: golden bodies as real instrumentations send them, OTLP/JSON
// quirks (snake_case, int64 as strings, enum names, hex ids), partial success, hostile input.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "otlp/decode.h"
#include "otlp/encode.h"
#include "test_util.h"

namespace tracelake::otlp {
namespace {

using testing::ExpectSameLogRecord;
using testing::ExpectSameSpan;
using testing::MakeFullLogRecord;
using testing::MakeFullSpan;
using testing::ReadTestData;

const model::AnyValue* Attr(const model::Span& span, std::string_view key) {
  return model::FindAttribute(span.attributes, key);
}

// A traces body with one resource and scope around the given span objects.
std::string TracesBody(const std::string& spans) {
  return R"({"resourceSpans":[{"resource":{"attributes":[]},"scopeSpans":[{"scope":{"name":"s"},"spans":[)" +
         spans + "]}]}]}";
}

std::string SpanJson(const std::string& extra_fields,
                     const std::string& trace_id = "5b8efff798038103d269b633813fc60c",
                     const std::string& span_id = "6d0f9a2c4b1e8f37") {
  std::string out = R"({"traceId":")" + trace_id + R"(","spanId":")" + span_id +
                    R"(","name":"s","startTimeUnixNano":"100","endTimeUnixNano":"200")";
  if (!extra_fields.empty()) out += "," + extra_fields;
  return out + "}";
}

std::string NestedArrayJson(int depth) {
  std::string out = R"({"stringValue":"leaf"})";
  for (int i = 1; i < depth; ++i) out = R"({"arrayValue":{"values":[)" + out + "]}}";
  return out;
}

TEST(DecodeTracesJsonTest, DecodesOtelGenAiChatBodyAsTheJsExporterSendsIt) {
  auto decoded = DecodeTracesJson(ReadTestData("otlp/otel_genai_chat_traces.json"));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->rejected_spans, 0);
  EXPECT_EQ(decoded->experiment_id, "7");
  ASSERT_EQ(decoded->spans.size(), 2u);

  const model::Span& chat = decoded->spans[0];
  EXPECT_EQ(chat.trace_id.Hex(), "5b8efff798038103d269b633813fc60c");
  EXPECT_EQ(chat.span_id.Hex(), "6d0f9a2c4b1e8f37");
  EXPECT_EQ(chat.parent_span_id.Hex(), "eee19b7ec3c1b174");
  EXPECT_EQ(chat.name, "chat gpt-4o-mini");
  EXPECT_EQ(chat.kind, model::SpanKind::kClient);
  EXPECT_EQ(chat.flags, 257u);
  EXPECT_EQ(chat.start_time_unix_nano, 1763967012345678000ULL);
  EXPECT_EQ(chat.end_time_unix_nano, 1763967013012345000ULL);
  EXPECT_EQ(chat.status_code, model::SpanStatusCode::kUnset);
  EXPECT_EQ(chat.attributes.size(), 12u);
  EXPECT_EQ(*Attr(chat, "gen_ai.usage.input_tokens"), model::AnyValue(int64_t{128}));
  EXPECT_EQ(*Attr(chat, "gen_ai.usage.output_tokens"), model::AnyValue(int64_t{148}));
  EXPECT_EQ(*Attr(chat, "server.port"), model::AnyValue(int64_t{42717}));
  EXPECT_EQ(*Attr(chat, "gen_ai.request.temperature"), model::AnyValue(0.2));
  EXPECT_EQ(*Attr(chat, "gen_ai.response.finish_reasons"),
            model::AnyValue(model::AnyValue::Array{model::AnyValue("tool_calls")}));
  EXPECT_EQ(*Attr(chat, "gen_ai.response.model"), model::AnyValue("gpt-4o-mini-2024-07-18"));
  ASSERT_NE(chat.scope, nullptr);
  EXPECT_EQ(chat.scope->name, "@opentelemetry/instrumentation-openai");
  EXPECT_EQ(chat.scope->version, "0.21.0");
  ASSERT_NE(chat.resource, nullptr);
  EXPECT_EQ(*model::FindAttribute(chat.resource->attributes, "service.name"),
            model::AnyValue("support-assistant"));
  EXPECT_EQ(*model::FindAttribute(chat.resource->attributes, "process.pid"),
            model::AnyValue(int64_t{48213}));

  const model::Span& root = decoded->spans[1];
  EXPECT_TRUE(root.is_root());
  EXPECT_EQ(root.name, "support_assistant");
  EXPECT_EQ(root.kind, model::SpanKind::kInternal);
  EXPECT_EQ(root.status_code, model::SpanStatusCode::kOk);
  EXPECT_EQ(root.scope->name, "support-agent");
  EXPECT_EQ(root.resource.get(), chat.resource.get());  // one Resource per ResourceSpans
  EXPECT_NE(root.scope.get(), chat.scope.get());
}

TEST(DecodeTracesJsonTest, DecodesOpenInferenceChatBody) {
  auto decoded = DecodeTracesJson(ReadTestData("otlp/openinference_chat_traces.json"));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ASSERT_EQ(decoded->spans.size(), 2u);
  const model::Span& llm = decoded->spans[0];
  EXPECT_EQ(llm.name, "OpenAI Chat Completions");
  EXPECT_EQ(llm.kind, model::SpanKind::kInternal);
  EXPECT_EQ(llm.status_code, model::SpanStatusCode::kOk);
  EXPECT_EQ(*Attr(llm, "openinference.span.kind"), model::AnyValue("LLM"));
  EXPECT_EQ(*Attr(llm, "llm.token_count.prompt_details.cache_read"), model::AnyValue(int64_t{64}));
  EXPECT_EQ(*Attr(llm, "llm.input_messages.1.message.content"),
            model::AnyValue("What were total sales in EMEA, APAC and AMER last quarter?"));
  const model::AnyValue* input = Attr(llm, "input.value");
  ASSERT_NE(input, nullptr);
  ASSERT_TRUE(input->is_string());
  EXPECT_EQ(input->as_string().rfind(R"({"model":"gpt-4o-mini","messages":[)", 0), 0u);
  EXPECT_EQ(*Attr(llm, "llm.output_messages.0.message.tool_calls.2.tool_call.function.arguments"),
            model::AnyValue(R"j({"question":"AMER sales last quarter (part 3 of 3)"})j"));
  EXPECT_EQ(decoded->spans[1].name, "support_assistant");
  EXPECT_EQ(decoded->experiment_id, "");
}

TEST(DecodeTracesJsonTest, DecodesTraceloopChatBody) {
  auto decoded = DecodeTracesJson(ReadTestData("otlp/traceloop_chat_traces.json"));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ASSERT_EQ(decoded->spans.size(), 2u);
  const model::Span& chat = decoded->spans[0];
  EXPECT_EQ(chat.scope->name, "@traceloop/instrumentation-openai");
  EXPECT_EQ(chat.kind, model::SpanKind::kClient);
  EXPECT_EQ(*Attr(chat, "gen_ai.usage.total_tokens"), model::AnyValue(int64_t{276}));
  EXPECT_EQ(*Attr(chat, "gen_ai.response.finish_reasons"),
            model::AnyValue(model::AnyValue::Array{model::AnyValue("tool_call")}));
  const model::AnyValue* output = Attr(chat, "gen_ai.output.messages");
  ASSERT_NE(output, nullptr);
  EXPECT_NE(output->as_string().find(R"("finish_reason":"tool_call")"), std::string::npos);
  EXPECT_EQ(*Attr(decoded->spans[1], "traceloop.span.kind"), model::AnyValue("workflow"));
}

TEST(DecodeTracesJsonTest, RoundTripsEveryFieldThroughTheJsonEncoder) {
  model::Span span = MakeFullSpan();
  model::SetAttribute(span.attributes, "inf", model::AnyValue(INFINITY));
  model::SetAttribute(span.attributes, "tiny", model::AnyValue(5e-324));
  auto decoded = DecodeTracesJson(EncodeTracesRequestJson({span}));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ASSERT_EQ(decoded->spans.size(), 1u);
  ExpectSameSpan(span, decoded->spans[0]);
}

TEST(DecodeTracesJsonTest, AcceptsSnakeCaseKeys) {
  const std::string body = R"({"resource_spans":[{"resource":{"attributes":[
      {"key":"mlflow.experimentId","value":{"int_value":"12"}}],"dropped_attributes_count":1},
    "schema_url":"https://example/schema",
    "scope_spans":[{"scope":{"name":"snake","dropped_attributes_count":2},"spans":[{
      "trace_id":"5b8efff798038103d269b633813fc60c","span_id":"6d0f9a2c4b1e8f37",
      "parent_span_id":"eee19b7ec3c1b174","trace_state":"a=b","name":"snake span","kind":2,
      "start_time_unix_nano":"1000","end_time_unix_nano":2000,
      "attributes":[{"key":"s","value":{"string_value":"x"}},{"key":"b","value":{"bool_value":true}},
        {"key":"d","value":{"double_value":1.5}},{"key":"raw","value":{"bytes_value":"AAH+/w=="}},
        {"key":"a","value":{"array_value":{"values":[{"int_value":1}]}}},
        {"key":"kv","value":{"kvlist_value":{"values":[{"key":"k","value":{"string_value":"v"}}]}}}],
      "dropped_attributes_count":3,"dropped_events_count":4,"dropped_links_count":5,
      "events":[{"time_unix_nano":"1500","name":"e","dropped_attributes_count":6}],
      "links":[{"trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"00f067aa0ba902b7",
        "trace_state":"t","dropped_attributes_count":7}],
      "status":{"code":2,"message":"boom"}}]}]}]})";
  auto decoded = DecodeTracesJson(body);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ASSERT_EQ(decoded->spans.size(), 1u) << decoded->rejection_reason;
  const model::Span& s = decoded->spans[0];
  EXPECT_EQ(decoded->experiment_id, "12");
  EXPECT_EQ(s.resource->dropped_attributes_count, 1u);
  EXPECT_EQ(s.resource->schema_url, "https://example/schema");
  EXPECT_EQ(s.scope->dropped_attributes_count, 2u);
  EXPECT_EQ(s.parent_span_id.Hex(), "eee19b7ec3c1b174");
  EXPECT_EQ(s.trace_state, "a=b");
  EXPECT_EQ(s.kind, model::SpanKind::kServer);
  EXPECT_EQ(s.start_time_unix_nano, 1000u);
  EXPECT_EQ(s.end_time_unix_nano, 2000u);
  EXPECT_EQ(*Attr(s, "s"), model::AnyValue("x"));
  EXPECT_EQ(*Attr(s, "b"), model::AnyValue(true));
  EXPECT_EQ(*Attr(s, "d"), model::AnyValue(1.5));
  EXPECT_EQ(*Attr(s, "raw"), model::AnyValue(model::Bytes{std::string("\x00\x01\xfe\xff", 4)}));
  EXPECT_EQ(*Attr(s, "a"), model::AnyValue(model::AnyValue::Array{model::AnyValue(1)}));
  EXPECT_EQ(*Attr(s, "kv"), model::AnyValue(model::AnyValue::KvList{{"k", model::AnyValue("v")}}));
  EXPECT_EQ(s.dropped_attributes_count, 3u);
  EXPECT_EQ(s.dropped_events_count, 4u);
  EXPECT_EQ(s.dropped_links_count, 5u);
  ASSERT_EQ(s.events.size(), 1u);
  EXPECT_EQ(s.events[0].time_unix_nano, 1500u);
  EXPECT_EQ(s.events[0].dropped_attributes_count, 6u);
  ASSERT_EQ(s.links.size(), 1u);
  EXPECT_EQ(s.links[0].span_id.Hex(), "00f067aa0ba902b7");
  EXPECT_EQ(s.links[0].dropped_attributes_count, 7u);
  EXPECT_EQ(s.status_code, model::SpanStatusCode::kError);
  EXPECT_EQ(s.status_message, "boom");
}

TEST(DecodeTracesJsonTest, AcceptsInt64AsNumberDecimalStringOrIntegralDouble) {
  const std::string body =
      TracesBody(SpanJson(R"("attributes":[
      {"key":"n","value":{"intValue":128}},
      {"key":"s","value":{"intValue":"-9223372036854775808"}},
      {"key":"e","value":{"intValue":1e3}}])") +
                 "," +
                 R"({"traceId":"5b8efff798038103d269b633813fc60c","spanId":"1111111111111111",
      "startTimeUnixNano":1763967012345678901,"endTimeUnixNano":"18446744073709551615"})");
  auto decoded = DecodeTracesJson(body);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ASSERT_EQ(decoded->spans.size(), 2u) << decoded->rejection_reason;
  EXPECT_EQ(*Attr(decoded->spans[0], "n"), model::AnyValue(int64_t{128}));
  EXPECT_EQ(*Attr(decoded->spans[0], "s"), model::AnyValue(std::numeric_limits<int64_t>::min()));
  EXPECT_EQ(*Attr(decoded->spans[0], "e"), model::AnyValue(int64_t{1000}));
  EXPECT_EQ(decoded->spans[1].start_time_unix_nano, 1763967012345678901ULL);
  EXPECT_EQ(decoded->spans[1].end_time_unix_nano, 18446744073709551615ULL);
}

TEST(DecodeTracesJsonTest, RejectsNonIntegralOrOutOfRangeIntegersPerSpan) {
  const std::string body = TracesBody(
      SpanJson(R"("attributes":[{"key":"n","value":{"intValue":1.5}}])") + "," +
      SpanJson(R"("droppedAttributesCount":4294967296)") + "," +
      SpanJson(R"("attributes":[{"key":"n","value":{"intValue":"12abc"}}])") + "," +
      SpanJson(R"("attributes":[{"key":"n","value":{"intValue":"9223372036854775808"}}])") + "," +
      SpanJson(""));
  auto decoded = DecodeTracesJson(body);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->spans.size(), 1u);
  EXPECT_EQ(decoded->rejected_spans, 4);
  EXPECT_EQ(decoded->rejection_reason,
            "field 'intValue' must be a 64-bit integer (number or decimal string)");
}

TEST(DecodeTracesJsonTest, AcceptsEnumNamesAndNumbers) {
  auto decoded = DecodeTracesJson(TracesBody(
      SpanJson(R"("kind":"SPAN_KIND_SERVER","status":{"code":"STATUS_CODE_ERROR"})") + "," +
      SpanJson(R"("kind":"SPAN_KIND_FROM_THE_FUTURE","status":{"code":1})",
               "5b8efff798038103d269b633813fc60c", "1111111111111111") +
      "," + SpanJson(R"("kind":"4")", "5b8efff798038103d269b633813fc60c", "2222222222222222")));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ASSERT_EQ(decoded->spans.size(), 3u) << decoded->rejection_reason;
  EXPECT_EQ(decoded->spans[0].kind, model::SpanKind::kServer);
  EXPECT_EQ(decoded->spans[0].status_code, model::SpanStatusCode::kError);
  EXPECT_EQ(decoded->spans[1].kind, model::SpanKind::kUnspecified);
  EXPECT_EQ(decoded->spans[1].status_code, model::SpanStatusCode::kOk);
  EXPECT_EQ(decoded->spans[2].kind, model::SpanKind::kProducer);
}

TEST(DecodeTracesJsonTest, IgnoresUnknownFieldsAndNulls) {
  const std::string body = R"({"futureTopLevel":{"x":[1,2]},"resourceSpans":[{"resource":null,
    "newField":true,"scopeSpans":[{"scope":{"name":"s","extra":[{}]},"spans":[{
      "traceId":"5b8efff798038103d269b633813fc60c","spanId":"6d0f9a2c4b1e8f37","parentSpanId":null,
      "name":"x","somethingNew":{"deep":[1,{"a":null}]},"status":null,"events":null,
      "attributes":[{"key":"k","value":{"stringValue":"v","unknownValue":5}},
                    {"key":"nullvalue","value":null}]}]}]}]})";
  auto decoded = DecodeTracesJson(body);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ASSERT_EQ(decoded->spans.size(), 1u) << decoded->rejection_reason;
  EXPECT_TRUE(decoded->spans[0].is_root());
  EXPECT_EQ(*Attr(decoded->spans[0], "k"), model::AnyValue("v"));
  EXPECT_TRUE(Attr(decoded->spans[0], "nullvalue")->empty());
}

TEST(DecodeTracesJsonTest, ReadsSpecialDoubleSpellings) {
  auto decoded = DecodeTracesJson(TracesBody(SpanJson(R"("attributes":[
      {"key":"nan","value":{"doubleValue":"NaN"}},
      {"key":"inf","value":{"doubleValue":"-Infinity"}},
      {"key":"quoted","value":{"doubleValue":"2.5"}},
      {"key":"int","value":{"doubleValue":3}}])")));
  ASSERT_TRUE(decoded.ok());
  ASSERT_EQ(decoded->spans.size(), 1u) << decoded->rejection_reason;
  EXPECT_TRUE(std::isnan(Attr(decoded->spans[0], "nan")->as_double()));
  EXPECT_EQ(Attr(decoded->spans[0], "inf")->as_double(), -INFINITY);
  EXPECT_EQ(Attr(decoded->spans[0], "quoted")->as_double(), 2.5);
  EXPECT_EQ(Attr(decoded->spans[0], "int")->as_double(), 3.0);
}

TEST(DecodeTracesJsonTest, RejectsSpansWithBadIdsWithPartialSuccessCounts) {
  const std::string good = SpanJson("");
  const std::string short_trace = SpanJson("", "5b8efff798038103d269b633813fc6");
  const std::string not_hex = SpanJson("", "zz8efff798038103d269b633813fc60c");
  const std::string zero_trace = SpanJson("", std::string(32, '0'));
  const std::string zero_span =
      SpanJson("", "5b8efff798038103d269b633813fc60c", std::string(16, '0'));
  const std::string bad_parent = SpanJson(R"("parentSpanId":"abc")");
  const std::string missing_ids = R"({"name":"no ids"})";
  auto decoded =
      DecodeTracesJson(TracesBody(short_trace + "," + good + "," + not_hex + "," + zero_trace +
                                  "," + zero_span + "," + bad_parent + "," + missing_ids));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->spans.size(), 1u);
  EXPECT_EQ(decoded->rejected_spans, 6);
  EXPECT_EQ(decoded->rejection_reason,
            "span has an invalid trace_id (must be 16 bytes, not all zero)");

  decoded = DecodeTracesJson(TracesBody(bad_parent));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->rejection_reason,
            "span has an invalid parent_span_id (must be empty or 8 bytes)");
  decoded = DecodeTracesJson(TracesBody(zero_span));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->rejection_reason,
            "span has an invalid span_id (must be 8 bytes, not all zero)");
}

TEST(DecodeTracesJsonTest, AcceptsBase64IdsFromPlainProto3JsonExporters) {
  // W4798QOBA9JptjOBP8YM == 5b8efff798038103d269b633813fc60c; bQ+aLEsejzc= == 6d0f9a2c4b1e8f37
  auto decoded =
      DecodeTracesJson(TracesBody(SpanJson("", "W47/95gDgQPSabYzgT/GDA==", "bQ+aLEsejzc=")));
  ASSERT_TRUE(decoded.ok());
  ASSERT_EQ(decoded->spans.size(), 1u) << decoded->rejection_reason;
  EXPECT_EQ(decoded->spans[0].trace_id.Hex(), "5b8efff798038103d269b633813fc60c");
  EXPECT_EQ(decoded->spans[0].span_id.Hex(), "6d0f9a2c4b1e8f37");
}

TEST(DecodeTracesJsonTest, WrongTypeInsideASpanRejectsOnlyThatSpan) {
  auto decoded = DecodeTracesJson(TracesBody(
      SpanJson(R"("name":5)") + "," + SpanJson("") + "," + SpanJson(R"("attributes":{"k":"v"})") +
      "," + SpanJson(R"("attributes":[{"key":"k","value":"v"}])") + "," +
      R"("a string, not a span")" + "," + SpanJson(R"("events":[{"name":["x"]}])")));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->spans.size(), 1u);
  EXPECT_EQ(decoded->rejected_spans, 5);
  EXPECT_EQ(decoded->rejection_reason, "field 'name' must be a string");
}

TEST(DecodeTracesJsonTest, BadBase64BytesRejectsTheSpan) {
  auto decoded = DecodeTracesJson(
      TracesBody(SpanJson(R"("attributes":[{"key":"b","value":{"bytesValue":"not base64!"}}])")));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->rejected_spans, 1);
  EXPECT_EQ(decoded->rejection_reason, "field 'bytesValue' must be base64");
}

TEST(DecodeTracesJsonTest, BodyThatIsNotJsonIsInvalidArgument) {
  for (std::string_view body :
       {std::string_view("not json"), std::string_view("{\"resourceSpans\":["),
        std::string_view(""), std::string_view("\x0a\x10\x0a", 3),
        std::string_view("{\"a\":\"\xff\"}")}) {
    auto decoded = DecodeTracesJson(body);
    ASSERT_FALSE(decoded.ok()) << body;
    EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(decoded.status().message().rfind("Body is not valid JSON: ", 0), 0u)
        << decoded.status().message();
  }
}

TEST(DecodeTracesJsonTest, BrokenEnvelopeIsInvalidArgumentWithTheField) {
  struct Case {
    std::string body;
    std::string message;
  };
  const Case cases[] = {
      {"[]", "Body must be a JSON object"},
      {R"({"resourceSpans":{}})",
       "Invalid OTLP/JSON traces request: field 'resourceSpans' must be an array"},
      {R"({"resourceSpans":[5]})",
       "Invalid OTLP/JSON traces request: each element of 'resourceSpans' must be an object"},
      {R"({"resourceSpans":[{"scopeSpans":"x"}]})",
       "Invalid OTLP/JSON traces request: field 'scopeSpans' must be an array"},
      {R"({"resourceSpans":[{"resource":{"attributes":[{"key":1}]}}]})",
       "Invalid OTLP/JSON traces request: field 'key' must be a string"},
      {R"({"resourceSpans":[{"scopeSpans":[{"scope":{"name":[]}}]}]})",
       "Invalid OTLP/JSON traces request: field 'name' must be a string"},
      {R"({"resourceSpans":[{"scopeSpans":[{"spans":7}]}]})",
       "Invalid OTLP/JSON traces request: field 'spans' must be an array"},
  };
  for (const Case& c : cases) {
    auto decoded = DecodeTracesJson(c.body);
    ASSERT_FALSE(decoded.ok()) << c.body;
    EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(decoded.status().message(), c.message) << c.body;
  }
}

TEST(DecodeTracesJsonTest, EmptyObjectIsAnEmptyRequest) {
  auto decoded = DecodeTracesJson("{}");
  ASSERT_TRUE(decoded.ok());
  EXPECT_TRUE(decoded->spans.empty());
  decoded = DecodeTracesJson(R"({"resourceSpans":[]})");
  ASSERT_TRUE(decoded.ok());
  EXPECT_TRUE(decoded->spans.empty());
}

TEST(DecodeTracesJsonTest, AcceptsValuesNested64DeepAndRejectsTheSpanAt65) {
  auto decoded = DecodeTracesJson(TracesBody(
      SpanJson(R"("attributes":[{"key":"deep","value":)" + NestedArrayJson(64) + "}]") + "," +
      SpanJson(R"("attributes":[{"key":"deep","value":)" + NestedArrayJson(65) + "}]")));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ASSERT_EQ(decoded->spans.size(), 1u);
  EXPECT_EQ(decoded->spans[0].attributes[0].value, testing::NestedArrays(64));
  EXPECT_EQ(decoded->rejected_spans, 1);
  EXPECT_EQ(decoded->rejection_reason, "attribute value nested deeper than 64 levels");
}

TEST(DecodeTracesJsonTest, HugeNestingDepthFailsWithoutRecursing) {
  // Far past the parser's depth limit: must be an error, not a stack overflow.
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  auto decoded = DecodeTracesJson(R"({"resourceSpans":)" + deep + "}");
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
  // Past simdjson's depth limit (1024) inside a span: the document itself is refused.
  auto too_deep = DecodeTracesJson(TracesBody(
      SpanJson(R"("attributes":[{"key":"deep","value":)" + NestedArrayJson(400) + "}]")));
  ASSERT_FALSE(too_deep.ok());
  EXPECT_EQ(too_deep.status().code(), StatusCode::kInvalidArgument);
  // Within it, only the span goes.
  auto within = DecodeTracesJson(TracesBody(
      SpanJson(R"("attributes":[{"key":"deep","value":)" + NestedArrayJson(300) + "}]")));
  ASSERT_TRUE(within.ok());
  EXPECT_EQ(within->rejected_spans, 1);
}

TEST(DecodeTracesJsonTest, DecodesBodiesLargerThanTheReusedParserLimit) {
  std::vector<model::Span> spans;
  for (int i = 0; i < 700; ++i) {
    model::Span span = MakeFullSpan();
    span.span_id.bytes[7] = static_cast<uint8_t>(i);
    span.span_id.bytes[6] = static_cast<uint8_t>(i >> 8);
    model::SetAttribute(span.attributes, "big", model::AnyValue(std::string(8000, 'x')));
    spans.push_back(std::move(span));
  }
  const std::string body = EncodeTracesRequestJson(spans);
  ASSERT_GT(body.size(), 4u << 20);
  auto decoded = DecodeTracesJson(body);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->spans.size(), 700u);
  // A small body afterwards still decodes on the reused per-thread parser.
  EXPECT_TRUE(DecodeTracesJson(TracesBody(SpanJson(""))).ok());
}

TEST(DecodeLogsJsonTest, DecodesOtelGenAiLogRecordsWithEventNameFromAttribute) {
  auto decoded = DecodeLogsJson(ReadTestData("otlp/otel_genai_chat_logs.json"));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->rejected_records, 0);
  ASSERT_EQ(decoded->records.size(), 3u);
  const model::LogRecord& user = decoded->records[1];
  EXPECT_EQ(user.event_name, "gen_ai.user.message");
  EXPECT_EQ(user.severity_number, 9);
  EXPECT_EQ(user.flags, 1u);
  EXPECT_EQ(user.trace_id.Hex(), "5b8efff798038103d269b633813fc60c");
  EXPECT_EQ(user.span_id.Hex(), "6d0f9a2c4b1e8f37");
  EXPECT_EQ(user.time_unix_nano, 1763967012346002000ULL);
  EXPECT_EQ(user.body, model::AnyValue(model::AnyValue::KvList{
                           {"content", model::AnyValue("What were total sales in EMEA, APAC and "
                                                       "AMER last quarter?")}}));
  const model::LogRecord& choice = decoded->records[2];
  EXPECT_EQ(choice.event_name, "gen_ai.choice");
  ASSERT_TRUE(choice.body.is_kvlist());
  const model::AnyValue* message = model::FindAttribute(choice.body.as_kvlist(), "message");
  ASSERT_NE(message, nullptr);
  const model::AnyValue* calls = model::FindAttribute(message->as_kvlist(), "tool_calls");
  ASSERT_NE(calls, nullptr);
  ASSERT_EQ(calls->as_array().size(), 1u);
  EXPECT_EQ(*model::FindAttribute(calls->as_array()[0].as_kvlist(), "id"),
            model::AnyValue("call_3e2c91a0b7d4"));
  EXPECT_EQ(*model::FindAttribute(choice.body.as_kvlist(), "index"), model::AnyValue(0));
  EXPECT_EQ(choice.scope->name, "@opentelemetry/instrumentation-openai");
}

TEST(DecodeLogsJsonTest, RoundTripsEveryFieldThroughTheJsonEncoder) {
  const model::LogRecord record = MakeFullLogRecord();
  auto decoded = DecodeLogsJson(EncodeLogsRequestJson({record}));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ASSERT_EQ(decoded->records.size(), 1u);
  ExpectSameLogRecord(record, decoded->records[0]);
}

TEST(DecodeLogsJsonTest, EventNameFieldWinsAndSeverityNamesAreRead) {
  const std::string body = R"({"resource_logs":[{"scope_logs":[{"log_records":[
      {"event_name":"gen_ai.client.inference.operation.details","severity_number":"SEVERITY_NUMBER_WARN2",
       "attributes":[{"key":"event.name","value":{"stringValue":"ignored"}}]},
      {"severityNumber":"SEVERITY_NUMBER_FATAL4","body":{"stringValue":"plain text"}},
      {"severityNumber":"SEVERITY_NUMBER_INFO"}]}]}]})";
  auto decoded = DecodeLogsJson(body);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ASSERT_EQ(decoded->records.size(), 3u) << decoded->rejection_reason;
  EXPECT_EQ(decoded->records[0].event_name, "gen_ai.client.inference.operation.details");
  EXPECT_EQ(decoded->records[0].severity_number, 14);
  EXPECT_EQ(decoded->records[1].severity_number, 24);
  EXPECT_EQ(decoded->records[1].body, model::AnyValue("plain text"));
  EXPECT_EQ(decoded->records[2].severity_number, 9);
  EXPECT_EQ(decoded->records[2].event_name, "");
}

TEST(DecodeLogsJsonTest, RejectsRecordsWithMalformedIds) {
  const std::string body = R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[
      {"traceId":"abc","spanId":"6d0f9a2c4b1e8f37"},
      {"traceId":"5b8efff798038103d269b633813fc60c","spanId":"6d0f"},
      {"traceId":"5b8efff798038103d269b633813fc60c","spanId":"6d0f9a2c4b1e8f37"},
      {}]}]}]})";
  auto decoded = DecodeLogsJson(body);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->records.size(), 2u);
  EXPECT_EQ(decoded->rejected_records, 2);
  EXPECT_EQ(decoded->rejection_reason,
            "log record has an invalid trace_id (must be empty or 16 bytes)");
}

TEST(DecodeLogsJsonTest, BrokenBodyIsInvalidArgument) {
  auto decoded = DecodeLogsJson(R"({"resourceLogs":"nope"})");
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().message(),
            "Invalid OTLP/JSON logs request: field 'resourceLogs' must be an array");
  EXPECT_FALSE(DecodeLogsJson("garbage").ok());
}

}  // namespace
}  // namespace tracelake::otlp
