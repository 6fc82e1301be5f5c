// Shared helpers of the eval tests: traces built span by span, and a judge fixture whose
// JudgeModels talk to a FakeHttpClient through the real ChatClient / AnthropicClient.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "common/clock.h"
#include "eval/judge_model.h"
#include "eval/scorer.h"
#include "llm/fake_http_client.h"
#include "model/trace.h"

namespace tracelake::eval::testing {

inline constexpr int64_t kStart = 1'700'000'000'000'000'000;

inline model::Span MakeSpan(const std::string& id_hex, const std::string& parent_hex,
                            const std::string& name, const std::string& type,
                            const std::string& inputs_json = "",
                            const std::string& outputs_json = "", uint64_t start = 0,
                            uint64_t end = 0) {
  model::Span s;
  s.trace_id = *TraceId::FromHex("0123456789abcdef0123456789abcdef");
  s.span_id = *SpanId::FromHex(id_hex);
  if (!parent_hex.empty()) s.parent_span_id = *SpanId::FromHex(parent_hex);
  s.name = name;
  s.view.span_type = type;
  s.view.inputs_json = inputs_json;
  s.view.outputs_json = outputs_json;
  s.start_time_unix_nano = start;
  s.end_time_unix_nano = end;
  return s;
}

// A RAG agent: root (question -> answer), one retriever, one LLM call, two tool calls.
inline model::Trace RagTrace() {
  model::Trace t;
  t.info.trace_id = *TraceId::FromHex("0123456789abcdef0123456789abcdef");
  t.spans.push_back(MakeSpan("00000000000000a1", "", "agent", "AGENT",
                             R"({"question":"What is the capital of France?"})",
                             R"("Paris is the capital of France.")", 1000, 3'000'001'000));
  t.spans.push_back(MakeSpan(
      "00000000000000b2", "00000000000000a1", "retrieve", "RETRIEVER",
      R"({"query":"capital of France"})",
      R"([{"page_content":"Paris is the capital and largest city of France."}])", 2000, 5000));
  t.spans.push_back(MakeSpan("00000000000000c3", "00000000000000a1", "search_web", "TOOL",
                             R"({"q":"France capital"})", R"("Paris")", 6000, 7000));
  t.spans.push_back(MakeSpan("00000000000000d4", "00000000000000a1", "lookup_city", "TOOL",
                             R"({"city":"Paris"})", R"({"country":"France"})", 8000, 9000));
  model::Span llm = MakeSpan("00000000000000e5", "00000000000000a1", "chat", "CHAT_MODEL",
                             R"({"messages":[]})", R"({"content":"Paris"})", 10000, 11000);
  llm.view.model = "gpt-4o-mini";
  llm.view.usage.input_tokens = 1000;
  llm.view.usage.output_tokens = 200;
  t.spans.push_back(std::move(llm));
  return t;
}

// An OpenAI chat completion whose message content is `content`.
inline std::string OpenAiAnswer(const std::string& content, const std::string& finish = "stop",
                                int prompt_tokens = 100, int completion_tokens = 20) {
  nlohmann::json j = {{"id", "c1"},
                      {"model", "gpt-4o-mini"},
                      {"choices",
                       {{{"index", 0},
                         {"finish_reason", finish},
                         {"message", {{"role", "assistant"}, {"content", content}}}}}},
                      {"usage",
                       {{"prompt_tokens", prompt_tokens},
                        {"completion_tokens", completion_tokens},
                        {"total_tokens", prompt_tokens + completion_tokens}}}};
  return j.dump();
}

inline llm::HttpResponse HttpAnswer(int status, std::string body, llm::HttpHeaders headers = {}) {
  llm::HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

class JudgeTest : public ::testing::Test {
 protected:
  static JudgeModelsOptions Options() {
    JudgeModelsOptions o;
    o.default_model = "openai:/gpt-4o-mini";
    o.retry.max_retries = 2;
    o.retry.initial_backoff = std::chrono::milliseconds(100);
    o.retry.jitter = 0;
    o.attempt_timeout = std::chrono::seconds(20);
    o.max_concurrency = 4;
    return o;
  }
  static Environment Env() {
    return {{"OPENAI_API_KEY", "sk-test"},
            {"OPENAI_BASE_URL", "http://judge.test/v1"},
            {"ANTHROPIC_API_KEY", "ak-test"},
            {"ANTHROPIC_BASE_URL", "http://claude.test"}};
  }
  ScoreContext Ctx(std::chrono::seconds timeout = std::chrono::seconds(60)) {
    return ScoreContext(llm::Deadline::After(clock_, timeout), clock_, &judges_);
  }
  void Answer(const std::string& content, const std::string& finish = "stop") {
    http_.EnqueueOk(OpenAiAnswer(content, finish));
  }

  FakeClock clock_{kStart};
  llm::FakeSleeper sleeper_{clock_};
  llm::FixedRandomSource random_{0.0};
  llm::FakeHttpClient http_{clock_};
  JudgeModels judges_{Options(), Env(), http_, clock_, sleeper_, random_};
};

}  // namespace tracelake::eval::testing
