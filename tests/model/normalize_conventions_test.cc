// Normalization of what the three captured instrumentations put on spans
// (spec/instrumentations.md sections 2, 3 and 5, exact keys) and of MLflow's own spans.
#include <gtest/gtest.h>

#include "normalize_test_util.h"

namespace tracelake::model {
namespace {

using namespace testing;  // NOLINT

constexpr char kUsage276[] =
    "{\"input_tokens\": 128, \"output_tokens\": 148, \"total_tokens\": 276}";

// ---- official OTel GenAI instrumentation (@opentelemetry/instrumentation-openai 0.21.0) ----

TEST(OtelGenAiConventionTest, ChatSpanGetsTypeModelProviderAndComputedTotal) {
  Span s = Normalized({{"gen_ai.operation.name", "chat"},
                       {"gen_ai.request.model", "gpt-4o-mini"},
                       {"gen_ai.system", "openai"},
                       {"server.address", "127.0.0.1"},
                       {"server.port", int64_t{42717}},
                       {"gen_ai.request.max_tokens", int64_t{512}},
                       {"gen_ai.request.temperature", 0.2},
                       {"gen_ai.response.finish_reasons", AnyValue(Array{"tool_calls"})},
                       {"gen_ai.response.id", "chatcmpl-56fd2f97e146"},
                       {"gen_ai.response.model", "gpt-4o-mini-2024-07-18"},
                       {"gen_ai.usage.input_tokens", int64_t{128}},
                       {"gen_ai.usage.output_tokens", int64_t{148}}});
  EXPECT_EQ(s.view.span_type, "CHAT_MODEL");
  EXPECT_EQ(s.view.model, "gpt-4o-mini-2024-07-18");  // response model beats request model
  EXPECT_EQ(s.view.provider, "openai");               // from the deprecated gen_ai.system
  EXPECT_EQ(s.view.usage.input_tokens, 128);
  EXPECT_EQ(s.view.usage.output_tokens, 148);
  EXPECT_EQ(s.view.usage.total_tokens, 276);  // no total key: input + output
  EXPECT_FALSE(s.view.usage.cached_input_tokens.has_value());
  // Content travels in log records: nothing on the span.
  EXPECT_EQ(s.view.inputs_json, "");
  EXPECT_EQ(s.view.outputs_json, "");
  EXPECT_FALSE(Has(s, "mlflow.spanInputs"));
  EXPECT_FALSE(Has(s, "mlflow.spanOutputs"));
  EXPECT_EQ(Attr(s, "mlflow.spanType"), "\"CHAT_MODEL\"");
  EXPECT_EQ(Attr(s, "mlflow.chat.tokenUsage"), kUsage276);
  EXPECT_EQ(Attr(s, "mlflow.llm.model"), "\"gpt-4o-mini-2024-07-18\"");
  EXPECT_EQ(Attr(s, "mlflow.llm.provider"), "\"openai\"");
  EXPECT_EQ(Attr(s, "mlflow.traceRequestId"), std::string("\"tr-") + kTraceHex + "\"");
  EXPECT_EQ(s.view.derived_attribute_count, 5u);
  EXPECT_EQ(s.attributes.size(), 12u + 5u);
}

TEST(OtelGenAiConventionTest, EmbeddingsSpanHasInputTokensOnly) {
  Span s = Normalized({{"gen_ai.operation.name", "embeddings"},
                       {"gen_ai.request.model", "text-embedding-3-small"},
                       {"gen_ai.response.model", "text-embedding-3-small"},
                       {"gen_ai.system", "openai"},
                       {"server.address", "127.0.0.1"},
                       {"server.port", int64_t{42717}},
                       {"gen_ai.usage.input_tokens", int64_t{15}}});
  EXPECT_EQ(s.view.span_type, "EMBEDDING");
  EXPECT_EQ(s.view.model, "text-embedding-3-small");
  // Complete, as MLflow stores it: the unreported side is 0 and the total adds up.
  EXPECT_EQ(s.view.usage.input_tokens, 15);
  EXPECT_EQ(s.view.usage.output_tokens, 0);
  EXPECT_EQ(s.view.usage.total_tokens, 15);
  EXPECT_EQ(Attr(s, "mlflow.chat.tokenUsage"),
            "{\"input_tokens\": 15, \"output_tokens\": 0, \"total_tokens\": 15}");
  EXPECT_EQ(s.view.inputs_json, "");  // the input text is not sent at all
}

// ---- OpenInference (@arizeai/openinference-instrumentation-openai 4.2.7) ----

constexpr char kOiRequest[] =
    "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"system\",\"content\":\"You are the Acme "
    "Retail support assistant.\"},{\"role\":\"user\",\"content\":\"What were total sales in EMEA, "
    "APAC and AMER last quarter?\"}],\"tools\":[{\"type\":\"function\",\"function\":{\"name\":"
    "\"genie_query\"}}],\"temperature\":0.2,\"max_tokens\":512}";
constexpr char kOiResponse[] =
    "{\"id\":\"chatcmpl-56fd2f97e146\",\"object\":\"chat.completion\",\"model\":\"gpt-4o-mini-"
    "2024-07-18\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,"
    "\"tool_calls\":[{\"id\":\"call_3e2c0a1\",\"type\":\"function\",\"function\":{\"name\":\"genie_"
    "query\",\"arguments\":\"{\\\"question\\\":\\\"q (part 1 of 3)\\\"}\"}}]},\"finish_reason\":"
    "\"tool_calls\"}],\"usage\":{\"prompt_tokens\":128,\"completion_tokens\":148,\"total_tokens\":"
    "276}}";

TEST(OpenInferenceConventionTest, NonStreamedChatSpanKeepsRequestAndResponseJson) {
  Span s = Normalized(
      {{"openinference.span.kind", "LLM"},
       {"llm.model_name", "gpt-4o-mini-2024-07-18"},
       {"llm.system", "openai"},
       {"input.value", kOiRequest},
       {"input.mime_type", "application/json"},
       {"llm.invocation_parameters",
        "{\"model\":\"gpt-4o-mini\",\"temperature\":0.2,\"max_tokens\":512}"},
       {"llm.input_messages.0.message.role", "system"},
       {"llm.input_messages.0.message.content", "You are the Acme Retail support assistant."},
       {"llm.input_messages.1.message.role", "user"},
       {"llm.input_messages.1.message.content", kUserText},
       {"llm.tools.0.tool.json_schema",
        "{\"type\":\"function\",\"function\":{\"name\":\"genie_query\"}}"},
       {"output.value", kOiResponse},
       {"output.mime_type", "application/json"},
       {"llm.output_messages.0.message.role", "assistant"},
       {"llm.output_messages.0.message.tool_calls.0.tool_call.id", "call_3e2c0a1"},
       {"llm.output_messages.0.message.tool_calls.0.tool_call.function.name", "genie_query"},
       {"llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments",
        "{\"question\":\"q (part 1 of 3)\"}"},
       {"llm.finish_reason", "tool_calls"},
       {"llm.token_count.prompt", int64_t{128}},
       {"llm.token_count.completion", int64_t{148}},
       {"llm.token_count.total", int64_t{276}},
       {"llm.token_count.prompt_details.cache_read", int64_t{64}},
       {"llm.token_count.prompt_details.audio", int64_t{0}},
       {"llm.token_count.completion_details.audio", int64_t{0}},
       {"llm.token_count.completion_details.reasoning", int64_t{0}}});
  EXPECT_EQ(s.view.span_type, "LLM");
  EXPECT_EQ(s.view.inputs_json, kOiRequest);  // the JSON blob wins over flattened keys
  EXPECT_EQ(s.view.outputs_json, kOiResponse);
  EXPECT_EQ(Attr(s, "mlflow.spanInputs"), kOiRequest);
  EXPECT_EQ(s.view.model, "gpt-4o-mini-2024-07-18");
  EXPECT_EQ(s.view.provider, "openai");  // llm.provider is absent for non-OpenAI hosts
  EXPECT_EQ(s.view.usage.total_tokens, 276);
  EXPECT_EQ(s.view.usage.cached_input_tokens, 64);
  EXPECT_EQ(Attr(s, "mlflow.chat.tokenUsage"),
            "{\"input_tokens\": 128, \"output_tokens\": 148, \"total_tokens\": 276, "
            "\"cache_read_input_tokens\": 64}");
}

TEST(OpenInferenceConventionTest, StreamedAnswerHasTextOutputAndNoTokens) {
  Span s = Normalized({{"openinference.span.kind", "LLM"},
                       {"llm.model_name", "gpt-4o-mini"},  // the request model when streamed
                       {"llm.system", "openai"},
                       {"input.value", kOiRequest},
                       {"input.mime_type", "application/json"},
                       {"output.value", kAnswerText},
                       {"output.mime_type", "text/plain"},
                       {"llm.output_messages.0.message.role", "assistant"},
                       {"llm.output_messages.0.message.content", kAnswerText}});
  EXPECT_EQ(s.view.model, "gpt-4o-mini");
  EXPECT_EQ(ParseOrNull(s.view.outputs_json), Json(kAnswerText));  // text becomes a JSON string
  EXPECT_TRUE(s.view.usage.empty());
  EXPECT_FALSE(Has(s, "mlflow.chat.tokenUsage"));
}

TEST(OpenInferenceConventionTest, StreamedToolCallsComeFromFlattenedKeys) {
  Span s = Normalized(
      {{"openinference.span.kind", "LLM"},
       {"llm.model_name", "gpt-4o-mini"},
       {"output.value", ""},  // nothing streamed as text
       {"output.mime_type", "text/plain"},
       {"llm.output_messages.0.message.role", "assistant"},
       {"llm.output_messages.0.message.tool_calls.1.tool_call.id", "call_3e2c0a2"},
       {"llm.output_messages.0.message.tool_calls.1.tool_call.function.name", "genie_query"},
       {"llm.output_messages.0.message.tool_calls.1.tool_call.function.arguments", kArgs2},
       {"llm.output_messages.0.message.tool_calls.0.tool_call.id", "call_3e2c0a1"},
       {"llm.output_messages.0.message.tool_calls.0.tool_call.function.name", "genie_query"},
       {"llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments", kArgs1}});
  Json out = ParseOrNull(s.view.outputs_json);
  ASSERT_TRUE(out.is_array()) << s.view.outputs_json;
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]["role"], "assistant");
  ASSERT_EQ(out[0]["tool_calls"].size(), 2u);
  EXPECT_EQ(out[0]["tool_calls"][0]["id"], "call_3e2c0a1");  // index order, not key order
  EXPECT_EQ(out[0]["tool_calls"][0]["type"], "function");
  EXPECT_EQ(out[0]["tool_calls"][0]["function"]["name"], "genie_query");
  EXPECT_EQ(out[0]["tool_calls"][0]["function"]["arguments"], kArgs1);
  EXPECT_EQ(out[0]["tool_calls"][1]["id"], "call_3e2c0a2");
}

