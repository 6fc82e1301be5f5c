// ChatClient against the local OpenAI-compatible stand-in server (in process, real HTTP):
// answers, tool calls, streaming, usage, errors, timeouts, retries, and the LLM spans.
#include "tracelake/chat_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "sdk_test_util.h"
#include "standin_server.h"
#include "tracelake/tools.h"
#include "tracelake/trace.h"

namespace tracelake {
namespace {

using examples::StandinOptions;
using examples::StandinServer;
using sdk::testing::Attr;
using sdk::testing::FindSpan;
using sdk::testing::MemoryTracing;
using ::testing::HasSubstr;
using std::chrono::milliseconds;

ToolDefinition GenieTool() {
  return {"genie_query", "Runs SQL", R"({"type":"object","properties":{"sql":{"type":"string"}}})"};
}

class ChatClientTest : public ::testing::Test {
 protected:
  void SetUp() override { StartStandin({}); }

  void StartStandin(StandinOptions options) {
    options.model_suffix = "-2024-07-18";
    auto s = StandinServer::Start(options);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    standin_ = std::move(s).value();
  }

  ChatClientOptions Options() {
    ChatClientOptions o;
    o.base_url = standin_->base_url();
    o.model = "gpt-4o-mini";
    o.initial_backoff = milliseconds(1);
    o.max_backoff = milliseconds(5);
    o.timeout = std::chrono::seconds(30);
    return o;
  }

  static ChatRequest Question(bool with_tools) {
    ChatRequest r;
    r.messages = {ChatMessage::System("be brief"), ChatMessage::User("sales per region?")};
    if (with_tools) r.tools = {GenieTool()};
    return r;
  }

  std::unique_ptr<StandinServer> standin_;
};

TEST_F(ChatClientTest, ToolCallsUsageAndTheLlmSpan) {
  MemoryTracing tracing;
  ChatClient client(Options());
  Result<ChatResponse> r = [&] {
    Span parent("agent", SpanType::kAgent);
    return client.Complete(Question(true));
  }();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->finish_reason, "tool_calls");
  ASSERT_EQ(r->message.tool_calls.size(), 3u);
  EXPECT_EQ(r->message.tool_calls[0].name, "genie_query");
  EXPECT_THAT(r->message.tool_calls[2].arguments, HasSubstr("AMER"));
  EXPECT_EQ(r->model, "gpt-4o-mini-2024-07-18");
  ASSERT_TRUE(r->usage.prompt_tokens && r->usage.completion_tokens && r->usage.total_tokens);
  EXPECT_EQ(*r->usage.total_tokens, *r->usage.prompt_tokens + *r->usage.completion_tokens);
  EXPECT_EQ(r->attempts, 1);

