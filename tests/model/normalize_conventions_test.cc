// Normalization of the three captured instrumentation conventions (spec/instrumentations.md)
// and MLflow's own attributes.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "model/normalize.h"

namespace tracelake::model {
namespace {

Span MakeSpan(Attributes attrs, bool root = false) {
  Span s;
  s.trace_id = *TraceId::FromHex("0102030405060708090a0b0c0d0e0f10");
  s.span_id = *SpanId::FromHex("1112131415161718");
  if (!root) s.parent_span_id = *SpanId::FromHex("2122232425262728");
  s.name = "span";
  s.attributes = std::move(attrs);
  return s;
}

std::string Attr(const Span& s, const char* key) {
  const AnyValue* v = FindAttribute(s.attributes, key);
  return v ? v->ToDisplayString() : "<absent>";
}

TEST(NormalizeTest, OtelGenAiChatSpan) {
  Span s = MakeSpan({{"gen_ai.operation.name", "chat"},
                     {"gen_ai.system", "openai"},
                     {"gen_ai.request.model", "gpt-4o-mini"},
                     {"gen_ai.response.model", "gpt-4o-mini-2024-07-18"},
                     {"gen_ai.usage.input_tokens", int64_t{128}},
                     {"gen_ai.usage.output_tokens", int64_t{148}}});
  NormalizeSpan(s);
  EXPECT_EQ(s.view.span_type, "CHAT_MODEL");
  EXPECT_EQ(s.view.model, "gpt-4o-mini-2024-07-18");
  EXPECT_EQ(s.view.provider, "openai");
  EXPECT_EQ(s.view.usage.input_tokens, 128);
  EXPECT_EQ(s.view.usage.output_tokens, 148);
  EXPECT_EQ(s.view.usage.total_tokens, 276);  // computed: otel-genai sends no total
  EXPECT_FALSE(s.view.usage.cached_input_tokens.has_value());
  EXPECT_EQ(Attr(s, "mlflow.spanType"), "\"CHAT_MODEL\"");
  auto usage = nlohmann::json::parse(Attr(s, "mlflow.chat.tokenUsage"));
  EXPECT_EQ(usage["total_tokens"], 276);
  EXPECT_EQ(Attr(s, "mlflow.traceRequestId"), "\"tr-0102030405060708090a0b0c0d0e0f10\"");
  EXPECT_EQ(s.view.derived_attribute_count, s.attributes.size() - 6);
}

TEST(NormalizeTest, OtelGenAiContentFromLogRecordsInAnyOrder) {
  Span s = MakeSpan({{"gen_ai.operation.name", "chat"}});
  NormalizeSpan(s);
  auto record = [&](const char* event, AnyValue body, uint64_t t) {
    LogRecord r;
    r.trace_id = s.trace_id;
    r.span_id = s.span_id;
    r.event_name = event;
    r.body = std::move(body);
    r.time_unix_nano = t;
    return r;
  };
  std::vector<LogRecord> records = {
      record("gen_ai.choice",
             AnyValue(AnyValue::KvList{{"finish_reason", "stop"},
                                       {"index", int64_t{0}},
                                       {"message", AnyValue(AnyValue::KvList{{"content", "Hi there"}})}}),
             30),
      record("gen_ai.user.message", AnyValue(AnyValue::KvList{{"content", "Hello"}}), 20),
      record("gen_ai.system.message", AnyValue(AnyValue::KvList{{"content", "Be brief"}}), 10),
  };
  ApplyLogRecords(s, records);
  auto in = nlohmann::json::parse(s.view.inputs_json);
  ASSERT_EQ(in["messages"].size(), 2u);
  EXPECT_EQ(in["messages"][0]["role"], "system");
  EXPECT_EQ(in["messages"][1]["content"], "Hello");
  auto out = nlohmann::json::parse(s.view.outputs_json);
  EXPECT_EQ(out["choices"][0]["message"]["content"], "Hi there");
  EXPECT_EQ(out["choices"][0]["message"]["role"], "assistant");
  EXPECT_EQ(Attr(s, "mlflow.spanInputs"), s.view.inputs_json);
}

TEST(NormalizeTest, OpenInferenceLlmSpanWithCachedTokens) {
  Span s = MakeSpan({{"openinference.span.kind", "LLM"},
                     {"llm.model_name", "gpt-4o-mini-2024-07-18"},
                     {"llm.system", "openai"},
                     {"input.value", "{\"model\":\"gpt-4o-mini\",\"messages\":[]}"},
                     {"input.mime_type", "application/json"},
                     {"output.value", "plain text answer"},
                     {"output.mime_type", "text/plain"},
                     {"llm.token_count.prompt", int64_t{128}},
                     {"llm.token_count.completion", int64_t{148}},
                     {"llm.token_count.total", int64_t{276}},
                     {"llm.token_count.prompt_details.cache_read", int64_t{64}}});
  NormalizeSpan(s);
  EXPECT_EQ(s.view.span_type, "LLM");
  EXPECT_EQ(s.view.inputs_json, "{\"model\":\"gpt-4o-mini\",\"messages\":[]}");
  EXPECT_EQ(s.view.outputs_json, "\"plain text answer\"");
  EXPECT_EQ(s.view.usage.cached_input_tokens, 64);
  EXPECT_EQ(s.view.usage.total_tokens, 276);
}

TEST(NormalizeTest, OpenInferenceStreamedSpanHasNoTokens) {
  Span s = MakeSpan({{"openinference.span.kind", "LLM"},
                     {"llm.model_name", "gpt-4o-mini"},
                     {"llm.output_messages.0.message.role", "assistant"},
                     {"llm.output_messages.0.message.tool_calls.0.tool_call.function.name", "genie_query"}});
  NormalizeSpan(s);
  EXPECT_TRUE(s.view.usage.empty());
  EXPECT_EQ(FindAttribute(s.attributes, "mlflow.chat.tokenUsage"), nullptr);
  auto out = nlohmann::json::parse(s.view.outputs_json);
  EXPECT_EQ(out[0]["tool_calls"][0]["function"]["name"], "genie_query");
}

TEST(NormalizeTest, TraceloopChatSpan) {
  Span s = MakeSpan({{"gen_ai.provider.name", "openai"},
                     {"gen_ai.operation.name", "chat"},
                     {"gen_ai.request.model", "gpt-4o-mini"},
                     {"gen_ai.input.messages", "[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"q\"}]}]"},
                     {"gen_ai.output.messages", "[{\"role\":\"assistant\",\"parts\":[]}]"},
                     {"gen_ai.usage.input_tokens", int64_t{10}},
                     {"gen_ai.usage.output_tokens", int64_t{5}},
                     {"gen_ai.usage.total_tokens", int64_t{15}}});
  NormalizeSpan(s);
  EXPECT_EQ(s.view.span_type, "CHAT_MODEL");
  EXPECT_EQ(s.view.provider, "openai");
  EXPECT_EQ(s.view.model, "gpt-4o-mini");
  EXPECT_EQ(nlohmann::json::parse(s.view.inputs_json)[0]["role"], "user");
}

TEST(NormalizeTest, HandWrittenAgentAndToolSpans) {
  Span agent = MakeSpan({{"traceloop.span.kind", "workflow"}, {"traceloop.entity.input", "{\"args\":[1]}"}}, true);
  NormalizeSpan(agent);
  EXPECT_EQ(agent.view.span_type, "WORKFLOW");
  EXPECT_EQ(agent.view.inputs_json, "{\"args\":[1]}");
  Span tool = MakeSpan({{"gen_ai.operation.name", "execute_tool"},
                        {"gen_ai.tool.call.arguments", "{\"q\":1}"},
                        {"gen_ai.tool.call.result", "not json"}});
  NormalizeSpan(tool);
  EXPECT_EQ(tool.view.span_type, "TOOL");
  EXPECT_EQ(tool.view.outputs_json, "\"not json\"");
  Span oi = MakeSpan({{"openinference.span.kind", "AGENT"}});
  NormalizeSpan(oi);
  EXPECT_EQ(oi.view.span_type, "AGENT");
}

TEST(NormalizeTest, MlflowAttributesWinAndAreNotOverwritten) {
  Span s = MakeSpan({{"mlflow.spanType", "\"RETRIEVER\""},
                     {"mlflow.spanInputs", "{\"query\":\"x\"}"},
                     {"openinference.span.kind", "LLM"},
                     {"mlflow.chat.tokenUsage", "{\"input_tokens\":1,\"output_tokens\":2,\"total_tokens\":3}"}});
  NormalizeSpan(s);
  EXPECT_EQ(s.view.span_type, "RETRIEVER");
  EXPECT_EQ(s.view.inputs_json, "{\"query\":\"x\"}");
  EXPECT_EQ(s.view.usage.total_tokens, 3);
  EXPECT_EQ(Attr(s, "mlflow.spanType"), "\"RETRIEVER\"");
}

TEST(NormalizeTest, AbsentUsageStaysAbsentAndZeroStaysZero) {
  Span none = MakeSpan({{"gen_ai.operation.name", "chat"}});
  NormalizeSpan(none);
  EXPECT_TRUE(none.view.usage.empty());
  Span zero = MakeSpan({{"gen_ai.usage.input_tokens", int64_t{0}}, {"gen_ai.usage.output_tokens", "0"}});
  NormalizeSpan(zero);
  EXPECT_EQ(zero.view.usage.input_tokens, 0);
  EXPECT_EQ(zero.view.usage.output_tokens, 0);
}

TEST(NormalizeTest, HostileValuesNeverCrash) {
  Span s = MakeSpan({{"mlflow.spanType", "\"unterminated"},
                     {"mlflow.chat.tokenUsage", "{not json"},
                     {"gen_ai.usage.input_tokens", "12abc"},
                     {"gen_ai.usage.output_tokens", 1e300},
                     {"llm.input_messages.99999999999.message.content", "x"},
                     {"llm.input_messages.-1.message.role", "x"},
                     {"input.value", std::string(1 << 20, '[')},
                     {"input.mime_type", "application/json"},
                     {"session.id", AnyValue(AnyValue::Array{})}});
  NormalizeSpan(s);
  EXPECT_FALSE(s.view.usage.input_tokens.has_value());
  EXPECT_FALSE(s.view.usage.output_tokens.has_value());
  EXPECT_EQ(s.view.inputs_json.front(), '"');  // invalid JSON kept as a JSON string
}

TEST(NormalizeTest, SessionAndUserFromSpanThenResource) {
  Span s = MakeSpan({{"user.id", "alice"}});
  auto res = std::make_shared<Resource>();
  res->attributes = {{"session.id", "s-1"}, {"user.id", "bob"}};
  s.resource = res;
  NormalizeSpan(s);
  EXPECT_EQ(s.view.user_id, "alice");
  EXPECT_EQ(s.view.session_id, "s-1");
}

TEST(NormalizeTest, PreviewNeverSplitsACharacter) {
  std::string text = "ab" + std::string("\xC3\xA9") + "cd";  // é is 2 bytes
  EXPECT_EQ(MakePreview(text, 3), "ab");
  EXPECT_EQ(MakePreview(text, 4), "ab\xC3\xA9");
  EXPECT_EQ(MakePreview("short", 1000), "short");
}

}  // namespace
}  // namespace tracelake::model