TEST(OpenInferenceConventionTest, FlattenedInputMessagesWhenNoInputValue) {
  Span s = Normalized(
      {{"openinference.span.kind", "LLM"},
       {"llm.input_messages.2.message.role", "tool"},
       {"llm.input_messages.2.message.tool_call_id", "call_3e2c0a1"},
       {"llm.input_messages.2.message.content", kRows1},
       {"llm.input_messages.0.message.role", "user"},
       {"llm.input_messages.0.message.content", kUserText},
       {"llm.input_messages.1.message.role", "assistant"},
       {"llm.input_messages.1.message.tool_calls.0.tool_call.id", "call_3e2c0a1"},
       {"llm.input_messages.1.message.tool_calls.0.tool_call.function.name", "genie_query"},
       {"llm.input_messages.1.message.tool_calls.0.tool_call.function.arguments", kArgs1},
       {"llm.input_messages.10.message.role", "user"},
       {"llm.input_messages.10.message.content", "and EMEA only?"}});
  Json in = ParseOrNull(s.view.inputs_json);
  ASSERT_TRUE(in.is_array()) << s.view.inputs_json;
  ASSERT_EQ(in.size(), 4u);
  EXPECT_EQ(in[0], (Json{{"role", "user"}, {"content", kUserText}}));
  EXPECT_EQ(in[1]["tool_calls"][0]["function"]["arguments"], kArgs1);
  EXPECT_EQ(in[2], (Json{{"role", "tool"}, {"tool_call_id", "call_3e2c0a1"}, {"content", kRows1}}));
  EXPECT_EQ(in[3]["content"], "and EMEA only?");  // 10 sorts after 2
}