  auto spans = tracing.Spans();
  const auto* agent = FindSpan(spans, "agent");
  const auto* llm = FindSpan(spans, "chat gpt-4o-mini");
  ASSERT_TRUE(agent && llm);
  EXPECT_EQ(llm->parent_span_id, agent->span_id);
  EXPECT_EQ(llm->kind, model::SpanKind::kClient);
  EXPECT_EQ(Attr(*llm, "mlflow.spanType"), "\"CHAT_MODEL\"");
  EXPECT_EQ(Attr(*llm, "gen_ai.operation.name"), "chat");
  EXPECT_EQ(Attr(*llm, "gen_ai.request.model"), "gpt-4o-mini");
  EXPECT_EQ(Attr(*llm, "gen_ai.response.model"), "gpt-4o-mini-2024-07-18");
  EXPECT_EQ(Attr(*llm, "mlflow.llm.model"), "\"gpt-4o-mini-2024-07-18\"");
  EXPECT_EQ(Attr(*llm, "gen_ai.response.finish_reasons"), R"(["tool_calls"])");
  EXPECT_EQ(Attr(*llm, "gen_ai.usage.input_tokens"), std::to_string(*r->usage.prompt_tokens));
  EXPECT_EQ(Attr(*llm, "gen_ai.usage.output_tokens"), std::to_string(*r->usage.completion_tokens));
  EXPECT_EQ(Attr(*llm, "server.address"), "127.0.0.1");
  auto usage = nlohmann::json::parse(Attr(*llm, "mlflow.chat.tokenUsage"));
  EXPECT_EQ(usage["input_tokens"], *r->usage.prompt_tokens);
  EXPECT_EQ(usage["total_tokens"], *r->usage.total_tokens);
  auto inputs = nlohmann::json::parse(Attr(*llm, "mlflow.spanInputs"));
  EXPECT_EQ(inputs["messages"][1]["content"], "sales per region?");
  EXPECT_EQ(inputs["tools"][0]["function"]["name"], "genie_query");
  auto outputs = nlohmann::json::parse(Attr(*llm, "mlflow.spanOutputs"));
  EXPECT_EQ(outputs["choices"][0]["message"]["tool_calls"].size(), 3u);
  auto tools = nlohmann::json::parse(Attr(*llm, "mlflow.chat.tools"));
  EXPECT_EQ(tools[0]["function"]["name"], "genie_query");
  EXPECT_EQ(llm->status_code, model::SpanStatusCode::kUnset);
}

TEST_F(ChatClientTest, StreamedAnswerIsAssembledWithUsageAndCachedTokens) {
  MemoryTracing tracing;
  ChatClient client(Options());
  ChatRequest req = Question(false);
  req.messages.push_back(ChatMessage::Assistant("earlier answer"));
  req.messages.push_back(ChatMessage::User("and again"));
  req.stream = true;
  std::string streamed;
  req.on_delta = [&](std::string_view piece) { streamed += piece; };
  Result<ChatResponse> r = client.Complete(req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->message.content, "You said: and again");
  EXPECT_EQ(streamed, r->message.content);
  EXPECT_EQ(r->finish_reason, "stop");
  ASSERT_TRUE(r->usage.cached_tokens.has_value());
  EXPECT_GT(*r->usage.cached_tokens, 0);
  EXPECT_THAT(standin_->last_request_body(), HasSubstr(R"("include_usage":true)"));
  auto spans = tracing.Spans();
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(Attr(spans[0], "gen_ai.usage.cache_read.input_tokens"), std::to_string(*r->usage.cached_tokens));
  EXPECT_THAT(Attr(spans[0], "mlflow.chat.tokenUsage"), HasSubstr("cache_read_input_tokens"));
  auto outputs = nlohmann::json::parse(Attr(spans[0], "mlflow.spanOutputs"));
  EXPECT_EQ(outputs["choices"][0]["message"]["content"], "You said: and again");
}

TEST_F(ChatClientTest, StreamedToolCallDeltasAreMerged) {
  ChatClient client(Options());
  ChatRequest req = Question(true);
  req.stream = true;
  Result<ChatResponse> r = client.Complete(req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->finish_reason, "tool_calls");
  ASSERT_EQ(r->message.tool_calls.size(), 3u);
  for (const auto& call : r->message.tool_calls) {
    EXPECT_EQ(call.name, "genie_query");
    EXPECT_FALSE(call.id.empty());
    EXPECT_TRUE(nlohmann::json::accept(call.arguments)) << call.arguments;
  }
  EXPECT_TRUE(r->usage.total_tokens.has_value());
}

TEST_F(ChatClientTest, RetriesServerErrorsHonouringRetryAfter) {
  MemoryTracing tracing;
  standin_->FailNext(2, 503, 0);
  ChatClient client(Options());
  Result<ChatResponse> r = client.Complete(Question(false));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->attempts, 3);
  EXPECT_EQ(standin_->requests(), 3);
  auto spans = tracing.Spans();
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(Attr(spans[0], "http.request.resend_count"), "2");
  EXPECT_EQ(spans[0].status_code, model::SpanStatusCode::kUnset);
  EXPECT_EQ(spans[0].events.size(), 2u);  // one "retry" event per retry
}

TEST_F(ChatClientTest, GivesUpAfterMaxRetriesWithAnErrorSpan) {
  MemoryTracing tracing;
  standin_->FailNext(10, 500);
  ChatClientOptions o = Options();
  o.max_retries = 1;
  ChatClient client(o);
  Result<ChatResponse> r = client.Complete(Question(false));
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(r.status().message(), HasSubstr("HTTP 500"));
  EXPECT_EQ(standin_->requests(), 2);
  auto spans = tracing.Spans();
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].status_code, model::SpanStatusCode::kError);
  EXPECT_EQ(Attr(spans[0], "error.type"), "InternalServerError");
  EXPECT_EQ(Attr(spans[0], "http.response.status_code"), "500");
  ASSERT_FALSE(spans[0].events.empty());
  EXPECT_EQ(spans[0].events.back().name, "exception");
}

TEST_F(ChatClientTest, RateLimitWithoutRetriesIsResourceExhausted) {
  standin_->FailNext(1, 429, 1);
  ChatClientOptions o = Options();
  o.max_retries = 0;
  Result<ChatResponse> r = ChatClient(o).Complete(Question(false));
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(r.status().message(), HasSubstr("rate_limit_exceeded"));
}

TEST_F(ChatClientTest, WrongApiKeyIsNotRetried) {
  StandinOptions so;
  so.api_key = "sk-right";
  StartStandin(so);
  ChatClientOptions o = Options();
  o.api_key = "sk-wrong";
  Result<ChatResponse> r = ChatClient(o).Complete(Question(false));
  EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(r.status().message(), Not(HasSubstr("sk-")));
  EXPECT_EQ(standin_->requests(), 1);
  o.api_key = "sk-right";
  EXPECT_TRUE(ChatClient(o).Complete(Question(false)).ok());
}

