// Judges through the real CurlHttpClient against an in-process HTTP stand-in that speaks the
// OpenAI chat completions and the Anthropic Messages shapes: the same client code that talks
// to a real provider, with a real socket, headers and retries.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "eval/builtin_judges.h"
#include "eval/judge_model.h"
#include "llm/curl_http_client.h"

namespace tracelake::eval {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Answers /v1/chat/completions (OpenAI) and /v1/messages (Anthropic); the first OpenAI call is
// a 429 with Retry-After: 0 to exercise the retry path.
class StandIn {
 public:
  StandIn() {
    server_.Post(
        "/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) {
          Record(req, "authorization");
          if (openai_calls_.fetch_add(1) == 0) {
            res.status = 429;
            res.set_header("Retry-After", "0");
            res.set_content(R"({"error":{"type":"rate_limit_exceeded"}})", "application/json");
            return;
          }
          nlohmann::json answer = {
              {"id", "c1"},
              {"model", "gpt-4o-mini"},
              {"choices",
               {{{"index", 0},
                 {"finish_reason", "stop"},
                 {"message",
                  {{"role", "assistant"},
                   {"content", R"({"rationale": "clear English", "result": "yes"})"}}}}}},
              {"usage", {{"prompt_tokens", 40}, {"completion_tokens", 9}, {"total_tokens", 49}}}};
          res.set_content(answer.dump(), "application/json");
        });
    server_.Post("/v1/messages", [this](const httplib::Request& req, httplib::Response& res) {
      Record(req, "x-api-key");
      {
        std::lock_guard<std::mutex> lock(mu_);
        anthropic_version_ = req.get_header_value("anthropic-version");
      }
      nlohmann::json answer = {
          {"id", "msg_1"},
          {"type", "message"},
          {"role", "assistant"},
          {"model", "claude-sonnet-4-5"},
          {"content",
           {{{"type", "text"}, {"text", R"({"rationale": "garbled", "result": "no"})"}}}},
          {"stop_reason", "end_turn"},
          {"usage", {{"input_tokens", 30}, {"output_tokens", 8}}}};
      res.set_content(answer.dump(), "application/json");
    });
    // A slow provider: the answer arrives in small chunks, `trickle_ms_` apart (chunked
    // transfer encoding), as a loaded endpoint sends it.
    server_.Post(
        "/slow/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) {
          Record(req, "authorization");
          nlohmann::json answer = {
              {"id", "c2"},
              {"model", "gpt-4o-mini"},
              {"choices",
               {{{"index", 0},
                 {"finish_reason", "stop"},
                 {"message",
                  {{"role", "assistant"},
                   {"content", R"({"rationale": "arrived slowly", "result": "yes"})"}}}}}},
              {"usage", {{"prompt_tokens", 40}, {"completion_tokens", 9}, {"total_tokens", 49}}}};
          auto text = std::make_shared<std::string>(answer.dump());
          const int pause = trickle_ms_.load();
          res.set_chunked_content_provider(
              "application/json", [text, pause](size_t offset, httplib::DataSink& sink) {
                if (offset >= text->size()) {
                  sink.done();
                  return true;
                }
                std::this_thread::sleep_for(milliseconds(pause));
                const size_t n = std::min<size_t>(16, text->size() - offset);
                return sink.write(text->data() + offset, n);
              });
        });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::yield();
  }
  ~StandIn() {
    server_.stop();
    thread_.join();
  }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int openai_calls() const { return openai_calls_.load(); }
  void set_trickle(milliseconds pause) { trickle_ms_ = static_cast<int>(pause.count()); }
  std::string credential() {
    std::lock_guard<std::mutex> lock(mu_);
    return credential_;
  }
  std::string anthropic_version() {
    std::lock_guard<std::mutex> lock(mu_);
    return anthropic_version_;
  }
  std::string body() {
    std::lock_guard<std::mutex> lock(mu_);
    return body_;
  }

 private:
  void Record(const httplib::Request& req, const char* header) {
    std::lock_guard<std::mutex> lock(mu_);
    credential_ = req.get_header_value(header);
    body_ = req.body;
  }

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<int> openai_calls_{0};
  std::atomic<int> trickle_ms_{5};
  std::mutex mu_;
  std::string credential_;
  std::string anthropic_version_;
  std::string body_;
};

class JudgeHttpTest : public ::testing::Test {
 protected:
  JudgeModels Judges(const std::string& openai_path = "/v1",
                     milliseconds attempt_timeout = seconds(10), int max_retries = 2) {
    JudgeModelsOptions o;
    o.attempt_timeout = attempt_timeout;
    o.retry.initial_backoff = milliseconds(10);
    o.retry.max_retries = max_retries;
    return JudgeModels(o,
                       {{"OPENAI_BASE_URL", stand_in_.base() + openai_path},
                        {"OPENAI_API_KEY", "sk-local"},
                        {"ANTHROPIC_BASE_URL", stand_in_.base()},
                        {"ANTHROPIC_API_KEY", "ak-local"}},
                       http_);
  }
  static EvalInput Record() {
    EvalInput in;
    in.inputs = "Say hello";
    in.outputs = "Hello there!";
    return in;
  }