TEST(OpenInferenceConventionTest, EmbeddingSpanUsesEmbeddingModelName) {
  Span s =
      Normalized({{"openinference.span.kind", "EMBEDDING"},
                  {"embedding.model_name", "text-embedding-3-small"},
                  {"llm.system", "openai"},
                  {"input.value", "Acme Retail quarterly sales"},
                  {"input.mime_type", "text/plain"},
                  {"embedding.embeddings.0.embedding.text", "Acme Retail quarterly sales"},
                  {"embedding.embeddings.0.embedding.vector", AnyValue(Array{0.1, -0.2, 0.3})}});
  EXPECT_EQ(s.view.span_type, "EMBEDDING");
  EXPECT_EQ(s.view.model, "text-embedding-3-small");
  EXPECT_EQ(s.view.inputs_json, "\"Acme Retail quarterly sales\"");
  EXPECT_EQ(s.view.outputs_json, "");  // vectors are not copied into outputs
  EXPECT_TRUE(s.view.usage.empty());
}

TEST(OpenInferenceConventionTest, EmbeddingTextsWhenNoInputValue) {
  Span s = Normalized({{"openinference.span.kind", "EMBEDDING"},
                       {"embedding.embeddings.1.embedding.text", "second"},
                       {"embedding.embeddings.0.embedding.text", "first"}});
  EXPECT_EQ(s.view.inputs_json, "[\"first\",\"second\"]");
}

