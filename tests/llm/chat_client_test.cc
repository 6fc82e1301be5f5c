// llm::ChatClient over a FakeHttpClient and a FakeClock: every attempt carries a deadline,
// retries follow the policy and Retry-After, errors map onto codes, streams are assembled.
#include "llm/chat_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "llm/fake_http_client.h"

namespace tracelake::llm {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int64_t kStart = 1'700'000'000'000'000'000;
constexpr char kAnswer[] =
    R"({"id":"c1","model":"m-2024","choices":[{"finish_reason":"stop",)"
    R"("message":{"role":"assistant","content":"Hi!"}}],"usage":{"total_tokens":5}})";

HttpResponse Answer(int status, std::string body = "", HttpHeaders headers = {}) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

class LlmChatClientTest : public ::testing::Test {
 protected:
  ChatClientOptions Options() {
    ChatClientOptions o;
    o.base_url = "http://llm.test/v1/";
    o.api_key = "sk-test";
    o.model = "m";
    o.attempt_timeout = seconds(10);
    o.retry.max_retries = 2;
    o.retry.initial_backoff = milliseconds(100);
    o.retry.max_backoff = milliseconds(2000);
    o.retry.jitter = 0.2;
    o.headers = {{"X-Team", "evals"}};
    return o;
  }
  ChatClient Client(ChatClientOptions o) { return ChatClient(std::move(o), http_, clock_, sleeper_, random_); }
  static ChatRequest Question() {
    ChatRequest r;
    r.messages = {ChatMessage::User("hello")};
    return r;
  }

  FakeClock clock_{kStart};
  FakeSleeper sleeper_{clock_};
  FixedRandomSource random_{0.5};
  FakeHttpClient http_{clock_};
};

TEST_F(LlmChatClientTest, PostsTheRequestWithHeadersAndParsesTheAnswer) {
  http_.EnqueueOk(kAnswer);
  ChatOutcome o = Client(Options()).Complete(Question(), Deadline::After(clock_, seconds(60)));
  ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  EXPECT_EQ(o.response.message.content, "Hi!");
  EXPECT_EQ(o.response.model, "m-2024");
  EXPECT_EQ(o.response.attempts, 1);
  EXPECT_EQ(o.http_status, 200);
  const auto sent = http_.requests();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].url, "http://llm.test/v1/chat/completions");
  EXPECT_THAT(sent[0].headers, ::testing::Contains(std::pair<std::string, std::string>(
                                   "Authorization", "Bearer sk-test")));
  EXPECT_THAT(sent[0].headers,
              ::testing::Contains(std::pair<std::string, std::string>("X-Team", "evals")));
  EXPECT_THAT(sent[0].body, HasSubstr(R"("model":"m")"));
}

TEST_F(LlmChatClientTest, EveryAttemptCarriesTheEarlierOfAttemptTimeoutAndDeadline) {
  http_.Enqueue(Answer(503));
  http_.Enqueue(Answer(503));
  http_.EnqueueOk(kAnswer);
  const Deadline overall = Deadline::After(clock_, milliseconds(10200));
  ChatOutcome o = Client(Options()).Complete(Question(), overall);
  ASSERT_TRUE(o.status.ok());
  EXPECT_EQ(o.attempts, 3);
  const auto sent = http_.requests();
  ASSERT_EQ(sent.size(), 3u);
  // Each attempt gets 10 s from its start, until the overall deadline (10.2 s) is earlier:
  // the attempts start at 0, 90 and 270 ms.
  auto at = [](milliseconds d) { return Deadline::AtUnixNanos(kStart + nanoseconds(d).count()); };
  EXPECT_EQ(sent[0].deadline, at(milliseconds(10000)));
  EXPECT_EQ(sent[1].deadline, at(milliseconds(10090)));
  EXPECT_EQ(sent[2].deadline, overall);
  // Waits: 100 ms and 200 ms, each less 10% jitter (0.2 * 0.5).
  EXPECT_THAT(sleeper_.sleeps(), ElementsAre(milliseconds(90), milliseconds(180)));
}

TEST_F(LlmChatClientTest, RetryAfterIsHonoured) {
  http_.Enqueue(Answer(429, R"({"error":{"type":"rate_limit_exceeded","message":"slow down"}})",
                       {{"retry-after", "1"}}));
  http_.EnqueueOk(kAnswer);
  ChatOutcome o = Client(Options()).Complete(Question(), Deadline::After(clock_, seconds(60)));
  ASSERT_TRUE(o.status.ok());
  EXPECT_THAT(sleeper_.sleeps(), ElementsAre(milliseconds(1000)));
}

TEST_F(LlmChatClientTest, NonRetryableAnswersAreNotRetried) {
  for (int status : {400, 401, 403, 404, 422}) {
    FakeHttpClient http(clock_);
    http.Enqueue(Answer(status, R"({"error":{"type":"nope","message":"no"}})"));
    ChatOutcome o = ChatClient(Options(), http, clock_, sleeper_, random_)
                        .Complete(Question(), Deadline::After(clock_, seconds(60)));
    EXPECT_FALSE(o.status.ok());
    EXPECT_EQ(o.attempts, 1) << status;
    EXPECT_EQ(http.calls(), 1) << status;
    EXPECT_EQ(o.http_status, status);
  }
  EXPECT_TRUE(sleeper_.sleeps().empty());
}