  StandIn stand_in_;
  llm::CurlHttpClient http_;
};

TEST_F(JudgeHttpTest, OpenAiCompatibleEndpointAfterARateLimit) {
  JudgeModels judges = Judges();
  ScoreContext ctx(llm::Deadline::After(SystemClock::Default(), seconds(30)),
                   SystemClock::Default(), &judges);
  auto judge = MakeBuiltinJudge("fluency", {.model = "openai:/gpt-4o-mini"});
  ASSERT_TRUE(judge.ok());
  std::vector<Feedback> f = (*judge)->Score(Record(), ctx);
  ASSERT_EQ(f.size(), 1U);
  EXPECT_EQ(f[0].verdict(), Verdict::kYes) << (f[0].error ? f[0].error->message : "");
  EXPECT_EQ(f[0].rationale, "clear English");
  EXPECT_EQ(f[0].metadata.at(kJudgeInputTokensKey), "40");
  EXPECT_EQ(stand_in_.openai_calls(), 2);
  EXPECT_EQ(stand_in_.credential(), "Bearer sk-local");
  nlohmann::json body = nlohmann::json::parse(stand_in_.body());
  EXPECT_EQ(body["model"], "gpt-4o-mini");
  EXPECT_EQ(body["messages"][0]["role"], "system");
}

TEST_F(JudgeHttpTest, AnthropicMessagesEndpoint) {
  JudgeModels judges = Judges();
  ScoreContext ctx(llm::Deadline::After(SystemClock::Default(), seconds(30)),
                   SystemClock::Default(), &judges);
  auto judge = MakeBuiltinJudge("fluency", {.model = "anthropic:/claude-sonnet-4-5"});
  ASSERT_TRUE(judge.ok());
  std::vector<Feedback> f = (*judge)->Score(Record(), ctx);
  ASSERT_EQ(f.size(), 1U);
  EXPECT_EQ(f[0].verdict(), Verdict::kNo) << (f[0].error ? f[0].error->message : "");
  EXPECT_EQ(f[0].source.id, "anthropic:/claude-sonnet-4-5");
  EXPECT_EQ(f[0].metadata.at(kJudgeOutputTokensKey), "8");
  EXPECT_EQ(stand_in_.credential(), "ak-local");
  EXPECT_EQ(stand_in_.anthropic_version(), "2023-06-01");
  nlohmann::json body = nlohmann::json::parse(stand_in_.body());
  EXPECT_EQ(body["model"], "claude-sonnet-4-5");
  EXPECT_TRUE(body["system"].is_string());
  EXPECT_EQ(body["messages"][0]["role"], "user");
}

TEST_F(JudgeHttpTest, SlowlyStreamedAnswerIsReadWhole) {
  // About 20 chunks 5 ms apart: slower than one read, well inside the attempt timeout.
  JudgeModels judges = Judges("/slow/v1");
  ScoreContext ctx(llm::Deadline::After(SystemClock::Default(), seconds(30)),
                   SystemClock::Default(), &judges);
  auto judge = MakeBuiltinJudge("fluency", {.model = "openai:/gpt-4o-mini"});
  ASSERT_TRUE(judge.ok());
  std::vector<Feedback> f = (*judge)->Score(Record(), ctx);
  ASSERT_EQ(f.size(), 1U);
  EXPECT_EQ(f[0].verdict(), Verdict::kYes) << (f[0].error ? f[0].error->message : "");
  EXPECT_EQ(f[0].rationale, "arrived slowly");
  ASSERT_TRUE(f[0].judge_call.has_value());
  EXPECT_EQ(f[0].judge_call->output_tokens, 9);
}

TEST_F(JudgeHttpTest, AnswerStreamedPastTheTimeoutIsUnknownNotAHang) {
  // 100 ms between chunks and a 300 ms attempt timeout: the call is cut off mid-answer.
  stand_in_.set_trickle(milliseconds(100));
  JudgeModels judges = Judges("/slow/v1", milliseconds(300), /*max_retries=*/0);
  ScoreContext ctx(llm::Deadline::After(SystemClock::Default(), seconds(30)),
                   SystemClock::Default(), &judges);
  auto judge = MakeBuiltinJudge("fluency", {.model = "openai:/gpt-4o-mini"});
  ASSERT_TRUE(judge.ok());
  const auto start = std::chrono::steady_clock::now();
  std::vector<Feedback> f = (*judge)->Score(Record(), ctx);
  ASSERT_EQ(f.size(), 1U);
  EXPECT_EQ(f[0].verdict(), Verdict::kUnknown);
  ASSERT_TRUE(f[0].error.has_value());
  EXPECT_EQ(f[0].error->code, kErrTimeout) << f[0].error->message;
  // Not a hang: well under the 2 s the whole answer would take (generous for a loaded machine).
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(20));
}

}  // namespace
}  // namespace tracelake::eval
