// Model URIs, credentials from an environment map, the (model, prompt) cache and the
// concurrency limiter shared by every judge call.
#include "eval/judge_model.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "tests/common/status_matchers.h"
#include "tests/eval/eval_test_util.h"

namespace tracelake::eval {
namespace {

using ::tracelake_testing::IsOk;
using ::tracelake_testing::StatusIs;

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::HasSubstr;

TEST(ModelUriTest, ParsesMlflowsForm) {
  Result<ModelUri> u = ModelUri::Parse("openai:/gpt-4o-mini");
  ASSERT_THAT(u.status(), IsOk());
  EXPECT_EQ(u->provider, "openai");
  EXPECT_EQ(u->model, "gpt-4o-mini");
  EXPECT_EQ(u->ToString(), "openai:/gpt-4o-mini");
  EXPECT_EQ(ModelUri::Parse("endpoints://my-endpoint")->model, "my-endpoint");
  EXPECT_THAT(ModelUri::Parse("gpt-4o").status(),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("<provider>:/<model>")));
  EXPECT_THAT(ModelUri::Parse("openai:/").status(), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ModelUri::Parse(":/x").status(), StatusIs(StatusCode::kInvalidArgument));
}

TEST(ResolveProviderTest, ReadsTheProvidersOwnVariables) {
  const ModelUri openai{"openai", "gpt-4o-mini"};
  EXPECT_THAT(ResolveProvider(openai, {}).status(),
              StatusIs(StatusCode::kFailedPrecondition, HasSubstr("OPENAI_API_KEY")));
  Result<ProviderConfig> c = ResolveProvider(openai, {{"OPENAI_API_KEY", "sk"}});
  ASSERT_THAT(c.status(), IsOk());
  EXPECT_EQ(c->base_url, "https://api.openai.com/v1");
  EXPECT_EQ(c->api_key, "sk");
  EXPECT_EQ(c->api, ProviderApi::kOpenAiChat);
  // A local OpenAI-compatible server (vLLM, Ollama) needs no key.
  c = ResolveProvider(openai, {{"OPENAI_BASE_URL", "http://localhost:11434/v1"}});
  ASSERT_THAT(c.status(), IsOk());
  EXPECT_EQ(c->base_url, "http://localhost:11434/v1");

  const ModelUri claude{"anthropic", "claude-sonnet-4-5"};
  EXPECT_THAT(ResolveProvider(claude, {{"OPENAI_API_KEY", "sk"}}).status(),
              StatusIs(StatusCode::kFailedPrecondition, HasSubstr("ANTHROPIC_API_KEY")));
  c = ResolveProvider(claude, {{"ANTHROPIC_API_KEY", "ak"}});
  ASSERT_THAT(c.status(), IsOk());
  EXPECT_EQ(c->api, ProviderApi::kAnthropicMessages);
  EXPECT_EQ(c->base_url, "https://api.anthropic.com");

  const ModelUri endpoint{"endpoints", "judge"};
  EXPECT_THAT(ResolveProvider(endpoint, {}).status(),
              StatusIs(StatusCode::kFailedPrecondition, HasSubstr("DATABRICKS_HOST")));
  c = ResolveProvider(endpoint,
                      {{"DATABRICKS_HOST", "dbc.example.com/"}, {"DATABRICKS_TOKEN", "dapi"}});
  ASSERT_THAT(c.status(), IsOk());
  EXPECT_EQ(c->base_url, "https://dbc.example.com/serving-endpoints");

  EXPECT_THAT(ResolveProvider({"gemini", "x"}, {}).status(),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("supported are openai")));
}