// ---- Traceloop / OpenLLMetry (@traceloop/instrumentation-openai 0.27.0) ----

constexpr char kTlInput[] =
    "[{\"role\":\"system\",\"parts\":[{\"type\":\"text\",\"content\":\"You are the Acme Retail "
    "support assistant.\"}]},{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"What "
    "were total sales in EMEA, APAC and AMER last quarter?\"}]}]";
constexpr char kTlOutput[] =
    "[{\"role\":\"assistant\",\"finish_reason\":\"tool_call\",\"parts\":[{\"type\":\"tool_call\","
    "\"id\":\"call_3e2c0a1\",\"name\":\"genie_query\",\"arguments\":{\"question\":\"q (part 1 of "
    "3)\"}}]}]";

TEST(TraceloopConventionTest, ChatSpanUsesGenAiSemconvKeys) {
  Span s = Normalized({{"gen_ai.provider.name", "openai"},
                       {"gen_ai.operation.name", "chat"},
                       {"gen_ai.request.model", "gpt-4o-mini"},
                       {"gen_ai.request.max_tokens", int64_t{512}},
                       {"gen_ai.request.temperature", 0.2},
                       {"gen_ai.input.messages", kTlInput},
                       {"gen_ai.tool.definitions",
                        "[{\"type\":\"function\",\"function\":{\"name\":\"genie_query\"}}]"},
                       {"gen_ai.response.model", "gpt-4o-mini-2024-07-18"},
                       {"gen_ai.response.id", "chatcmpl-56fd2f97e146"},
                       {"gen_ai.usage.input_tokens", int64_t{128}},
                       {"gen_ai.usage.output_tokens", int64_t{148}},
                       {"gen_ai.usage.total_tokens", int64_t{276}},
                       {"gen_ai.response.finish_reasons", AnyValue(Array{"tool_call"})},
                       {"gen_ai.output.messages", kTlOutput}});
  EXPECT_EQ(s.view.span_type, "CHAT_MODEL");  // no traceloop.span.kind on LLM spans
  EXPECT_EQ(s.view.provider, "openai");
  EXPECT_EQ(s.view.model, "gpt-4o-mini-2024-07-18");
  EXPECT_EQ(s.view.inputs_json, kTlInput);
  EXPECT_EQ(s.view.outputs_json, kTlOutput);
  EXPECT_EQ(Attr(s, "mlflow.spanOutputs"), kTlOutput);
  EXPECT_EQ(Attr(s, "mlflow.chat.tokenUsage"), kUsage276);
}

TEST(TraceloopConventionTest, StreamedChatSpanHasNoUsage) {
  Span s = Normalized({{"gen_ai.provider.name", "openai"},
                       {"gen_ai.operation.name", "chat"},
                       {"gen_ai.request.model", "gpt-4o-mini"},
                       {"gen_ai.input.messages", kTlInput},
                       {"gen_ai.output.messages",
                        "[{\"role\":\"assistant\",\"finish_reason\":\"stop\",\"parts\":[{\"type\":"
                        "\"text\",\"content\":\"Based on 3 tool results.\"}]}]"}});
  EXPECT_TRUE(s.view.usage.empty());
  EXPECT_FALSE(Has(s, "mlflow.chat.tokenUsage"));
  EXPECT_EQ(s.view.model, "gpt-4o-mini");
}