TEST_F(ChatClientTest, SlowServerTimesOut) {
  MemoryTracing tracing;
  standin_->SetDelayMs(1000);
  ChatClientOptions o = Options();
  o.timeout = milliseconds(100);
  o.max_retries = 0;
  Result<ChatResponse> r = ChatClient(o).Complete(Question(false));
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded);
  auto spans = tracing.Spans();
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(Attr(spans[0], "error.type"), "APITimeoutError");
  standin_->SetDelayMs(0);
}

TEST_F(ChatClientTest, UnreachableServerIsUnavailableAfterRetries) {
  const std::string url = standin_->base_url();
  standin_->Stop();
  ChatClientOptions o = Options();
  o.base_url = url;
  o.max_retries = 2;
  Result<ChatResponse> r = ChatClient(o).Complete(Question(false));
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
}

TEST_F(ChatClientTest, AutologOffKeepsTheClientWorkingAndSilent) {
  MemoryTracing tracing;
  SetAutolog(false);
  Result<ChatResponse> r = ChatClient(Options()).Complete(Question(false));
  SetAutolog(true);
  ASSERT_TRUE(r.ok());
  ChatClientOptions o = Options();
  o.autolog = false;
  ASSERT_TRUE(ChatClient(o).Complete(Question(false)).ok());
  EXPECT_TRUE(tracing.Spans().empty());
}

TEST_F(ChatClientTest, ScriptedReplies) {
  StandinOptions so;
  so.script_json = R"([{"tool_calls":[{"name":"lookup","arguments":{"id":7}}]},{"content":"done"}])";
  StartStandin(so);
  ChatClient client(Options());
  ChatRequest req = Question(false);
  Result<ChatResponse> first = client.Complete(req);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->message.tool_calls.size(), 1u);
  EXPECT_EQ(first->message.tool_calls[0].arguments, R"({"id":7})");
  req.messages.push_back(first->message);
  req.messages.push_back(ChatMessage::Tool(first->message.tool_calls[0].id, "{}"));
  Result<ChatResponse> second = client.Complete(req);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->message.content, "done");
}

TEST_F(ChatClientTest, ToolRegistryRecordsToolSpans) {
  MemoryTracing tracing;
  ToolRegistry tools;
  tools.Register(GenieTool(), [](std::string_view args) -> Result<std::string> {
    if (args.find("DROP") != std::string_view::npos) return InvalidArgumentError("read-only");
    return std::string(R"({"rows":[[1]]})");
  });
  tools.Register({"explode", "", "{}"}, [](std::string_view) -> Result<std::string> {
    throw std::runtime_error("kaboom");
  });
  ChatMessage ok = tools.Invoke({"c1", "genie_query", R"({"sql":"SELECT 1"})"});
  EXPECT_EQ(ok.role, "tool");
  EXPECT_EQ(ok.tool_call_id, "c1");
  EXPECT_EQ(ok.content, R"({"rows":[[1]]})");
  ChatMessage bad = tools.Invoke({"c2", "genie_query", R"({"sql":"DROP TABLE x"})"});
  EXPECT_EQ(bad.content, "error: read-only");
  ChatMessage unknown = tools.Invoke({"c3", "nope", "{}"});
  EXPECT_THAT(unknown.content, HasSubstr("unknown tool"));
  EXPECT_THROW(tools.Invoke({"c4", "explode", "not json"}), std::runtime_error);

  auto spans = tracing.Spans();
  ASSERT_EQ(spans.size(), 4u);
  EXPECT_EQ(Attr(spans[0], "mlflow.spanType"), "\"TOOL\"");
  EXPECT_EQ(Attr(spans[0], "mlflow.spanInputs"), R"({"sql":"SELECT 1"})");
  EXPECT_EQ(Attr(spans[0], "mlflow.spanOutputs"), R"({"rows":[[1]]})");
  EXPECT_EQ(Attr(spans[0], "gen_ai.tool.call.id"), "c1");
  EXPECT_EQ(spans[1].status_code, model::SpanStatusCode::kError);
  EXPECT_EQ(spans[2].status_code, model::SpanStatusCode::kError);
  EXPECT_EQ(spans[3].status_code, model::SpanStatusCode::kError);
  EXPECT_EQ(Attr(spans[3], "mlflow.spanInputs"), R"("not json")");
  ASSERT_EQ(spans[3].events.size(), 1u);
  EXPECT_EQ(model::FindAttribute(spans[3].events[0].attributes, "exception.type")->as_string(),
            "std::runtime_error");
}

}  // namespace
}  // namespace tracelake
