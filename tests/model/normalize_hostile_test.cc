// Attribute values are untrusted: wrong types, invalid or deeply nested JSON, huge strings,
// invalid UTF-8 and absurd indexes must never crash, throw or yield invalid JSON.
#include <gtest/gtest.h>

#include <random>

#include "normalize_test_util.h"

namespace tracelake::model {
namespace {

using namespace testing;  // NOLINT

// Inputs / outputs / added attributes are valid JSON (or empty) and valid UTF-8.
void ExpectWellFormed(const Span& s) {
  for (const std::string* text : {&s.view.inputs_json, &s.view.outputs_json}) {
    if (!text->empty()) {
      EXPECT_TRUE(Json::accept(*text)) << text->substr(0, 200);
    }
  }
  const size_t sender = s.attributes.size() - s.view.derived_attribute_count;
  for (size_t i = sender; i < s.attributes.size(); ++i) {
    ASSERT_TRUE(s.attributes[i].value.is_string());
    EXPECT_TRUE(Json::accept(s.attributes[i].value.as_string())) << s.attributes[i].key;
  }
  EXPECT_FALSE(s.view.span_type.empty());
}

TEST(HostileValuesTest, WrongTypesEverywhere) {
  const AnyValue weird[] = {AnyValue(),
                            AnyValue(true),
                            AnyValue(int64_t{-1}),
                            AnyValue(1e308),
                            AnyValue(std::nan("")),
                            AnyValue(Array{AnyValue(), AnyValue(1)}),
                            AnyValue(KvList{{"k", AnyValue()}}),
                            AnyValue(Bytes{std::string("\x00\xff", 2)})};
  const char* keys[] = {"mlflow.spanType",
                        "mlflow.spanInputs",
                        "mlflow.spanOutputs",
                        "mlflow.chat.tokenUsage",
                        "mlflow.llm.model",
                        "openinference.span.kind",
                        "gen_ai.operation.name",
                        "traceloop.span.kind",
                        "input.value",
                        "input.mime_type",
                        "output.value",
                        "gen_ai.input.messages",
                        "gen_ai.output.messages",
                        "gen_ai.tool.call.arguments",
                        "gen_ai.usage.input_tokens",
                        "llm.token_count.total",
                        "session.id",
                        "user.id",
                        "gen_ai.response.model",
                        "llm.input_messages.0.message.role",
                        "gen_ai.prompt.0.content",
                        "embedding.embeddings.0.embedding.text"};
  for (const AnyValue& v : weird) {
    Attributes attrs;
    for (const char* k : keys) attrs.push_back({k, v});
    Span s = Normalized(std::move(attrs));
    ExpectWellFormed(s);
    EXPECT_EQ(s.view.model, "");
    EXPECT_EQ(s.view.session_id, v.is_int() ? "-1" : "");
  }
}

TEST(HostileValuesTest, InvalidAndTruncatedJson) {
  Span s = Normalized({{"mlflow.spanType", "\"unterminated"},
                       {"mlflow.spanInputs", "{\"a\":"},
                       {"mlflow.spanOutputs", "[1,2"},
                       {"mlflow.chat.tokenUsage", "{not json"},
                       {"gen_ai.usage.input_tokens", "12abc"},
                       {"gen_ai.usage.output_tokens", 1e300},
                       {"gen_ai.input.messages", "[{"}});
  ExpectWellFormed(s);
  EXPECT_EQ(s.view.span_type, "\"unterminated");  // a plain (odd) type string, as sent
  EXPECT_EQ(s.view.inputs_json, "\"{\\\"a\\\":\"");
  EXPECT_EQ(s.view.outputs_json, "\"[1,2\"");
  EXPECT_TRUE(s.view.usage.empty());
}

TEST(HostileValuesTest, HugeAndDeeplyNestedJson) {
  const std::string unclosed(1 << 20, '[');
  std::string deep = std::string(200000, '[') + std::string(200000, ']');
  Span s = Normalized({{"input.value", unclosed},
                       {"input.mime_type", "application/json"},
                       {"gen_ai.output.messages", deep},
                       {"mlflow.chat.tokenUsage", "{\"input_tokens\":" + deep + "}"}});
  ExpectWellFormed(s);
  EXPECT_EQ(s.view.inputs_json.front(), '"');          // not JSON: kept as a JSON string
  EXPECT_EQ(s.view.outputs_json.size(), deep.size());  // valid JSON is kept as sent
  EXPECT_FALSE(s.view.usage.input_tokens.has_value());
  EXPECT_FALSE(MakeTracePreview(deep, PreviewRole::kResponse).empty());
}

TEST(HostileValuesTest, InvalidUtf8IsReplacedInDerivedJson) {
  const std::string bad = "caf\xC3 \xFF\xFE end \xED\xA0\x80";
  Span s = Normalized({{"input.value", bad},
                       {"gen_ai.request.model", bad},
                       {"gen_ai.prompt.0.content", bad},
                       {"llm.output_messages.0.message.content", bad}});
  ExpectWellFormed(s);
  EXPECT_NE(s.view.inputs_json.find("\xEF\xBF\xBD"), std::string::npos);
  EXPECT_TRUE(Json::accept(s.view.outputs_json));
}

TEST(HostileValuesTest, AbsurdFlattenedIndexesCostNothing) {
  Span s = Normalized({{"llm.input_messages.99999999999.message.content", "x"},
                       {"llm.input_messages.-1.message.role", "x"},
                       {"llm.input_messages.+1.message.role", "x"},
                       {"llm.input_messages..message.role", "x"},
                       {"llm.input_messages.1", "x"},
                       {"llm.input_messages.4294967296.message.role", "x"},
                       {"llm.output_messages.0.message.tool_calls.4000000000.tool_call.id", "x"},
                       {"llm.output_messages.0.message.tool_calls.9999.tool_call.id", "c"},
                       {"gen_ai.prompt.0", "x"},
                       {"gen_ai.promptX.0.content", "x"}});
  ExpectWellFormed(s);
  EXPECT_EQ(s.view.inputs_json, "");
  Json out = ParseOrNull(s.view.outputs_json);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]["tool_calls"].size(), 1u);  // sparse: one call, not 10 000 placeholders
}