TEST(TraceloopConventionTest, LegacyFlattenedPromptAndCompletionKeys) {
  Span s = Normalized({{"llm.request.type", "chat"},
                       {"gen_ai.prompt.0.role", "user"},
                       {"gen_ai.prompt.0.content", kUserText},
                       {"gen_ai.completion.0.role", "assistant"},
                       {"gen_ai.completion.0.finish_reason", "tool_calls"},
                       {"gen_ai.completion.0.tool_calls.0.id", "call_3e2c0a1"},
                       {"gen_ai.completion.0.tool_calls.0.name", "genie_query"},
                       {"gen_ai.completion.0.tool_calls.0.arguments", kArgs1},
                       {"gen_ai.usage.prompt_tokens", int64_t{128}},
                       {"gen_ai.usage.completion_tokens", int64_t{148}},
                       {"llm.usage.total_tokens", int64_t{276}}});
  EXPECT_EQ(ParseOrNull(s.view.inputs_json),
            (Json::array({{{"role", "user"}, {"content", kUserText}}})));
  Json out = ParseOrNull(s.view.outputs_json);
  EXPECT_EQ(out[0]["finish_reason"], "tool_calls");
  EXPECT_EQ(out[0]["tool_calls"][0],
            (Json{{"id", "call_3e2c0a1"},
                  {"type", "function"},
                  {"function", {{"name", "genie_query"}, {"arguments", kArgs1}}}}));
  EXPECT_EQ(Attr(s, "mlflow.chat.tokenUsage"), kUsage276);
}

// ---- agent and tool spans written by hand, as each convention says (section 5) ----

TEST(HandWrittenSpansTest, OtelGenAiAgentAndTool) {
  Span agent = Normalized({{"gen_ai.operation.name", "invoke_agent"},
                           {"gen_ai.agent.name", "support_assistant"},
                           {"gen_ai.input.messages", kTlInput},
                           {"gen_ai.output.messages", kTlOutput}},
                          /*root=*/true);
  EXPECT_EQ(agent.view.span_type, "AGENT");
  EXPECT_EQ(agent.view.inputs_json, kTlInput);
  EXPECT_EQ(agent.view.outputs_json, kTlOutput);

  Span tool = Normalized({{"gen_ai.operation.name", "execute_tool"},
                          {"gen_ai.tool.name", "genie_query"},
                          {"gen_ai.tool.type", "function"},
                          {"gen_ai.tool.description", "Runs a question against the sales space"},
                          {"gen_ai.tool.call.id", "call_3e2c0a1"},
                          {"gen_ai.tool.call.arguments", kArgs1},
                          {"gen_ai.tool.call.result", kRows1}});
  EXPECT_EQ(tool.view.span_type, "TOOL");
  EXPECT_EQ(tool.view.inputs_json, kArgs1);
  EXPECT_EQ(tool.view.outputs_json, kRows1);
  EXPECT_FALSE(Has(tool, "mlflow.chat.tokenUsage"));
  EXPECT_FALSE(Has(tool, "mlflow.llm.model"));
}

TEST(HandWrittenSpansTest, OpenInferenceAgentAndTool) {
  Span agent = Normalized({{"openinference.span.kind", "AGENT"},
                           {"input.value", kUserText},
                           {"input.mime_type", "text/plain"},
                           {"output.value", kAnswerText},
                           {"output.mime_type", "text/plain"}},
                          /*root=*/true);
  EXPECT_EQ(agent.view.span_type, "AGENT");
  EXPECT_EQ(ParseOrNull(agent.view.inputs_json), Json(kUserText));
  EXPECT_EQ(ParseOrNull(Attr(agent, "mlflow.spanOutputs")), Json(kAnswerText));

  Span tool = Normalized({{"openinference.span.kind", "TOOL"},
                          {"tool.name", "genie_query"},
                          {"tool.description", "Runs a question against the sales space"},
                          {"tool.parameters", "{\"type\":\"object\"}"},
                          {"tool_call.id", "call_3e2c0a1"},
                          {"input.value", kArgs1},
                          {"input.mime_type", "application/json"},
                          {"output.value", kRows1},
                          {"output.mime_type", "application/json"}});
  EXPECT_EQ(tool.view.span_type, "TOOL");
  EXPECT_EQ(tool.view.inputs_json, kArgs1);
  EXPECT_EQ(tool.view.outputs_json, kRows1);
}

