#include "eval/judge_model.h"

#include <algorithm>
#include <utility>

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX, not in a header

namespace tracelake::eval {
namespace {

constexpr std::string_view kOpenAiDefaultBase = "https://api.openai.com/v1";
constexpr std::string_view kAnthropicDefaultBase = "https://api.anthropic.com";

std::string EnvOr(const Environment& env, std::string_view name, std::string_view fallback = "") {
  auto it = env.find(name);
  return it != env.end() && !it->second.empty() ? it->second : std::string(fallback);
}

Status MissingCredential(const ModelUri& uri, std::string_view variable, std::string_view hint) {
  return FailedPreconditionError("judge model " + uri.ToString() + " needs " +
                                 std::string(variable) + ": set it in the environment of the " +
                                 "server or CLI" + std::string(hint));
}

}  // namespace

Result<ModelUri> ModelUri::Parse(std::string_view uri) {
  const size_t sep = uri.find(":/");
  if (sep == std::string_view::npos || sep == 0)
    return InvalidArgumentError("malformed judge model URI '" + std::string(uri) +
                                "': expected <provider>:/<model>, e.g. openai:/gpt-4o-mini");
  std::string_view model = uri.substr(sep + 2);
  while (!model.empty() && model.front() == '/') model.remove_prefix(1);
  if (model.empty())
    return InvalidArgumentError("malformed judge model URI '" + std::string(uri) +
                                "': the model name is empty");
  return ModelUri{std::string(uri.substr(0, sep)), std::string(model)};
}

Environment ProcessEnvironment() {
  Environment env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view kv(*e);
    const size_t eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  return env;
}

const std::vector<std::string>& JudgeCredentialVariables() {
  static const std::vector<std::string> kNames = {"OPENAI_API_KEY",    "OPENAI_BASE_URL",
                                                  "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL",
                                                  "DATABRICKS_HOST",   "DATABRICKS_TOKEN"};
  return kNames;
}

Environment JudgeCredentials(const Environment& env) {
  Environment out;
  for (const std::string& name : JudgeCredentialVariables()) {
    if (auto it = env.find(name); it != env.end()) out.emplace(name, it->second);
  }
  return out;
}

Result<ProviderConfig> ResolveProvider(const ModelUri& uri, const Environment& env) {
  ProviderConfig c;
  c.model = uri.model;
  if (uri.provider == "openai") {
    c.api = ProviderApi::kOpenAiChat;
    c.base_url = EnvOr(env, "OPENAI_BASE_URL", kOpenAiDefaultBase);
    c.api_key = EnvOr(env, "OPENAI_API_KEY");
    if (c.api_key.empty() && c.base_url == kOpenAiDefaultBase)
      return MissingCredential(uri, "OPENAI_API_KEY",
                               " (or OPENAI_BASE_URL for another OpenAI-compatible server)");
    return c;
  }
  if (uri.provider == "anthropic") {
    c.api = ProviderApi::kAnthropicMessages;
    c.base_url = EnvOr(env, "ANTHROPIC_BASE_URL", kAnthropicDefaultBase);
    c.api_key = EnvOr(env, "ANTHROPIC_API_KEY");
    if (c.api_key.empty() && c.base_url == kAnthropicDefaultBase)
      return MissingCredential(uri, "ANTHROPIC_API_KEY", "");
    return c;
  }
  if (uri.provider == "databricks" || uri.provider == "endpoints") {
    c.api = ProviderApi::kOpenAiChat;
    std::string host = EnvOr(env, "DATABRICKS_HOST");
    if (host.empty()) return MissingCredential(uri, "DATABRICKS_HOST", "");
    c.api_key = EnvOr(env, "DATABRICKS_TOKEN");
    if (c.api_key.empty()) return MissingCredential(uri, "DATABRICKS_TOKEN", "");
    while (!host.empty() && host.back() == '/') host.pop_back();
    if (host.find("://") == std::string::npos) host = "https://" + host;
    c.base_url = host + "/serving-endpoints";
    return c;
  }
  return InvalidArgumentError("unsupported judge model provider '" + uri.provider + "' in " +
                              uri.ToString() +
                              ": supported are openai, anthropic, databricks, endpoints");
}

ConcurrencyLimiter::ConcurrencyLimiter(int max_in_flight) : max_(std::max(max_in_flight, 1)) {}

Result<ConcurrencyLimiter::Permit> ConcurrencyLimiter::Acquire(llm::Deadline deadline,
                                                               const Clock& clock) {
  // The wait is bounded in real time by what the deadline leaves now (the clock may be fake).
  const auto until = std::chrono::steady_clock::now() +
                     std::max(deadline.Remaining(clock), std::chrono::nanoseconds(0));
  MutexLock lock(mu_);
  while (in_flight_ >= max_) {
    if (!freed_.WaitUntil(mu_, until) && in_flight_ >= max_)
      return DeadlineExceededError("no judge call slot freed up before the deadline");
  }
  ++in_flight_;
  peak_ = std::max(peak_, in_flight_);
  return Permit(this);
}

void ConcurrencyLimiter::Release() {
  {
    MutexLock lock(mu_);
    --in_flight_;
  }
  freed_.Signal();
}

int ConcurrencyLimiter::in_flight() const {
  MutexLock lock(mu_);
  return in_flight_;
}

int ConcurrencyLimiter::peak_in_flight() const {
  MutexLock lock(mu_);
  return peak_;
}

std::string JudgeCache::Key(std::string_view model_uri, const JudgeCall& call) {
  std::string key;
  key.reserve(model_uri.size() + call.system.size() + call.user.size() + 32);
  key.append(model_uri).push_back('\0');
  key.append(std::to_string(call.max_tokens)).push_back('\0');
  key.append(call.system).push_back('\0');
  key.append(call.user);
  return key;
}

std::optional<JudgeReply> JudgeCache::Get(const std::string& key) {
  MutexLock lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end()) return std::nullopt;
  lru_.splice(lru_.begin(), lru_, it->second);
  ++hits_;
  JudgeReply r = it->second->second;
  r.from_cache = true;
  return r;
}

