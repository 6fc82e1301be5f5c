#include "test_util.h"

#include <gtest/gtest.h>

#include <fstream>
#include <limits>
#include <sstream>

namespace tracelake::otlp::testing {

std::string ReadTestData(std::string_view relative_path) {
  const std::string path = std::string(TRACELAKE_TEST_DATA_DIR) + "/" + std::string(relative_path);
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

TraceId TraceIdFromHex(std::string_view hex) {
  auto id = TraceId::FromHex(hex);
  EXPECT_TRUE(id.has_value()) << hex;
  return id.value_or(TraceId{});
}

SpanId SpanIdFromHex(std::string_view hex) {
  auto id = SpanId::FromHex(hex);
  EXPECT_TRUE(id.has_value()) << hex;
  return id.value_or(SpanId{});
}

model::AnyValue NestedArrays(int depth) {
  model::AnyValue value("leaf");
  for (int i = 1; i < depth; ++i) value = model::AnyValue(model::AnyValue::Array{std::move(value)});
  return value;
}

model::Span MakeFullSpan() {
  auto resource = std::make_shared<model::Resource>();
  resource->attributes = {{"service.name", model::AnyValue("support-assistant")},
                          {"mlflow.experimentId", model::AnyValue("42")}};
  resource->dropped_attributes_count = 2;
  resource->schema_url = "https://opentelemetry.io/schemas/1.26.0";
  auto scope = std::make_shared<model::Scope>();
  scope->name = "@opentelemetry/instrumentation-openai";
  scope->version = "0.21.0";
  scope->attributes = {{"scope.attr", model::AnyValue(true)}};
  scope->dropped_attributes_count = 1;
  scope->schema_url = "https://opentelemetry.io/schemas/1.27.0";

  model::Span span;
  span.trace_id = TraceIdFromHex("5b8efff798038103d269b633813fc60c");
  span.span_id = SpanIdFromHex("6d0f9a2c4b1e8f37");
  span.parent_span_id = SpanIdFromHex("eee19b7ec3c1b174");
  span.trace_state = "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE";
  span.flags = 0x301;
  span.name = "chat gpt-4o-mini";
  span.kind = model::SpanKind::kClient;
  span.start_time_unix_nano = 1763967012345678901ULL;
  span.end_time_unix_nano = 1763967013012345678ULL;
  model::AnyValue::KvList message = {
      {"role", model::AnyValue("assistant")},
      {"tool_calls",
       model::AnyValue(model::AnyValue::Array{model::AnyValue(model::AnyValue::KvList{
           {"id", model::AnyValue("call_3e2c")}, {"index", model::AnyValue(int64_t{0})}})})}};
  span.attributes = {
      {"gen_ai.request.model", model::AnyValue("gpt-4o-mini")},
      {"gen_ai.stream", model::AnyValue(false)},
      {"gen_ai.usage.input_tokens", model::AnyValue(int64_t{128})},
      {"big.negative", model::AnyValue(std::numeric_limits<int64_t>::min())},
      {"gen_ai.request.temperature", model::AnyValue(0.2)},
      {"gen_ai.response.finish_reasons",
       model::AnyValue(model::AnyValue::Array{model::AnyValue("tool_calls"), model::AnyValue(1)})},
      {"gen_ai.message", model::AnyValue(std::move(message))},
      {"payload.raw", model::AnyValue(model::Bytes{std::string("\x00\x01\xfe\xff", 4)})},
      {"unset.value", model::AnyValue()},
      {"text.unicode", model::AnyValue("caf\xc3\xa9 \xe2\x9c\x93 \"quoted\"\n\ttab")},
  };
  span.dropped_attributes_count = 3;
  model::SpanEvent event;
  event.time_unix_nano = 1763967012500000000ULL;
  event.name = "gen_ai.choice";
  event.attributes = {{"index", model::AnyValue(int64_t{0})}};
  event.dropped_attributes_count = 4;
  span.events.push_back(event);
  model::SpanEvent bare_event;
  bare_event.name = "exception";
  span.events.push_back(bare_event);
  span.dropped_events_count = 5;
  model::SpanLink link;
  link.trace_id = TraceIdFromHex("0af7651916cd43dd8448eb211c80319c");
  link.span_id = SpanIdFromHex("00f067aa0ba902b7");
  link.trace_state = "vendor=1";
  link.attributes = {{"link.kind", model::AnyValue("follows_from")}};
  link.dropped_attributes_count = 6;
  link.flags = 0x101;
  span.links.push_back(link);
  span.dropped_links_count = 7;
  span.status_code = model::SpanStatusCode::kError;
  span.status_message = "rate limited";
  span.resource = resource;
  span.scope = scope;
  return span;
}

model::LogRecord MakeFullLogRecord() {
  model::Span span = MakeFullSpan();
  model::LogRecord record;
  record.time_unix_nano = 1763967012346001000ULL;
  record.observed_time_unix_nano = 1763967012346002000ULL;
  record.severity_number = 9;
  record.severity_text = "INFO";
  record.body = model::AnyValue(
      model::AnyValue::KvList{{"content", model::AnyValue("What were total sales in EMEA?")}});
  record.attributes = {{"event.name", model::AnyValue("gen_ai.user.message")},
                       {"gen_ai.system", model::AnyValue("openai")}};
  record.dropped_attributes_count = 1;
  record.flags = 1;
  record.trace_id = span.trace_id;
  record.span_id = span.span_id;
  record.event_name = "gen_ai.user.message";
  record.resource = span.resource;
  record.scope = span.scope;
  return record;
}

namespace {

void ExpectSameResource(const model::Resource* expected, const model::Resource* actual) {
  ASSERT_EQ(expected == nullptr, actual == nullptr);
  if (expected == nullptr) return;
  EXPECT_EQ(expected->attributes, actual->attributes);
  EXPECT_EQ(expected->dropped_attributes_count, actual->dropped_attributes_count);
  EXPECT_EQ(expected->schema_url, actual->schema_url);
}

void ExpectSameScope(const model::Scope* expected, const model::Scope* actual) {
  ASSERT_EQ(expected == nullptr, actual == nullptr);
  if (expected == nullptr) return;
  EXPECT_EQ(expected->name, actual->name);
  EXPECT_EQ(expected->version, actual->version);
  EXPECT_EQ(expected->attributes, actual->attributes);
  EXPECT_EQ(expected->dropped_attributes_count, actual->dropped_attributes_count);
  EXPECT_EQ(expected->schema_url, actual->schema_url);
}

}  // namespace

void ExpectSameSpan(const model::Span& expected, const model::Span& actual) {
  EXPECT_EQ(expected.trace_id.Hex(), actual.trace_id.Hex());
  EXPECT_EQ(expected.span_id.Hex(), actual.span_id.Hex());
  EXPECT_EQ(expected.parent_span_id.Hex(), actual.parent_span_id.Hex());
  EXPECT_EQ(expected.trace_state, actual.trace_state);
  EXPECT_EQ(expected.flags, actual.flags);
  EXPECT_EQ(expected.name, actual.name);
  EXPECT_EQ(expected.kind, actual.kind);
  EXPECT_EQ(expected.start_time_unix_nano, actual.start_time_unix_nano);
  EXPECT_EQ(expected.end_time_unix_nano, actual.end_time_unix_nano);
  EXPECT_EQ(expected.attributes, actual.attributes);
  EXPECT_EQ(expected.dropped_attributes_count, actual.dropped_attributes_count);
  ASSERT_EQ(expected.events.size(), actual.events.size());
  for (size_t i = 0; i < expected.events.size(); ++i) {
    EXPECT_EQ(expected.events[i].time_unix_nano, actual.events[i].time_unix_nano);
    EXPECT_EQ(expected.events[i].name, actual.events[i].name);
    EXPECT_EQ(expected.events[i].attributes, actual.events[i].attributes);
    EXPECT_EQ(expected.events[i].dropped_attributes_count,
              actual.events[i].dropped_attributes_count);
  }
  EXPECT_EQ(expected.dropped_events_count, actual.dropped_events_count);
  ASSERT_EQ(expected.links.size(), actual.links.size());
  for (size_t i = 0; i < expected.links.size(); ++i) {
    EXPECT_EQ(expected.links[i].trace_id, actual.links[i].trace_id);
    EXPECT_EQ(expected.links[i].span_id, actual.links[i].span_id);
    EXPECT_EQ(expected.links[i].trace_state, actual.links[i].trace_state);
    EXPECT_EQ(expected.links[i].attributes, actual.links[i].attributes);
    EXPECT_EQ(expected.links[i].dropped_attributes_count, actual.links[i].dropped_attributes_count);
    EXPECT_EQ(expected.links[i].flags, actual.links[i].flags);
  }
  EXPECT_EQ(expected.dropped_links_count, actual.dropped_links_count);
  EXPECT_EQ(expected.status_code, actual.status_code);
  EXPECT_EQ(expected.status_message, actual.status_message);
  ExpectSameResource(expected.resource.get(), actual.resource.get());
  ExpectSameScope(expected.scope.get(), actual.scope.get());
}

void ExpectSameLogRecord(const model::LogRecord& expected, const model::LogRecord& actual) {
  EXPECT_EQ(expected.time_unix_nano, actual.time_unix_nano);
  EXPECT_EQ(expected.observed_time_unix_nano, actual.observed_time_unix_nano);
  EXPECT_EQ(expected.severity_number, actual.severity_number);
  EXPECT_EQ(expected.severity_text, actual.severity_text);
  EXPECT_EQ(expected.body, actual.body);
  EXPECT_EQ(expected.attributes, actual.attributes);
  EXPECT_EQ(expected.dropped_attributes_count, actual.dropped_attributes_count);
  EXPECT_EQ(expected.flags, actual.flags);
  EXPECT_EQ(expected.trace_id, actual.trace_id);
  EXPECT_EQ(expected.span_id, actual.span_id);
  EXPECT_EQ(expected.event_name, actual.event_name);
  ExpectSameResource(expected.resource.get(), actual.resource.get());
  ExpectSameScope(expected.scope.get(), actual.scope.get());
}

}  // namespace tracelake::otlp::testing