TEST(JudgeCacheTest, EvictsTheLeastRecentlyUsed) {
  JudgeCache cache(2);
  JudgeCall a{"sys", "a", 10};
  JudgeCall b{"sys", "b", 10};
  JudgeCall c{"sys", "c", 10};
  JudgeReply r;
  r.text = "A";
  cache.Put(JudgeCache::Key("m", a), r);
  r.text = "B";
  cache.Put(JudgeCache::Key("m", b), r);
  ASSERT_TRUE(cache.Get(JudgeCache::Key("m", a)).has_value());  // a is now the most recent
  r.text = "C";
  cache.Put(JudgeCache::Key("m", c), r);
  EXPECT_EQ(cache.size(), 2U);
  EXPECT_FALSE(cache.Get(JudgeCache::Key("m", b)).has_value());
  std::optional<JudgeReply> hit = cache.Get(JudgeCache::Key("m", a));
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->text, "A");
  EXPECT_TRUE(hit->from_cache);
  EXPECT_FALSE(cache.Get(JudgeCache::Key("other-model", a)).has_value());
  EXPECT_EQ(cache.hits(), 2);
}

TEST(ConcurrencyLimiterTest, TimesOutWhenNoSlotFrees) {
  FakeClock clock(testing::kStart);
  ConcurrencyLimiter limiter(1);
  Result<ConcurrencyLimiter::Permit> held =
      limiter.Acquire(llm::Deadline::After(clock, seconds(1)), clock);
  ASSERT_THAT(held.status(), IsOk());
  EXPECT_EQ(limiter.in_flight(), 1);
  EXPECT_THAT(limiter.Acquire(llm::Deadline::After(clock, milliseconds(20)), clock).status(),
              StatusIs(StatusCode::kDeadlineExceeded));
}

// A model that blocks every call until released, counting calls.
class GateModel final : public JudgeModel {
 public:
  const std::string& uri() const override { return uri_; }
  Result<JudgeReply> Complete(const JudgeCall& call, llm::Deadline) override {
    calls_.fetch_add(1);
    while (!open_.load()) std::this_thread::yield();
    JudgeReply r;
    r.text = R"({"result":"yes","rationale":")" + call.user + "\"}";
    r.finish_reason = "stop";
    return r;
  }
  std::atomic<bool> open_{false};
  std::atomic<int> calls_{0};

 private:
  std::string uri_ = "openai:/gate";
};

TEST(JudgeModelsTest, BoundsConcurrentCallsAcrossCallers) {
  FakeClock clock(testing::kStart);
  llm::FakeHttpClient http(clock);
  JudgeModelsOptions options;
  options.max_concurrency = 3;
  JudgeModels judges(options, {{"OPENAI_API_KEY", "sk"}}, http, clock);
  auto gate = std::make_unique<GateModel>();
  GateModel* g = gate.get();
  judges.SetModelForTesting("openai:/gate", std::move(gate));

  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      JudgeCall call{"s", "prompt " + std::to_string(i), 10};
      if (judges.Complete("openai:/gate", call, llm::Deadline::After(clock, seconds(60))).ok())
        ok.fetch_add(1);
    });
  }
  while (g->calls_.load() < 3) std::this_thread::yield();
  // Three are inside the model; the other five wait for a slot.
  EXPECT_EQ(judges.limiter().in_flight(), 3);
  EXPECT_EQ(g->calls_.load(), 3);
  g->open_.store(true);
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 8);
  EXPECT_EQ(g->calls_.load(), 8);
  EXPECT_EQ(judges.limiter().peak_in_flight(), 3);
  EXPECT_EQ(judges.limiter().in_flight(), 0);
  EXPECT_EQ(judges.cache().size(), 8U);
}

TEST(JudgeModelsTest, EmptyUriIsTheDefaultModel) {
  FakeClock clock(testing::kStart);
  llm::FakeHttpClient http(clock);
  JudgeModelsOptions options;
  options.default_model = "anthropic:/claude-sonnet-4-5";
  JudgeModels judges(options, {{"ANTHROPIC_API_KEY", "ak"}}, http, clock);
  Result<JudgeModel*> m = judges.Get("");
  ASSERT_THAT(m.status(), IsOk());
  EXPECT_EQ((*m)->uri(), "anthropic:/claude-sonnet-4-5");
  EXPECT_THAT(judges.Get("openai:/gpt-4o").status(),
              StatusIs(StatusCode::kFailedPrecondition, HasSubstr("OPENAI_API_KEY")));
}

}  // namespace
}  // namespace tracelake::eval