void JudgeCache::Put(const std::string& key, const JudgeReply& reply) {
  if (max_entries_ == 0) return;
  MutexLock lock(mu_);
  if (auto it = index_.find(key); it != index_.end()) {
    it->second->second = reply;
    lru_.splice(lru_.begin(), lru_, it->second);
    return;
  }
  lru_.emplace_front(key, reply);
  index_.emplace(lru_.front().first, lru_.begin());
  while (lru_.size() > max_entries_) {
    index_.erase(lru_.back().first);
    lru_.pop_back();
  }
}

size_t JudgeCache::size() const {
  MutexLock lock(mu_);
  return lru_.size();
}

int64_t JudgeCache::hits() const {
  MutexLock lock(mu_);
  return hits_;
}

ProviderJudgeModel::ProviderJudgeModel(std::string uri, const ProviderConfig& config,
                                       const JudgeModelsOptions& options, llm::HttpClient& http,
                                       const Clock& clock, llm::Sleeper& sleeper,
                                       llm::RandomSource& random)
    : uri_(std::move(uri)), model_(config.model), prices_(options.prices) {
  if (config.api == ProviderApi::kAnthropicMessages) {
    llm::AnthropicClientOptions o;
    o.base_url = config.base_url;
    o.api_key = config.api_key;
    o.model = config.model;
    o.attempt_timeout = options.attempt_timeout;
    o.connect_timeout = options.connect_timeout;
    o.retry = options.retry;
    anthropic_ = std::make_unique<llm::AnthropicClient>(std::move(o), http, clock, sleeper, random);
  } else {
    llm::ChatClientOptions o;
    o.base_url = config.base_url;
    o.api_key = config.api_key;
    o.model = config.model;
    o.attempt_timeout = options.attempt_timeout;
    o.connect_timeout = options.connect_timeout;
    o.retry = options.retry;
    chat_ = std::make_unique<llm::ChatClient>(std::move(o), http, clock, sleeper, random);
  }
}