TEST(HostileValuesTest, HostileLogRecordBodies) {
  Span s = Normalized({{"gen_ai.operation.name", "chat"}});
  AnyValue deep("leaf");
  for (int i = 0; i < 200; ++i) deep = AnyValue(KvList{{"content", std::move(deep)}});
  std::vector<LogRecord> records = {
      GenAiRecord("gen_ai.user.message", deep, 1),
      GenAiRecord("gen_ai.choice", AnyValue(Array{1, 2}), 2),
      GenAiRecord("gen_ai.choice", AnyValue(KvList{{"message", "not an object"}}), 3),
      GenAiRecord("gen_ai.choice",
                  AnyValue(KvList{{"message", AnyValue(KvList{{"role", int64_t{1}}})}}), 4),
      GenAiRecord("gen_ai.tool.message", AnyValue(KvList{{"id", AnyValue(Array{})}}), 5),
      GenAiRecord("gen_ai.assistant.message", AnyValue(KvList{{"tool_calls", "nope"}}), 6),
      GenAiRecord(
          "gen_ai.assistant.message",
          AnyValue(KvList{{"tool_calls", AnyValue(Array{1, AnyValue(KvList{{"function", 3}})})}}),
          7),
      GenAiRecord("gen_ai.user.message", AnyValue(std::string("\xFF\xFE")), 8),
      GenAiRecord("gen_ai.user.message", AnyValue(KvList{{"content", std::nan("")}}), 9),
  };
  ApplyLogRecords(s, records);
  ExpectWellFormed(s);
  Json in = ParseOrNull(s.view.inputs_json);
  ASSERT_TRUE(in.is_object());
  EXPECT_EQ(in["messages"].size(), 6u);
  Json out = ParseOrNull(s.view.outputs_json);
  ASSERT_EQ(out["choices"].size(), 3u);
  EXPECT_EQ(out["choices"][1]["message"],
            (Json{{"role", "assistant"}, {"content", "not an object"}}));
  EXPECT_EQ(out["choices"][2]["message"]["role"], "assistant");
}

// Seeded random attribute soup over the keys normalization reads: never crashes, always
// well-formed, always idempotent.
TEST(HostileValuesTest, RandomAttributesAreAlwaysWellFormed) {
  std::mt19937 rng(20261124);
  const std::vector<std::string> keys = {
      "mlflow.spanType",
      "mlflow.spanInputs",
      "mlflow.chat.tokenUsage",
      "openinference.span.kind",
      "gen_ai.operation.name",
      "traceloop.span.kind",
      "input.value",
      "input.mime_type",
      "output.value",
      "gen_ai.input.messages",
      "gen_ai.tool.call.result",
      "traceloop.entity.input",
      "gen_ai.usage.input_tokens",
      "gen_ai.usage.output_tokens",
      "llm.token_count.total",
      "llm.input_messages.0.message.role",
      "llm.input_messages.3.message.content",
      "llm.output_messages.0.message.tool_calls.2.tool_call.function.arguments",
      "gen_ai.prompt.1.content",
      "gen_ai.completion.0.tool_calls.0.name",
      "session.id",
      "gen_ai.response.model",
      "embedding.embeddings.5.embedding.text"};
  const std::vector<std::string> strings = {"",
                                            "null",
                                            "{}",
                                            "[]",
                                            "\"\"",
                                            "LLM",
                                            "chat",
                                            "\"TOOL\"",
                                            "application/json",
                                            "12",
                                            "-3",
                                            "1e400",
                                            "{\"input_tokens\": 5}",
                                            "[{\"role\":\"user\",\"content\":\"hi\"}]",
                                            "{\"a\":",
                                            "\xFF\xC0\x80",
                                            "日本語テキスト",
                                            std::string(3000, 'x'),
                                            "[[[[[[[[[[[[]]]]]]]]]]]]"};
  for (int round = 0; round < 500; ++round) {
    Attributes attrs;
    const int n = static_cast<int>(rng() % 12);
    for (int i = 0; i < n; ++i) {
      const std::string& key = keys[rng() % keys.size()];
      switch (rng() % 4) {
        case 0:
          attrs.push_back({key, static_cast<int64_t>(rng() % 1000) - 100});
          break;
        case 1:
          attrs.push_back({key, static_cast<double>(rng() % 1000) / 7.0});
          break;
        default:
          attrs.push_back({key, strings[rng() % strings.size()]});
          break;
      }
    }
    Span s = Normalized(attrs);
    ExpectWellFormed(s);
    const Attributes once = s.attributes;
    NormalizeSpan(s);
    ASSERT_EQ(s.attributes, once) << "round " << round;
  }
}

}  // namespace
}  // namespace tracelake::model
