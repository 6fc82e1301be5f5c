// Precedence between conventions, token usage rules (absent is not zero), ids, and the exact
// form of the attributes NormalizeSpan adds.
#include <gtest/gtest.h>

#include "normalize_test_util.h"

namespace tracelake::model {
namespace {

using namespace testing;  // NOLINT

TEST(SpanTypeTest, MlflowAttributeWinsOverEveryConvention) {
  Span s = Normalized({{"mlflow.spanType", "\"RETRIEVER\""},
                       {"openinference.span.kind", "LLM"},
                       {"gen_ai.operation.name", "chat"},
                       {"traceloop.span.kind", "tool"}});
  EXPECT_EQ(s.view.span_type, "RETRIEVER");
  EXPECT_EQ(Attr(s, "mlflow.spanType"), "\"RETRIEVER\"");
  EXPECT_EQ(s.view.derived_attribute_count, 1u);  // only mlflow.traceRequestId
}

TEST(SpanTypeTest, ConventionsInMlflowsOrder) {
  EXPECT_EQ(Normalized({{"traceloop.span.kind", "tool"},
                        {"gen_ai.operation.name", "chat"},
                        {"openinference.span.kind", "RETRIEVER"}})
                .view.span_type,
            "RETRIEVER");
  EXPECT_EQ(Normalized({{"traceloop.span.kind", "tool"}, {"gen_ai.operation.name", "invoke_agent"}})
                .view.span_type,
            "AGENT");
  // A value a convention does not know falls through to the next one, as in MLflow.
  EXPECT_EQ(Normalized({{"openinference.span.kind", "PROMPT"}, {"gen_ai.operation.name", "chat"}})
                .view.span_type,
            "CHAT_MODEL");
  EXPECT_EQ(Normalized({{"gen_ai.operation.name", "rerank"}, {"traceloop.span.kind", "task"}})
                .view.span_type,
            "TASK");
}

TEST(SpanTypeTest, GenAiOperationTable) {
  const std::pair<const char*, const char*> table[] = {
      {"chat", "CHAT_MODEL"},    {"text_completion", "LLM"},  {"generate_content", "LLM"},
      {"response", "LLM"},       {"embeddings", "EMBEDDING"}, {"invoke_agent", "AGENT"},
      {"create_agent", "AGENT"}, {"execute_tool", "TOOL"},
  };
  for (const auto& [op, type] : table)
    EXPECT_EQ(Normalized({{"gen_ai.operation.name", op}}).view.span_type, type) << op;
}

TEST(SpanTypeTest, OpenInferenceKindsAreCaseInsensitiveAndMayBeJsonQuoted) {
  for (const char* kind : {"LLM", "CHAIN", "TOOL", "AGENT", "RETRIEVER", "EMBEDDING", "RERANKER",
                           "GUARDRAIL", "EVALUATOR", "UNKNOWN"}) {
    EXPECT_EQ(Normalized({{"openinference.span.kind", kind}}).view.span_type, kind);
  }
  EXPECT_EQ(Normalized({{"openinference.span.kind", "chain"}}).view.span_type, "CHAIN");
  EXPECT_EQ(Normalized({{"openinference.span.kind", "\"TOOL\""}}).view.span_type, "TOOL");
}

TEST(SpanTypeTest, SpanKindIsNotATypeSignal) {
  Span s = MakeSpan({{"gen_ai.request.model", "gpt-4o-mini"}});
  s.kind = SpanKind::kClient;
  NormalizeSpan(s);
  EXPECT_EQ(s.view.span_type, "UNKNOWN");
  EXPECT_EQ(Attr(s, "mlflow.spanType"), "\"UNKNOWN\"");
}

TEST(ModelTest, PrecedenceResponseBeforeRequestAndMlflowFirst) {
  EXPECT_EQ(
      Normalized({{"gen_ai.request.model", "req"}, {"gen_ai.response.model", "resp"}}).view.model,
      "resp");
  EXPECT_EQ(Normalized({{"llm.request.model_name", "req"},
                        {"llm.model_name", "mid"},
                        {"llm.response.model_name", "resp"}})
                .view.model,
            "resp");
  EXPECT_EQ(Normalized({{"llm.request.model_name", "req"}, {"llm.model_name", "mid"}}).view.model,
            "mid");
  EXPECT_EQ(Normalized({{"embedding.model_name", "emb"}}).view.model, "emb");
  EXPECT_EQ(Normalized({{"gen_ai.request.model", "req"}, {"llm.model_name", "oi"}}).view.model,
            "req");
  // What the sender put in MLflow's own key is what MLflow's UI shows: it wins.
  Span s = Normalized({{"gen_ai.response.model", "resp"}, {"mlflow.llm.model", "\"mine\""}});
  EXPECT_EQ(s.view.model, "mine");
  EXPECT_EQ(Attr(s, "mlflow.llm.model"), "\"mine\"");
  // Empty strings do not count.
  EXPECT_EQ(Normalized({{"gen_ai.response.model", ""}, {"gen_ai.request.model", "req"}}).view.model,
            "req");
}

TEST(ProviderTest, Precedence) {
  EXPECT_EQ(Normalized({{"llm.system", "openai"}, {"llm.provider", "azure"}}).view.provider,
            "azure");
  EXPECT_EQ(Normalized({{"gen_ai.system", "openai"}, {"gen_ai.provider.name", "azure.ai.openai"}})
                .view.provider,
            "azure.ai.openai");
  EXPECT_EQ(Normalized({{"llm.system", "openai"}, {"gen_ai.system", "anthropic"}}).view.provider,
            "anthropic");
  EXPECT_FALSE(Has(Normalized({{"gen_ai.operation.name", "chat"}}), "mlflow.llm.provider"));
}

TEST(InputsTest, PrecedenceBetweenConventions) {
  EXPECT_EQ(Normalized({{"mlflow.spanInputs", "{\"a\":1}"}, {"input.value", "x"}}).view.inputs_json,
            "{\"a\":1}");
  EXPECT_EQ(Normalized({{"input.value", "x"}, {"gen_ai.input.messages", "[1]"}}).view.inputs_json,
            "\"x\"");
  EXPECT_EQ(
      Normalized({{"gen_ai.tool.call.arguments", "{\"q\":1}"}, {"gen_ai.input.messages", "[1]"}})
          .view.inputs_json,
      "[1]");
  EXPECT_EQ(
      Normalized({{"traceloop.entity.input", "[2]"}, {"gen_ai.tool.call.arguments", "{\"q\":1}"}})
          .view.inputs_json,
      "{\"q\":1}");
  EXPECT_EQ(Normalized({{"gen_ai.prompt.0.content", "p"}, {"traceloop.entity.input", "[2]"}})
                .view.inputs_json,
            "[2]");
}

TEST(InputsTest, EmptyValuesFallThroughLikeMlflow) {
  // MLflow skips values whose JSON is null / {} / [] / "": the next key speaks.
  EXPECT_EQ(Normalized({{"gen_ai.input.messages", "[]"}, {"traceloop.entity.input", "{\"a\":1}"}})
                .view.inputs_json,
            "{\"a\":1}");
  EXPECT_EQ(Normalized({{"input.value", ""}, {"gen_ai.input.messages", "null"}}).view.inputs_json,
            "");
  // ...but MLflow's own attribute is authoritative even when it holds nothing.
  EXPECT_EQ(Normalized({{"mlflow.spanInputs", "{}"}, {"input.value", "x"}}).view.inputs_json, "{}");
}

TEST(InputsTest, MimeTypeDecidesWhetherInputValueIsJson) {
  EXPECT_EQ(Normalized({{"input.value", "{\"a\":1}"}}).view.inputs_json, "\"{\\\"a\\\":1}\"");
  EXPECT_EQ(Normalized({{"input.value", "{\"a\":1}"}, {"input.mime_type", "text/plain"}})
                .view.inputs_json,
            "\"{\\\"a\\\":1}\"");
  EXPECT_EQ(Normalized({{"input.value", "{\"a\":1}"},
                        {"input.mime_type", "Application/JSON; charset=utf-8"}})
                .view.inputs_json,
            "{\"a\":1}");
  // Labelled JSON but not JSON: carried as a string, still valid JSON.
  EXPECT_EQ(Normalized({{"output.value", "{oops"}, {"output.mime_type", "application/json"}})
                .view.outputs_json,
            "\"{oops\"");
}

TEST(InputsTest, JsonIsStrictAsMlflowsReadersAre) {
  // Not strict JSON (RFC 8259 without lone surrogates or overflowing numbers; no byte order
  // mark, which JSON.parse rejects): carried as a JSON string.
  for (const char* text : {"\xEF\xBB\xBF{\"a\":1}", "[1,]", "01", "{\"a\":1} x", "[1e999]",
                           "{\"a\":\"\\ud800\"}", "\"\x01\""}) {
    Span s = Normalized({{"gen_ai.input.messages", text}});
    EXPECT_EQ(ParseOrNull(s.view.inputs_json), Json(text)) << text;
  }
  // Valid JSON beyond simdjson's limits (very deep, integers past 64 bits) is still JSON.
  const std::string deep = std::string(2000, '[') + std::string(2000, ']');
  EXPECT_EQ(Normalized({{"gen_ai.input.messages", deep}}).view.inputs_json, deep);
  EXPECT_EQ(Normalized({{"gen_ai.input.messages", "[18446744073709551616]"}}).view.inputs_json,
            "[18446744073709551616]");
}

TEST(InputsTest, NonStringValuesBecomeTheirJson) {
  Span s = Normalized({{"gen_ai.tool.call.arguments", AnyValue(KvList{{"q", "x"}, {"n", 2}})},
                       {"gen_ai.tool.call.result", int64_t{5}}});
  EXPECT_EQ(s.view.inputs_json, "{\"q\":\"x\",\"n\":2}");
  EXPECT_EQ(s.view.outputs_json, "5");
}

TEST(UsageTest, AbsentStaysAbsentAndZeroStaysZero) {
  Span none = Normalized({{"gen_ai.operation.name", "chat"}});
  EXPECT_TRUE(none.view.usage.empty());
  EXPECT_FALSE(Has(none, "mlflow.chat.tokenUsage"));

  Span zero =
      Normalized({{"gen_ai.usage.input_tokens", int64_t{0}}, {"gen_ai.usage.output_tokens", "0"}});
  EXPECT_EQ(zero.view.usage.input_tokens, 0);
  EXPECT_EQ(zero.view.usage.output_tokens, 0);
  EXPECT_EQ(zero.view.usage.total_tokens, 0);
  EXPECT_FALSE(zero.view.usage.cached_input_tokens.has_value());
  EXPECT_EQ(Attr(zero, "mlflow.chat.tokenUsage"),
            "{\"input_tokens\": 0, \"output_tokens\": 0, \"total_tokens\": 0}");

  // One side reported: the other is 0 and the total adds up (MLflow's complete form).
  Span output_only = Normalized({{"llm.token_count.completion", int64_t{9}}});
  EXPECT_EQ(output_only.view.usage.input_tokens, 0);
  EXPECT_EQ(output_only.view.usage.total_tokens, 9);
  EXPECT_EQ(Attr(output_only, "mlflow.chat.tokenUsage"),
            "{\"input_tokens\": 0, \"output_tokens\": 9, \"total_tokens\": 9}");

  // Cached input tokens alone are no usage MLflow would record: left as they are.
  Span cached_only = Normalized({{"gen_ai.usage.cache_read.input_tokens", int64_t{4}}});
  EXPECT_FALSE(cached_only.view.usage.input_tokens.has_value());
  EXPECT_FALSE(cached_only.view.usage.total_tokens.has_value());
  EXPECT_EQ(cached_only.view.usage.cached_input_tokens, 4);
}

TEST(UsageTest, PartialUsageIsCompletedAndSenderJsonIsKeptAsSent) {
  // A total alone: input and output become 0, the reported total is kept.
  Span total_only = Normalized({{"gen_ai.usage.total_tokens", int64_t{30}}});
  EXPECT_EQ(total_only.view.usage.input_tokens, 0);
  EXPECT_EQ(total_only.view.usage.output_tokens, 0);
  EXPECT_EQ(total_only.view.usage.total_tokens, 30);

  // The sender's own mlflow.chat.tokenUsage is never rewritten, but its view is complete, so the
  // trace's sum adds up.
  Span sender = Normalized({{"mlflow.chat.tokenUsage", "{\"input_tokens\": 15}"}});
  EXPECT_EQ(Attr(sender, "mlflow.chat.tokenUsage"), "{\"input_tokens\": 15}");
  EXPECT_EQ(sender.view.usage.output_tokens, 0);
  EXPECT_EQ(sender.view.usage.total_tokens, 15);

}

TEST(UsageTest, CountsArriveAsIntDoubleOrNumericString) {
  Span s = Normalized({{"gen_ai.usage.input_tokens", 128.0},
                       {"gen_ai.usage.output_tokens", " 148 "},
                       {"llm.token_count.prompt_details.cache_read", "64.0"}});
  EXPECT_EQ(s.view.usage.input_tokens, 128);
  EXPECT_EQ(s.view.usage.output_tokens, 148);
  EXPECT_EQ(s.view.usage.total_tokens, 276);
  EXPECT_EQ(s.view.usage.cached_input_tokens, 64);
}

TEST(UsageTest, ReportedTotalIsKeptEvenWhenItDisagrees) {
  Span s = Normalized({{"llm.token_count.prompt", int64_t{10}},
                       {"llm.token_count.completion", int64_t{5}},
                       {"llm.token_count.total", int64_t{20}}});
  EXPECT_EQ(s.view.usage.total_tokens, 20);
}

TEST(UsageTest, SemconvKeysBeforeLegacyAndOpenInferenceKeys) {
  Span s = Normalized({{"llm.token_count.prompt", int64_t{1}},
                       {"gen_ai.usage.prompt_tokens", int64_t{2}},
                       {"gen_ai.usage.input_tokens", int64_t{3}},
                       {"llm.usage.total_tokens", int64_t{30}},
                       {"gen_ai.usage.total_tokens", int64_t{40}},
                       {"gen_ai.usage.cached_tokens", int64_t{7}},
                       {"gen_ai.usage.cache_read.input_tokens", int64_t{8}}});
  EXPECT_EQ(s.view.usage.input_tokens, 3);
  EXPECT_EQ(s.view.usage.total_tokens, 40);
  EXPECT_EQ(s.view.usage.cached_input_tokens, 8);
}

TEST(UsageTest, MlflowTokenUsageIsAuthoritative) {
  Span s = Normalized({{"mlflow.chat.tokenUsage", "{\"input_tokens\": 10}"},
                       {"gen_ai.usage.output_tokens", int64_t{99}}});
  EXPECT_EQ(s.view.usage.input_tokens, 10);
  EXPECT_EQ(s.view.usage.output_tokens, 0);  // MLflow's usage only, completed; not 99
  EXPECT_EQ(s.view.usage.total_tokens, 10);
  EXPECT_EQ(Attr(s, "mlflow.chat.tokenUsage"), "{\"input_tokens\": 10}");  // not rewritten

  // Unusable: the conventions speak instead, but the sender's attribute stays.
  Span bad =
      Normalized({{"mlflow.chat.tokenUsage", "[1,2]"}, {"gen_ai.usage.input_tokens", int64_t{4}}});
  EXPECT_EQ(bad.view.usage.input_tokens, 4);
  EXPECT_EQ(Attr(bad, "mlflow.chat.tokenUsage"), "[1,2]");
}

TEST(UsageTest, InvalidCountsAreAbsent) {
  Span s = Normalized({{"gen_ai.usage.input_tokens", int64_t{-5}},
                       {"gen_ai.usage.output_tokens", "12abc"},
                       {"gen_ai.usage.total_tokens", true},
                       {"llm.token_count.prompt_details.cache_read", 1e300}});
  EXPECT_TRUE(s.view.usage.empty());
  EXPECT_FALSE(Has(s, "mlflow.chat.tokenUsage"));
}

TEST(UsageTest, TotalIsNotComputedWhenItWouldOverflow) {
  Span s = Normalized({{"gen_ai.usage.input_tokens", int64_t{INT64_MAX}},
                       {"gen_ai.usage.output_tokens", int64_t{1}}});
  EXPECT_EQ(s.view.usage.input_tokens, INT64_MAX);
  EXPECT_FALSE(s.view.usage.total_tokens.has_value());
}

TEST(SessionUserTest, SpanFirstThenResource) {
  Span s = MakeSpan({{"user.id", "alice"}});
  auto res = std::make_shared<Resource>();
  res->attributes = {{"session.id", "s-1"}, {"user.id", "bob"}, {"service.name", "support"}};
  s.resource = res;
  NormalizeSpan(s);
  EXPECT_EQ(s.view.user_id, "alice");
  EXPECT_EQ(s.view.session_id, "s-1");
}

TEST(SessionUserTest, KeysAndForms) {
  EXPECT_EQ(Normalized({{"gen_ai.conversation.id", "conv_5j66"}}).view.session_id, "conv_5j66");
  EXPECT_EQ(Normalized({{"session.id", "a"}, {"mlflow.trace.session", "\"b\""}}).view.session_id,
            "b");
  EXPECT_EQ(Normalized({{"session.id", "a"}, {"gen_ai.conversation.id", "c"}}).view.session_id,
            "a");
  EXPECT_EQ(Normalized({{"mlflow.trace.user", "\"u-1\""}}).view.user_id, "u-1");
  EXPECT_EQ(Normalized({{"enduser.id", "e"}}).view.user_id, "e");
  EXPECT_EQ(Normalized({{"user.id", int64_t{42}}}).view.user_id, "42");
  EXPECT_EQ(Normalized({{"user.id", AnyValue(Array{"x"})}}).view.user_id, "");
}

TEST(DerivedAttributesTest, AddedOnlyWhenAbsentAndCountedLast) {
  Span s = Normalized({{"gen_ai.operation.name", "chat"},
                       {"mlflow.traceRequestId", "\"tr-custom\""},
                       {"gen_ai.request.model", "gpt-4o-mini"}});
  EXPECT_EQ(Attr(s, "mlflow.traceRequestId"), "\"tr-custom\"");
  ASSERT_EQ(s.view.derived_attribute_count, 2u);
  EXPECT_EQ(s.attributes[3].key, "mlflow.spanType");
  EXPECT_EQ(s.attributes[4].key, "mlflow.llm.model");
}

TEST(DerivedAttributesTest, NormalizeIsIdempotent) {
  Span s = Normalized({{"gen_ai.operation.name", "chat"},
                       {"gen_ai.input.messages", "[{\"role\":\"user\"}]"},
                       {"gen_ai.usage.input_tokens", int64_t{1}}});
  const Attributes first = s.attributes;
  const size_t count = s.view.derived_attribute_count;
  NormalizeSpan(s);
  NormalizeSpan(s);
  EXPECT_EQ(s.attributes, first);
  EXPECT_EQ(s.view.derived_attribute_count, count);
}

TEST(DerivedAttributesTest, StringsAreJsonEncodedAsMlflowWritesThem) {
  Span s = Normalized({{"gen_ai.request.model", "modèle \"x\"\n"}});
  EXPECT_EQ(Attr(s, "mlflow.llm.model"), "\"modèle \\\"x\\\"\\n\"");
  EXPECT_EQ(ParseOrNull(Attr(s, "mlflow.llm.model")), Json("modèle \"x\"\n"));
}

}  // namespace
}  // namespace tracelake::model