Result<JudgeReply> ProviderJudgeModel::Complete(const JudgeCall& call, llm::Deadline deadline) {
  ChatRequest request;
  if (!call.system.empty()) request.messages.push_back(ChatMessage::System(call.system));
  request.messages.push_back(ChatMessage::User(call.user));
  request.max_tokens = call.max_tokens;
  request.temperature = 0.0;
  llm::ChatOutcome o =
      anthropic_ ? anthropic_->Complete(request, deadline) : chat_->Complete(request, deadline);
  if (!o.status.ok()) return o.status;
  JudgeReply r;
  r.text = std::move(o.response.message.content);
  r.finish_reason = std::move(o.response.finish_reason);
  r.attempts = o.attempts;
  r.usage.input_tokens = o.response.usage.prompt_tokens;
  r.usage.output_tokens = o.response.usage.completion_tokens;
  r.usage.total_tokens = o.response.usage.total_tokens;
  r.usage.cached_input_tokens = o.response.usage.cached_tokens;
  if (prices_ != nullptr && !r.usage.empty()) r.cost_usd = prices_->Cost(model_, r.usage);
  return r;
}

JudgeModels::JudgeModels(JudgeModelsOptions options, Environment env, llm::HttpClient& http,
                         const Clock& clock, llm::Sleeper& sleeper, llm::RandomSource& random)
    : options_(std::move(options)),
      env_(std::move(env)),
      http_(http),
      clock_(clock),
      sleeper_(sleeper),
      random_(random),
      limiter_(options_.max_concurrency),
      cache_(options_.cache_entries) {}

std::unique_ptr<JudgeModels> JudgeModels::WithCredentials(const Environment& overrides) const {
  Environment env = env_;
  for (const auto& [name, value] : JudgeCredentials(overrides)) env[name] = value;
  return std::make_unique<JudgeModels>(options_, std::move(env), http_, clock_, sleeper_, random_);
}

Result<JudgeModel*> JudgeModels::Get(std::string_view uri) {
  const std::string_view chosen = uri.empty() ? std::string_view(options_.default_model) : uri;
  MutexLock lock(mu_);
  if (auto it = models_.find(chosen); it != models_.end()) return it->second.get();
  ASSIGN_OR_RETURN(ModelUri parsed, ModelUri::Parse(chosen));
  ASSIGN_OR_RETURN(ProviderConfig config, ResolveProvider(parsed, env_));
  auto model = std::make_unique<ProviderJudgeModel>(std::string(chosen), config, options_, http_,
                                                    clock_, sleeper_, random_);
  JudgeModel* raw = model.get();
  models_.emplace(std::string(chosen), std::move(model));
  return raw;
}

void JudgeModels::SetModelForTesting(const std::string& uri, std::unique_ptr<JudgeModel> model) {
  MutexLock lock(mu_);
  models_[uri] = std::move(model);
}

Result<JudgeReply> JudgeModels::Complete(std::string_view uri, const JudgeCall& call,
                                         llm::Deadline deadline) {
  ASSIGN_OR_RETURN(JudgeModel * model, Get(uri));
  const std::string key = JudgeCache::Key(model->uri(), call);
  if (std::optional<JudgeReply> hit = cache_.Get(key)) return *std::move(hit);
  ASSIGN_OR_RETURN(ConcurrencyLimiter::Permit permit, limiter_.Acquire(deadline, clock_));
  Result<JudgeReply> reply = model->Complete(call, deadline);
  if (reply.ok() && reply->finish_reason != "length" && !reply->text.empty())
    cache_.Put(key, *reply);
  return reply;
}

}  // namespace tracelake::eval
