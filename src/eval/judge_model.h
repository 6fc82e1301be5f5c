// Judge models: MLflow's model URIs ("openai:/gpt-4o-mini", "anthropic:/claude-sonnet-4-5",
// "databricks:/<endpoint>", "endpoints:/<endpoint>"), resolved against an environment map to a
// provider client (llm::ChatClient for OpenAI-compatible endpoints, llm::AnthropicClient for
// Anthropic's Messages API), and JudgeModels: the registry every judge calls through, which adds
// a bounded-concurrency limiter shared by all callers, a bounded cache keyed by (model, prompt),
// token and cost accounting (model::PriceTable).
//
//   eval::JudgeModels judges(options, eval::ProcessEnvironment(), http);
//   Result<eval::JudgeReply> r = judges.Complete("openai:/gpt-4o-mini", call, deadline);
//
// Credentials, as the providers' own SDKs read them:
//   openai:/      OPENAI_API_KEY (required unless OPENAI_BASE_URL names another server),
//                 OPENAI_BASE_URL (default https://api.openai.com/v1)
//   anthropic:/   ANTHROPIC_API_KEY (required unless ANTHROPIC_BASE_URL is set),
//                 ANTHROPIC_BASE_URL (default https://api.anthropic.com)
//   databricks:/, endpoints:/   DATABRICKS_HOST and DATABRICKS_TOKEN (OpenAI-compatible
//                 <host>/serving-endpoints)
#pragma once

#include <chrono>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/mutex.h"
#include "llm/anthropic_client.h"
#include "llm/chat_client.h"
#include "llm/deadline.h"
#include "llm/http_client.h"
#include "llm/retry.h"
#include "model/price_table.h"
#include "model/span.h"
#include "tracelake/status.h"

namespace tracelake::eval {

// "<provider>:/<model>", as MLflow's _parse_model_uri splits it.
struct ModelUri {
  std::string provider;
  std::string model;

  // kInvalidArgument for anything not of that form.
  static Result<ModelUri> Parse(std::string_view uri);
  std::string ToString() const { return provider + ":/" + model; }
};

using Environment = std::map<std::string, std::string, std::less<>>;
// The process's environment variables (for the server and the CLI; tests pass their own map).
Environment ProcessEnvironment();

// The variables ResolveProvider reads (OPENAI_API_KEY, OPENAI_BASE_URL, ANTHROPIC_*,
// DATABRICKS_*): the only ones a client may pass with an evaluation request.
const std::vector<std::string>& JudgeCredentialVariables();

// `env` with only the judge credential variables it holds.
Environment JudgeCredentials(const Environment& env);

enum class ProviderApi : uint8_t { kOpenAiChat, kAnthropicMessages };

// Where and how a model URI is called.
struct ProviderConfig {
  ProviderApi api = ProviderApi::kOpenAiChat;
  std::string base_url;
  std::string api_key;
  std::string model;  // as the provider names it
};

// kInvalidArgument for a malformed URI or an unsupported provider (the message lists the
// supported ones); kFailedPrecondition when a credential is missing, naming the variable to set.
Result<ProviderConfig> ResolveProvider(const ModelUri& uri, const Environment& env);

// One judge prompt.
struct JudgeCall {
  std::string system;
  std::string user;
  int64_t max_tokens = 1024;
};

struct JudgeReply {
  std::string text;
  std::string finish_reason;  // stop, length, refusal, content_filter, ...
  model::TokenUsage usage;
  std::optional<double> cost_usd;  // when the model is in the price table
  int attempts = 0;
  bool from_cache = false;
};

// A model that answers judge prompts. Implementations say whether they are safe for concurrent
// use (ProviderJudgeModel is).
class JudgeModel {
 public:
  virtual ~JudgeModel() = default;
  virtual const std::string& uri() const = 0;
  // Errors as llm::ChatClient::Send: kResourceExhausted (429 after retries), kUnavailable,
  // kDeadlineExceeded, kUnauthenticated, kDataLoss (unparseable answer), ...
  virtual Result<JudgeReply> Complete(const JudgeCall& call, llm::Deadline deadline) = 0;
};

// Bounds how many judge calls run at once, across every caller sharing it. Safe for
// concurrent use.
class ConcurrencyLimiter {
 public:
  explicit ConcurrencyLimiter(int max_in_flight);

  // Releases its slot when destroyed.
  class Permit {
   public:
    explicit Permit(ConcurrencyLimiter* owner) : owner_(owner) {}
    Permit(Permit&& other) noexcept : owner_(other.owner_) { other.owner_ = nullptr; }
    Permit& operator=(Permit&&) = delete;
    Permit(const Permit&) = delete;
    Permit& operator=(const Permit&) = delete;
    ~Permit() {
      if (owner_ != nullptr) owner_->Release();
    }

   private:
    ConcurrencyLimiter* owner_;
  };

  // Waits for a slot; kDeadlineExceeded when none freed up before the deadline.
  Result<Permit> Acquire(llm::Deadline deadline, const Clock& clock) TL_EXCLUDES(mu_);