TEST_F(LlmChatClientTest, ErrorsMapToCodesAndTypesWithoutPromptText) {
  struct Case {
    Result<HttpResponse> answer;
    StatusCode code;
    const char* type;
  };
  std::vector<Case> cases;
  cases.push_back({Answer(401, R"({"error":{"type":"invalid_api_key","message":"bad"}})"),
                   StatusCode::kUnauthenticated, "AuthenticationError"});
  cases.push_back({Answer(404), StatusCode::kNotFound, "NotFoundError"});
  cases.push_back({Answer(400), StatusCode::kInvalidArgument, "BadRequestError"});
  cases.push_back({Answer(200, "<html>"), StatusCode::kDataLoss, "APIResponseValidationError"});
  for (auto& c : cases) {
    FakeHttpClient http(clock_);
    http.Enqueue(std::move(c.answer));
    ChatOutcome o = ChatClient(Options(), http, clock_, sleeper_, random_)
                        .Complete(Question(), Deadline::After(clock_, seconds(60)));
    EXPECT_EQ(o.status.code(), c.code) << c.type;
    EXPECT_EQ(o.error_type, c.type);
    EXPECT_THAT(o.status.message(), ::testing::Not(HasSubstr("hello")));
  }
}

TEST_F(LlmChatClientTest, TransportFailuresAreRetriedThenReported) {
  ChatClientOptions opts = Options();
  opts.retry.max_retries = 1;
  http_.Enqueue(UnavailableError("Couldn't connect to server"));
  http_.Enqueue(UnavailableError("Couldn't connect to server"));
  ChatOutcome o = Client(opts).Complete(Question(), Deadline::After(clock_, seconds(60)));
  EXPECT_EQ(o.status.code(), StatusCode::kUnavailable);
  EXPECT_THAT(o.status.message(), HasSubstr("Couldn't connect"));
  EXPECT_EQ(o.error_type, "APIConnectionError");
  EXPECT_EQ(o.attempts, 2);
  EXPECT_EQ(o.http_status, 0);
}

TEST_F(LlmChatClientTest, ASlowServerTimesOutAtTheAttemptDeadline) {
  ChatClientOptions opts = Options();
  opts.retry.max_retries = 0;
  http_.SetLatency(&clock_, seconds(11));
  http_.EnqueueOk(kAnswer);
  ChatOutcome o = Client(opts).Complete(Question(), Deadline::After(clock_, seconds(60)));
  EXPECT_EQ(o.status.code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(o.error_type, "APITimeoutError");
}

TEST_F(LlmChatClientTest, AnExpiredDeadlineStillReachesTheTransportAndFails) {
  http_.EnqueueOk(kAnswer);
  ChatOutcome o = Client(Options()).Complete(Question(), Deadline::AtUnixNanos(kStart - 1));
  EXPECT_EQ(o.status.code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(o.attempts, 1);  // no retry can start after the deadline
  ASSERT_EQ(http_.requests().size(), 1u);
  EXPECT_EQ(http_.requests()[0].deadline, Deadline::AtUnixNanos(kStart - 1));
}

TEST_F(LlmChatClientTest, StreamedEventsAreAssembledAndDeltasDelivered) {
  http_.Enqueue(Answer(200,
                       "data: {\"id\":\"s1\",\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\n"
                       ": keep-alive\n\n"
                       "data: {\"choices\":[{\"delta\":{\"content\":\"lo\"},\"finish_reason\":\"stop\"}]}\n\n"
                       "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3}}\n\n"
                       "data: [DONE]\n\n",
                       {{"content-type", "text/event-stream"}}));
  ChatRequest r = Question();
  r.stream = true;
  std::vector<std::string> deltas;
  r.on_delta = [&](std::string_view d) { deltas.emplace_back(d); };
  ChatOutcome o = Client(Options()).Complete(r, Deadline::After(clock_, seconds(60)));
  ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  EXPECT_EQ(o.response.message.content, "Hello");
  EXPECT_EQ(o.response.message.role, "assistant");
  EXPECT_EQ(o.response.usage.prompt_tokens, 3);
  EXPECT_THAT(deltas, ElementsAre("Hel", "lo"));
  EXPECT_THAT(http_.requests()[0].body, HasSubstr(R"("stream":true)"));
}

TEST_F(LlmChatClientTest, StreamRequestAnsweredWithPlainJsonStillWorks) {
  http_.EnqueueOk(kAnswer, {{"content-type", "application/json"}});
  ChatRequest r = Question();
  r.stream = true;
  std::string seen;
  r.on_delta = [&](std::string_view d) { seen += d; };
  ChatOutcome o = Client(Options()).Complete(r, Deadline::After(clock_, seconds(60)));
  ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  EXPECT_EQ(seen, "Hi!");
}

TEST_F(LlmChatClientTest, EmptyStreamIsRetried) {
  http_.Enqueue(Answer(200, "data: [DONE]\n\n", {{"content-type", "text/event-stream"}}));
  http_.Enqueue(Answer(200, "data: {\"choices\":[{\"delta\":{\"content\":\"ok\"}}]}\n\n",
                       {{"content-type", "text/event-stream"}}));
  ChatRequest r = Question();
  r.stream = true;
  ChatOutcome o = Client(Options()).Complete(r, Deadline::After(clock_, seconds(60)));
  ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  EXPECT_EQ(o.attempts, 2);
  EXPECT_EQ(o.response.message.content, "ok");
}

}  // namespace
}  // namespace tracelake::llm