TEST(HandWrittenSpansTest, TraceloopWorkflowTaskAndTool) {
  Span workflow = Normalized(
      {{"traceloop.span.kind", "workflow"},
       {"traceloop.entity.name", "support_assistant"},
       {"traceloop.workflow.name", "support_assistant"},
       {"traceloop.entity.input", "{\"args\":[\"What were total sales?\"],\"kwargs\":{}}"},
       {"traceloop.entity.output", "\"Based on 3 tool results.\""}},
      /*root=*/true);
  EXPECT_EQ(workflow.view.span_type, "WORKFLOW");  // MLflow's TraceloopTranslator mapping
  EXPECT_EQ(workflow.view.inputs_json, "{\"args\":[\"What were total sales?\"],\"kwargs\":{}}");
  EXPECT_EQ(workflow.view.outputs_json, "\"Based on 3 tool results.\"");

  Span tool = Normalized({{"traceloop.span.kind", "tool"},
                          {"traceloop.entity.name", "genie_query"},
                          {"traceloop.workflow.name", "support_assistant"},
                          {"traceloop.entity.input", kArgs1},
                          {"traceloop.entity.output", kRows1}});
  EXPECT_EQ(tool.view.span_type, "TOOL");
  EXPECT_EQ(tool.view.outputs_json, kRows1);

  EXPECT_EQ(Normalized({{"traceloop.span.kind", "task"}}).view.span_type, "TASK");
  EXPECT_EQ(Normalized({{"traceloop.span.kind", "agent"}}).view.span_type, "AGENT");
}

// ---- MLflow's own spans (as MLflow's Python client exports them) ----

TEST(MlflowNativeSpanTest, AttributesAreReadAndNothingIsAdded) {
  const std::string inputs = "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}";
  const std::string outputs =
      "{\"choices\": [{\"message\": {\"role\": \"assistant\", \"content\": \"hello\"}}]}";
  Span s = Normalized({{"mlflow.traceRequestId", "\"tr-0123456789abcdef0123456789abcdef\""},
                       {"mlflow.spanType", "\"CHAT_MODEL\""},
                       {"mlflow.spanFunctionName", "\"chat\""},
                       {"mlflow.spanInputs", inputs},
                       {"mlflow.spanOutputs", outputs},
                       {"mlflow.chat.tokenUsage",
                        "{\"input_tokens\": 10, \"output_tokens\": 5, \"total_tokens\": 15}"},
                       {"mlflow.llm.model", "\"gpt-4o-mini\""},
                       {"mlflow.llm.provider", "\"openai\""},
                       {"mlflow.message.format", "\"openai\""}});
  EXPECT_EQ(s.view.span_type, "CHAT_MODEL");
  EXPECT_EQ(s.view.inputs_json, inputs);
  EXPECT_EQ(s.view.outputs_json, outputs);
  EXPECT_EQ(s.view.model, "gpt-4o-mini");
  EXPECT_EQ(s.view.provider, "openai");
  EXPECT_EQ(s.view.usage.input_tokens, 10);
  EXPECT_EQ(s.view.usage.total_tokens, 15);
  EXPECT_EQ(s.view.derived_attribute_count, 0u);
  EXPECT_EQ(s.attributes.size(), 9u);
  EXPECT_EQ(Attr(s, "mlflow.traceRequestId"), "\"tr-0123456789abcdef0123456789abcdef\"");
}

TEST(MlflowNativeSpanTest, PlainTextSpanTypeAndCachedTokensAreAccepted) {
  Span s = Normalized({{"mlflow.spanType", "RETRIEVER"},
                       {"mlflow.chat.tokenUsage",
                        "{\"input_tokens\": 100, \"output_tokens\": 20, \"total_tokens\": 120, "
                        "\"cache_read_input_tokens\": 80}"}});
  EXPECT_EQ(s.view.span_type, "RETRIEVER");
  EXPECT_EQ(s.view.usage.cached_input_tokens, 80);
  EXPECT_EQ(Attr(s, "mlflow.spanType"), "RETRIEVER");  // the sender's value, untouched
}

}  // namespace
}  // namespace tracelake::model