  int in_flight() const TL_EXCLUDES(mu_);
  int peak_in_flight() const TL_EXCLUDES(mu_);
  int max_in_flight() const { return max_; }

 private:
  void Release() TL_EXCLUDES(mu_);

  const int max_;
  mutable Mutex mu_;
  CondVar freed_;
  int in_flight_ TL_GUARDED_BY(mu_) = 0;
  int peak_ TL_GUARDED_BY(mu_) = 0;
};

// Least-recently-used answers keyed by (model URI, prompt), at most max_entries. Safe for
// concurrent use.
class JudgeCache {
 public:
  explicit JudgeCache(size_t max_entries) : max_entries_(max_entries) {}

  static std::string Key(std::string_view model_uri, const JudgeCall& call);
  std::optional<JudgeReply> Get(const std::string& key) TL_EXCLUDES(mu_);
  void Put(const std::string& key, const JudgeReply& reply) TL_EXCLUDES(mu_);

  size_t size() const TL_EXCLUDES(mu_);
  int64_t hits() const TL_EXCLUDES(mu_);

 private:
  using Entry = std::pair<std::string, JudgeReply>;
  const size_t max_entries_;
  mutable Mutex mu_;
  std::list<Entry> lru_ TL_GUARDED_BY(mu_);  // most recent first
  std::unordered_map<std::string_view, std::list<Entry>::iterator> index_ TL_GUARDED_BY(mu_);
  int64_t hits_ TL_GUARDED_BY(mu_) = 0;
};

struct JudgeModelsOptions {
  std::string default_model = "openai:/gpt-4o-mini";  // for judges that name none
  int max_concurrency = 8;
  size_t cache_entries = 4096;  // 0 disables the cache
  std::chrono::milliseconds attempt_timeout{60000};
  std::chrono::milliseconds connect_timeout{10000};
  llm::RetryPolicy retry;
  const model::PriceTable* prices = &model::PriceTable::Default();  // borrowed; null: no cost
};

// Calls one provider for one model URI. Safe for concurrent use when the HttpClient is.
class ProviderJudgeModel final : public JudgeModel {
 public:
  // All references borrowed; must outlive the model.
  ProviderJudgeModel(std::string uri, const ProviderConfig& config,
                     const JudgeModelsOptions& options, llm::HttpClient& http, const Clock& clock,
                     llm::Sleeper& sleeper, llm::RandomSource& random);

  const std::string& uri() const override { return uri_; }
  Result<JudgeReply> Complete(const JudgeCall& call, llm::Deadline deadline) override;

 private:
  const std::string uri_;
  const std::string model_;
  const model::PriceTable* prices_;
  std::unique_ptr<llm::ChatClient> chat_;
  std::unique_ptr<llm::AnthropicClient> anthropic_;
};

// The judge models of one process: one per URI, made on first use, sharing one limiter and one
// cache. Safe for concurrent use.
class JudgeModels {
 public:
  // All references borrowed; must outlive this object.
  JudgeModels(JudgeModelsOptions options, Environment env, llm::HttpClient& http,
              const Clock& clock = SystemClock::Default(),
              llm::Sleeper& sleeper = llm::RealSleeper::Default(),
              llm::RandomSource& random = llm::DefaultRandomSource::Default());

  // "" is the default model. Errors of ModelUri::Parse and ResolveProvider.
  Result<JudgeModel*> Get(std::string_view uri) TL_EXCLUDES(mu_);
  // The model's answer: from the cache, or through the limiter from the provider. Only
  // complete answers (finish_reason not "length") are cached.
  Result<JudgeReply> Complete(std::string_view uri, const JudgeCall& call, llm::Deadline deadline);
  // Replaces what `uri` resolves to (a scripted model in tests).
  void SetModelForTesting(const std::string& uri, std::unique_ptr<JudgeModel> model)
      TL_EXCLUDES(mu_);

  // Judge models configured as these, with `overrides` (judge credential variables, e.g. from
  // the client that started an evaluation) taking the place of this environment's values. The
  // result has its own limiter (same bound) and cache (answers from another endpoint or key are
  // not shared); it borrows what this one borrows.
  std::unique_ptr<JudgeModels> WithCredentials(const Environment& overrides) const;

  const std::string& default_model() const { return options_.default_model; }
  ConcurrencyLimiter& limiter() { return limiter_; }
  JudgeCache& cache() { return cache_; }
  const Clock& clock() const { return clock_; }

 private:
  const JudgeModelsOptions options_;
  const Environment env_;
  llm::HttpClient& http_;
  const Clock& clock_;
  llm::Sleeper& sleeper_;
  llm::RandomSource& random_;
  ConcurrencyLimiter limiter_;
  JudgeCache cache_;
  Mutex mu_;
  std::map<std::string, std::unique_ptr<JudgeModel>, std::less<>> models_ TL_GUARDED_BY(mu_);
};

}  // namespace tracelake::eval
