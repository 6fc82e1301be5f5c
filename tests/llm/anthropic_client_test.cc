// llm::AnthropicClient over a FakeHttpClient and a FakeClock: the Messages API request shape
// and headers, the answer mapped onto ChatResponse, retries honouring 429 + Retry-After.
#include "llm/anthropic_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "llm/fake_http_client.h"
#include "tests/common/status_matchers.h"

namespace tracelake::llm {
namespace {

using ::tracelake_testing::IsOk;
using ::tracelake_testing::StatusIs;

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

constexpr int64_t kStart = 1'700'000'000'000'000'000;
constexpr char kAnswer[] =
    R"({"id":"msg_1","type":"message","model":"claude-x","role":"assistant",)"
    R"("content":[{"type":"text","text":"Hel"},{"type":"text","text":"lo"}],)"
    R"("stop_reason":"end_turn","usage":{"input_tokens":12,"output_tokens":3}})";

HttpResponse Answer(int status, std::string body, HttpHeaders headers = {}) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

class LlmAnthropicClientTest : public ::testing::Test {
 protected:
  AnthropicClient Client() {
    AnthropicClientOptions o;
    o.base_url = "http://anthropic.test/";
    o.api_key = "ak-test";
    o.model = "claude-x";
    o.retry.max_retries = 2;
    o.retry.initial_backoff = milliseconds(100);
    return AnthropicClient(std::move(o), http_, clock_, sleeper_, random_);
  }
  static ChatRequest Question() {
    ChatRequest r;
    r.messages = {ChatMessage::System("Be a judge."), ChatMessage::User("hello")};
    r.max_tokens = 50;
    return r;
  }

  FakeClock clock_{kStart};
  FakeSleeper sleeper_{clock_};
  FixedRandomSource random_{0.0};
  FakeHttpClient http_{clock_};
};

TEST_F(LlmAnthropicClientTest, PostsMessagesWithHeadersAndParsesTheAnswer) {
  http_.EnqueueOk(kAnswer);
  ChatOutcome o = Client().Complete(Question(), Deadline::After(clock_, seconds(30)));
  ASSERT_THAT(o.status, IsOk());
  EXPECT_EQ(o.response.message.content, "Hello");
  EXPECT_EQ(o.response.finish_reason, "stop");
  EXPECT_EQ(o.response.usage.prompt_tokens, 12);
  EXPECT_EQ(o.response.usage.completion_tokens, 3);
  EXPECT_EQ(o.response.usage.total_tokens, 15);
  auto requests = http_.requests();
  ASSERT_EQ(requests.size(), 1U);
  EXPECT_EQ(requests[0].url, "http://anthropic.test/v1/messages");
  EXPECT_THAT(requests[0].headers, Contains(Pair("x-api-key", "ak-test")));
  EXPECT_THAT(requests[0].headers, Contains(Pair("anthropic-version", "2023-06-01")));
  nlohmann::json body = nlohmann::json::parse(requests[0].body);
  EXPECT_EQ(body["model"], "claude-x");
  EXPECT_EQ(body["max_tokens"], 50);
  EXPECT_EQ(body["system"], "Be a judge.");
  ASSERT_EQ(body["messages"].size(), 1U);
  EXPECT_EQ(body["messages"][0]["role"], "user");
  EXPECT_EQ(body["messages"][0]["content"], "hello");
}

TEST_F(LlmAnthropicClientTest, MapsStopReasons) {
  auto parse = [](const char* reason) {
    std::string body = std::string(R"({"content":[],"stop_reason":")") + reason + "\"}";
    return ParseAnthropicResponse(body)->finish_reason;
  };
  EXPECT_EQ(parse("max_tokens"), "length");
  EXPECT_EQ(parse("stop_sequence"), "stop");
  EXPECT_EQ(parse("refusal"), "refusal");
  EXPECT_THAT(ParseAnthropicResponse("not json"), StatusIs(StatusCode::kDataLoss));
}

TEST_F(LlmAnthropicClientTest, RetriesRateLimitAfterTheServersWait) {
  http_.Enqueue(Answer(429, R"({"type":"error","error":{"type":"rate_limit_error"}})",
                       {{"retry-after", "3"}}));
  http_.EnqueueOk(kAnswer);
  ChatOutcome o = Client().Complete(Question(), Deadline::After(clock_, seconds(30)));
  ASSERT_THAT(o.status, IsOk());
  EXPECT_EQ(o.attempts, 2);
  EXPECT_THAT(sleeper_.sleeps(), ElementsAre(seconds(3)));
}

TEST_F(LlmAnthropicClientTest, OverloadedIsUnavailableAfterRetries) {
  for (int i = 0; i < 3; ++i)
    http_.Enqueue(Answer(529, R"({"type":"error","error":{"type":"overloaded_error"}})"));
  ChatOutcome o = Client().Complete(Question(), Deadline::After(clock_, seconds(30)));
  EXPECT_THAT(o.status, StatusIs(StatusCode::kUnavailable, HasSubstr("overloaded_error")));
  EXPECT_EQ(o.attempts, 3);
}

}  // namespace
}  // namespace tracelake::llm
