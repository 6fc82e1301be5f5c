#include "server/mlflow/span_json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "test_util.h"
#include "model/normalize.h"
#include "server/mlflow/params.h"

namespace tracelake::server {
namespace {

using testing::kMs;
using testing::kT0;
using testing::ReadTestData;
using testing::TestSpan;
using testing::TestSpanId;
using testing::TestTraceId;

TEST(Base64Test, RoundTripsEveryLengthAndRefusesGarbage) {
  std::string bytes;
  for (int n = 0; n < 40; ++n) {
    std::string out;
    ASSERT_TRUE(Base64Decode(Base64Encode(bytes), out)) << n;
    EXPECT_EQ(out, bytes);
    bytes.push_back(static_cast<char>(n * 37));
  }
  EXPECT_EQ(Base64Encode(std::string("\xab\x00\x07", 3)), "qwAH");
  std::string out;
  EXPECT_TRUE(Base64Decode("q-_H", out)) << "URL-safe alphabet";
  EXPECT_FALSE(Base64Decode("qw!H", out));
  EXPECT_FALSE(Base64Decode("q", out)) << "a lone sextet is not a byte";
}

TEST(SpanOtlpJsonTest, WritesProto3JsonAsMlflowDoes) {
  model::Span s = TestSpan(
      TestTraceId(7), 2, 1, "chat", 100, 900,
      {{"str", "v"},
       {"int", int64_t{3}},
       {"dbl", 0.5},
       {"flag", true},
       {"list", model::AnyValue(model::AnyValue::Array{model::AnyValue("a")})},
       {"map", model::AnyValue(model::AnyValue::KvList{{"k", model::AnyValue(int64_t{1})}})},
       {"raw", model::AnyValue(model::Bytes{"\x01\x02"})}});
  s.kind = model::SpanKind::kClient;
  s.status_code = model::SpanStatusCode::kError;
  s.status_message = "boom";
  model::SpanEvent ev;
  ev.name = "exception";
  ev.time_unix_nano = 42;
  ev.attributes = {{"exception.type", "E"}};
  s.events.push_back(ev);
  Json j = SpanToOtlpJson(s);
  EXPECT_EQ(j, Json::parse(R"({
    "trace_id": "qwAAAAAAAAAAAAAAAAAABw==", "span_id": "XAAAAAAAAAI=", "parent_span_id": "XAAAAAAAAAE=",
    "name": "chat", "kind": "SPAN_KIND_CLIENT",
    "start_time_unix_nano": 1735787045100000000, "end_time_unix_nano": 1735787045900000000,
    "attributes": [
      {"key": "str", "value": {"string_value": "v"}},
      {"key": "int", "value": {"int_value": 3}},
      {"key": "dbl", "value": {"double_value": 0.5}},
      {"key": "flag", "value": {"bool_value": true}},
      {"key": "list", "value": {"array_value": {"values": [{"string_value": "a"}]}}},
      {"key": "map", "value": {"kvlist_value": {"values": [{"key": "k", "value": {"int_value": 1}}]}}},
      {"key": "raw", "value": {"bytes_value": "AQI="}}],
    "events": [{"time_unix_nano": 42, "name": "exception",
                "attributes": [{"key": "exception.type", "value": {"string_value": "E"}}]}],
    "status": {"code": "STATUS_CODE_ERROR", "message": "boom"}})"));
}

// The streaming writer (traces/get) writes exactly the text of the Json tree, for spans with
// every field and value kind, and for spans with nothing set.
TEST(SpanOtlpJsonTest, StreamingTextEqualsTheJsonTree) {
  std::vector<model::Span> spans;
  spans.push_back(model::Span());
  model::Span rich = TestSpan(
      TestTraceId(7), 2, 1, "chat \"quoted\" \\ ü 日本 \x01", 100, 900,
      {{"str", "v\n"},
       {"int", int64_t{-3}},
       {"big", int64_t{1} << 62},
       {"dbl", 0.1},
       {"nan", std::nan("")},
       {"inf", -std::numeric_limits<double>::infinity()},
       {"flag", false},
       {"bytes", model::AnyValue(model::Bytes{std::string("\0\xff", 2)})},
       {"empty", model::AnyValue()},
       {"list", model::AnyValue(model::AnyValue::Array{model::AnyValue("a"), model::AnyValue()})},
       {"nolist", model::AnyValue(model::AnyValue::Array{})},
       {"kv", model::AnyValue(model::AnyValue::KvList{{"k", model::AnyValue(1.5)}})},
       {"nokv", model::AnyValue(model::AnyValue::KvList{})}});
  rich.kind = model::SpanKind::kClient;
  rich.flags = 0x301;
  rich.trace_state = "a=b";
  rich.dropped_attributes_count = 1;
  rich.dropped_events_count = 2;
  rich.dropped_links_count = 3;
  rich.status_code = model::SpanStatusCode::kError;
  rich.status_message = "boom";
  rich.events = {{kT0 + 5 * kMs, "ev", {{"a", "b"}}, 4}, {kT0, "bare", {}, 0}};
  model::SpanLink link;
  link.trace_id = TestTraceId(8);
  link.span_id = TestSpanId(9);
  link.trace_state = "x=y";
  link.attributes = {{"l", int64_t{1}}};
  link.dropped_attributes_count = 5;
  link.flags = 1;
  rich.links = {link, model::SpanLink()};
  spans.push_back(rich);
  model::Span ok = TestSpan(TestTraceId(7), 3, 0, "root", 0, 1, {});
  ok.status_code = model::SpanStatusCode::kOk;
  spans.push_back(ok);
  for (const model::Span& s : spans) {
    std::string streamed = "prefix";
    AppendSpanOtlpJson(s, streamed);
    EXPECT_EQ(streamed, "prefix" + DumpJson(SpanToOtlpJson(s)));
  }
}

TEST(SpanOtlpJsonTest, RootSpanOmitsParentAndUnsetStatusIsEmpty) {
  model::Span s = TestSpan(TestTraceId(7), 1, 0, "root", 0, 1);
  s.status_code = model::SpanStatusCode::kUnset;
  Json j = SpanToOtlpJson(s);
  EXPECT_FALSE(j.contains("parent_span_id"));
  EXPECT_EQ(j["status"], Json::object());
  EXPECT_FALSE(j.contains("attributes"));
  EXPECT_FALSE(j.contains("events"));
}

TEST(SpanOtlpJsonTest, NonFiniteDoublesUseProtobufSpellings) {
  model::Span s = TestSpan(TestTraceId(7), 1, 0, "root", 0, 1,
                           {{"nan", std::nan("")}, {"inf", 1.0 / 0.0}, {"ninf", -1.0 / 0.0}});
  Json j = SpanToOtlpJson(s);
  EXPECT_EQ(j["attributes"][0]["value"]["double_value"], "NaN");
  EXPECT_EQ(j["attributes"][1]["value"]["double_value"], "Infinity");
  EXPECT_EQ(j["attributes"][2]["value"]["double_value"], "-Infinity");
  EXPECT_TRUE(ParseJsonBody(DumpJson(j)).ok());
}

// The same two spans, in each form MLflow clients upload.
class TraceDataFormatsTest : public ::testing::TestWithParam<const char*> {};

TEST_P(TraceDataFormatsTest, ParsesIntoSpansWithMlflowAttributeConvention) {
  Json doc = ReadTestData(GetParam());
  auto spans = SpansFromTraceDataJson(doc, TestTraceId(7));
  ASSERT_TRUE(spans.ok()) << spans.status().ToString();
  ASSERT_EQ(spans->size(), 2u);
  const model::Span& root = (*spans)[0];
  const model::Span& chat = (*spans)[1];
  EXPECT_EQ(root.trace_id, TestTraceId(7));
  EXPECT_EQ(root.span_id, TestSpanId(1));
  EXPECT_TRUE(root.is_root());
  EXPECT_EQ(root.name, "agent");
  EXPECT_EQ(root.start_time_unix_nano, static_cast<uint64_t>(kT0));
  EXPECT_EQ(root.end_time_unix_nano, static_cast<uint64_t>(kT0 + 1500 * kMs));
  EXPECT_EQ(root.status_code, model::SpanStatusCode::kOk);
  EXPECT_EQ(root.kind, model::SpanKind::kInternal);
  // Attribute values are decoded whatever the writer did (issue 11): the typed values MLflow's
  // client exports over OTLP for the same span (strings plain, maps as kvlists).
  EXPECT_EQ(*model::FindAttribute(root.attributes, "mlflow.spanType"), model::AnyValue("AGENT"));
  EXPECT_EQ(
      *model::FindAttribute(root.attributes, "mlflow.spanInputs"),
      model::AnyValue(model::AnyValue::KvList{{"question", model::AnyValue("What is MLflow?")}}));
  EXPECT_EQ(*model::FindAttribute(root.attributes, "mlflow.spanOutputs"),
            model::AnyValue("An ML platform."));
  EXPECT_EQ(*model::FindAttribute(root.attributes, "mlflow.traceRequestId"),
            model::AnyValue("tr-ab000000000000000000000000000007"));
  EXPECT_EQ(root.view.inputs_json, R"({"question":"What is MLflow?"})");
  // Normalization ran: the view knows types, inputs and usage.
  EXPECT_EQ(root.view.span_type, "AGENT");
  EXPECT_EQ(chat.parent_span_id, TestSpanId(1));
  EXPECT_EQ(chat.view.span_type, "CHAT_MODEL");
  EXPECT_EQ(chat.status_code, model::SpanStatusCode::kError);
  EXPECT_EQ(chat.status_message, "RateLimitError: retrying");
  EXPECT_EQ(chat.start_time_unix_nano, static_cast<uint64_t>(kT0 + 100 * kMs));
  EXPECT_EQ(chat.view.usage.input_tokens, 12);
  EXPECT_EQ(chat.view.usage.output_tokens, 5);
  EXPECT_NE(root.resource, nullptr);
  EXPECT_NE(root.scope, nullptr);
}

INSTANTIATE_TEST_SUITE_P(AllClientForms, TraceDataFormatsTest,
                         ::testing::Values("traces_python_v3.json", "traces_python_v4.json",
                                           "traces_typescript.json", "traces_mlflow2.json"));

TEST(TraceDataTest, EventsKeepTheirPlainAttributeValues) {
  auto spans = SpansFromTraceDataJson(ReadTestData("traces_python_v3.json"), TestTraceId(7));
  ASSERT_TRUE(spans.ok());
  const auto& ev = (*spans)[1].events.at(0);
  EXPECT_EQ(ev.name, "exception");
  EXPECT_EQ(ev.time_unix_nano, static_cast<uint64_t>(kT0 + 899 * kMs));
  EXPECT_EQ(model::FindAttribute(ev.attributes, "exception.type")->as_string(), "RateLimitError");
}

TEST(TraceDataTest, WritesTheV3DictThatEveryMlflow3ClientReads) {
  model::Span root =
      TestSpan(TestTraceId(7), 1, 0, "agent", 0, 1500,
               {{"mlflow.spanType", "\"AGENT\""},
                {"n", int64_t{4}},
                {"m", model::AnyValue(model::AnyValue::KvList{{"k", model::AnyValue("v")}})}});
  model::Span child = TestSpan(TestTraceId(7), 2, 1, "tool", 10, 20);
  child.status_code = model::SpanStatusCode::kUnset;
  Json j = TraceDataToJson({root, child});
  EXPECT_EQ(j, Json::parse(R"({"spans": [
    {"trace_id": "qwAAAAAAAAAAAAAAAAAABw==", "span_id": "XAAAAAAAAAE=", "trace_state": "",
     "parent_span_id": "", "name": "agent",
     "start_time_unix_nano": 1735787045000000000, "end_time_unix_nano": 1735787046500000000,
     "events": [], "status": {"code": "STATUS_CODE_OK", "message": ""},
     "attributes": {"mlflow.spanType": "\"AGENT\"", "n": "4", "m": "{\"k\":\"v\"}"}},
    {"trace_id": "qwAAAAAAAAAAAAAAAAAABw==", "span_id": "XAAAAAAAAAI=", "trace_state": "",
     "parent_span_id": "XAAAAAAAAAE=", "name": "tool",
     "start_time_unix_nano": 1735787045010000000, "end_time_unix_nano": 1735787045020000000,
     "events": [], "status": {"code": "STATUS_CODE_UNSET", "message": ""}, "attributes": {}}]})"));
}

// Issue 11: MLflow's span dicts hold json.dumps of each value; the spans hold the value itself,
// as Span.to_otel_proto exports it, so get_trace answers the same for both copies.
TEST(TraceDataTest, DecodesEachJsonTextValueIntoItsTypedValue) {
  Json span = ReadTestData("traces_python_v3.json")["spans"][0];
  span["attributes"] = {{"mlflow.traceRequestId", "\"tr-ab000000000000000000000000000007\""},
                        {"mlflow.spanType", "\"CHAIN\""},
                        {"count", "5"},
                        {"big", "18446744073709551615"},
                        {"ratio", "0.25"},
                        {"ok", "true"},
                        {"none", "null"},
                        {"digits", "\"5\""},
                        {"list", "[1, \"a\"]"},
                        {"inputs", "{\"x\": {\"y\": [true]}}"},
                        {"plain", "not json"}};
  auto spans = SpansFromTraceDataJson(Json{{"spans", Json::array({span})}}, TestTraceId(7));
  ASSERT_TRUE(spans.ok()) << spans.status().ToString();
  const model::Attributes& a = (*spans)[0].attributes;
  auto at = [&](const char* key) {
    const model::AnyValue* v = model::FindAttribute(a, key);
    return v == nullptr ? model::AnyValue("<missing>") : *v;
  };
  using Array = model::AnyValue::Array;
  using KvList = model::AnyValue::KvList;
  EXPECT_EQ(at("mlflow.spanType"), model::AnyValue("CHAIN"));
  EXPECT_EQ((*spans)[0].view.span_type, "CHAIN");
  EXPECT_EQ(at("count"), model::AnyValue(int64_t{5}));
  EXPECT_EQ(at("big"), model::AnyValue(18446744073709551615.0));
  EXPECT_EQ(at("ratio"), model::AnyValue(0.25));
  EXPECT_EQ(at("ok"), model::AnyValue(true));
  EXPECT_TRUE(at("none").empty()) << "null is an attribute without a value, as MLflow exports it";
  EXPECT_EQ(at("digits"), model::AnyValue("5"));
  EXPECT_EQ(at("list"), model::AnyValue(Array{model::AnyValue(int64_t{1}), model::AnyValue("a")}));
  EXPECT_EQ(
      at("inputs"),
      model::AnyValue(KvList{
          {"x", model::AnyValue(KvList{{"y", model::AnyValue(Array{model::AnyValue(true)})}})}}));
  EXPECT_EQ(at("plain"), model::AnyValue("not json")) << "MLflow falls back to the raw text";
  // Written back with non-string values as JSON text, as MLflow writes them.
  Json written = TraceDataToJson(*spans)["spans"][0]["attributes"];
  EXPECT_EQ(written["count"], "5");
  EXPECT_EQ(written["inputs"], "{\"x\":{\"y\":[true]}}");
}

TEST(TraceDataTest, WrittenDocumentParsesBackToTheSameSpans) {
  Json doc = ReadTestData("traces_python_v4.json");
  auto first = SpansFromTraceDataJson(doc, TestTraceId(7));
  ASSERT_TRUE(first.ok());
  auto second = SpansFromTraceDataJson(TraceDataToJson(*first), TestTraceId(7));
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  ASSERT_EQ(second->size(), first->size());
  for (size_t i = 0; i < first->size(); ++i) {
    EXPECT_EQ((*second)[i].span_id, (*first)[i].span_id);
    EXPECT_EQ((*second)[i].parent_span_id, (*first)[i].parent_span_id);
    EXPECT_EQ((*second)[i].status_code, (*first)[i].status_code);
    EXPECT_EQ((*second)[i].attributes, (*first)[i].attributes);
  }
}

TEST(TraceDataTest, RefusesSpansOfAnotherTraceAndMalformedFields) {
  Json doc = ReadTestData("traces_python_v4.json");
  auto other = SpansFromTraceDataJson(doc, TestTraceId(8));
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(
      other.status().message(),
      "Invalid trace data: spans[0].trace_id does not match the trace of this artifact location");

  auto error_of = [](Json span) {
    auto r = SpansFromTraceDataJson(Json{{"spans", Json::array({span})}}, TestTraceId(7));
    return r.ok() ? std::string() : r.status().message();
  };
  Json good = ReadTestData("traces_python_v4.json")["spans"][0];
  EXPECT_EQ(error_of(good), "");
  Json j = good;
  j["span_id"] = "xyz";
  EXPECT_NE(error_of(j).find("spans[0].span_id is not a valid id"), std::string::npos);
  j = good;
  j.erase("span_id");
  EXPECT_NE(error_of(j).find("spans[0].span_id is required"), std::string::npos);
  j = good;
  j["start_time_unix_nano"] = -5;
  EXPECT_NE(error_of(j).find("start_time_unix_nano"), std::string::npos);
  j = good;
  j["status"]["code"] = "MAYBE";
  EXPECT_NE(error_of(j).find("status.code"), std::string::npos);
  j = good;
  j["attributes"] = {1, 2};
  EXPECT_NE(error_of(j).find("attributes must be an object"), std::string::npos);
  j = good;
  j["name"] = 5;
  EXPECT_NE(error_of(j).find("name must be a string"), std::string::npos);
  EXPECT_NE(error_of(Json("not a span")).find("spans[0] must be an object"), std::string::npos);
  EXPECT_FALSE(SpansFromTraceDataJson(Json::array(), TestTraceId(7)).ok());
  EXPECT_FALSE(SpansFromTraceDataJson(Json{{"spans", "x"}}, TestTraceId(7)).ok());
}

TEST(TraceDataTest, ErrorMessagesNeverEchoPayloads) {
  Json doc = ReadTestData("traces_python_v4.json");
  doc["spans"][0]["span_id"] = "secret-prompt-text";
  auto r = SpansFromTraceDataJson(doc, TestTraceId(7));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().find("secret"), std::string::npos);
}

}  // namespace
}  // namespace tracelake::server
