// tracelake::ChatClient: llm::ChatClient (transport, retries, streaming) plus the autologged
// LLM span.
#include "tracelake/chat_client.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <optional>

#include "llm/chat_client.h"
#include "llm/chat_json.h"
#include "llm/curl_http_client.h"
#include "model/span.h"
#include "sdk/span_convert.h"
#include "tracelake/span.h"

namespace tracelake {
namespace {

std::atomic<bool> g_autolog{true};

llm::ChatClientOptions ToLlmOptions(const ChatClientOptions& o) {
  llm::ChatClientOptions l;
  l.base_url = o.base_url;
  l.api_key = o.api_key;
  l.model = o.model;
  l.attempt_timeout = o.timeout;
  l.connect_timeout = o.connect_timeout;
  l.retry.max_retries = std::max(o.max_retries, 0);
  l.retry.initial_backoff = o.initial_backoff;
  l.retry.max_backoff = o.max_backoff;
  l.headers = o.headers;
  return l;
}

// The options bound every attempt and every wait, so this deadline never cuts a call short
// of its retries; it only makes the bound explicit.
std::chrono::milliseconds OverallTimeout(const ChatClientOptions& o) {
  const int64_t attempts = std::max(o.max_retries, 0) + 1;
  return std::max(o.timeout, std::chrono::milliseconds(1)) * attempts +
         std::max(o.max_backoff, std::chrono::milliseconds(0)) * (attempts - 1) +
         std::chrono::seconds(1);
}

// host and port of a URL, for server.address / server.port.
std::pair<std::string, int64_t> HostPort(std::string_view url) {
  int64_t port = url.rfind("https://", 0) == 0 ? 443 : 80;
  const size_t scheme = url.find("://");
  if (scheme != std::string_view::npos) url.remove_prefix(scheme + 3);
  url = url.substr(0, url.find('/'));
  const size_t colon = url.rfind(':');
  if (colon != std::string_view::npos && url.find(']') == std::string_view::npos) {
    port = std::atoll(std::string(url.substr(colon + 1)).c_str());
    url = url.substr(0, colon);
  }
  return {std::string(url), port};
}

model::TokenUsage ToModelUsage(const ChatUsage& u) {
  model::TokenUsage m;
  m.input_tokens = u.prompt_tokens;
  m.output_tokens = u.completion_tokens;
  m.total_tokens = u.total_tokens;
  if (!m.total_tokens && u.prompt_tokens && u.completion_tokens)
    m.total_tokens = *u.prompt_tokens + *u.completion_tokens;
  m.cached_input_tokens = u.cached_tokens;
  return m;
}

void RecordRequest(Span& span, const ChatClientOptions& options, const ChatRequest& request,
                   const std::string& model, const std::string& body) {
  span.SetKind(SpanKind::kClient);
  span.SetInputsJson(body);
  span.SetAttribute("gen_ai.operation.name", "chat");
  span.SetAttribute("gen_ai.provider.name", "openai");
  span.SetAttribute("gen_ai.request.model", model);
  if (request.temperature) span.SetAttribute("gen_ai.request.temperature", *request.temperature);
  if (request.max_tokens) span.SetAttribute("gen_ai.request.max_tokens", *request.max_tokens);
  const auto [host, port] = HostPort(options.base_url);
  span.SetAttribute("server.address", host);
  span.SetAttribute("server.port", port);
  span.SetAttribute("mlflow.llm.provider", sdk::JsonQuoted("openai"));
  if (!request.tools.empty()) span.SetAttribute("mlflow.chat.tools", llm::EncodeToolDefinitions(request.tools));
}

void RecordResponse(Span& span, const ChatResponse& r, const std::string& request_model,
                    bool streamed) {
  span.SetOutputsJson(llm::EncodeChatResponse(r));
  const std::string& model = r.model.empty() ? request_model : r.model;
  span.SetAttribute("gen_ai.response.model", model);
  span.SetAttribute("mlflow.llm.model", sdk::JsonQuoted(model));
  if (!r.id.empty()) span.SetAttribute("gen_ai.response.id", r.id);
  if (!r.finish_reason.empty())
    span.SetAttribute("gen_ai.response.finish_reasons", std::vector<std::string>{r.finish_reason});
  const model::TokenUsage usage = ToModelUsage(r.usage);
  if (usage.input_tokens) span.SetAttribute("gen_ai.usage.input_tokens", *usage.input_tokens);
  if (usage.output_tokens) span.SetAttribute("gen_ai.usage.output_tokens", *usage.output_tokens);
  if (usage.cached_input_tokens)
    span.SetAttribute("gen_ai.usage.cache_read.input_tokens", *usage.cached_input_tokens);
  if (!usage.empty()) span.SetAttribute("mlflow.chat.tokenUsage", usage.ToMlflowJson());
  if (streamed) span.SetAttribute("gen_ai.request.stream", true);
}

}  // namespace

void SetAutolog(bool enabled) { g_autolog.store(enabled); }
bool AutologEnabled() { return g_autolog.load(std::memory_order_relaxed); }

ChatClientOptions ChatClientOptions::FromEnvironment() {
  ChatClientOptions o;
  if (const char* v = std::getenv("OPENAI_BASE_URL"); v != nullptr && *v != '\0') o.base_url = v;
  if (const char* v = std::getenv("OPENAI_API_KEY"); v != nullptr && *v != '\0') o.api_key = v;
  if (const char* v = std::getenv("OPENAI_MODEL"); v != nullptr && *v != '\0') o.model = v;
  return o;
}

ChatClient::ChatClient(ChatClientOptions options) : options_(std::move(options)) {
  while (!options_.base_url.empty() && options_.base_url.back() == '/') options_.base_url.pop_back();
}

ChatClient::~ChatClient() = default;

Result<ChatResponse> ChatClient::Complete(const ChatRequest& request) const {
  // A client per call keeps this class's layout (and so the shared library's ABI) unchanged,
  // and each call on its own connection, as before.
  llm::CurlHttpClient http;
  const llm::ChatClient client(ToLlmOptions(options_), http);
  const llm::PreparedChat prepared = client.Prepare(request);

  std::optional<Span> span;
  if (options_.autolog && AutologEnabled() && internal::TracingEnabled()) {
    span.emplace("chat " + prepared.model, options_.span_type);
    RecordRequest(*span, options_, request, prepared.model, prepared.body);
  }
  const auto deadline = llm::Deadline::After(SystemClock::Default(), OverallTimeout(options_));
  llm::ChatOutcome o = client.Send(request, prepared, deadline, [&span](std::chrono::nanoseconds) {
    if (span) span->AddEvent("retry");
  });
  const int64_t resends = o.attempts - 1;
  if (o.status.ok()) {
    if (span) {
      RecordResponse(*span, o.response, prepared.model, request.stream);
      if (resends > 0) span->SetAttribute("http.request.resend_count", resends);
    }
    return std::move(o.response);
  }
  if (span) {
    span->SetAttribute("error.type", o.error_type);
    if (o.http_status != 0)
      span->SetAttribute("http.response.status_code", static_cast<int64_t>(o.http_status));
    if (resends > 0) span->SetAttribute("http.request.resend_count", resends);
    span->RecordException(o.error_type, o.status.message());
  }
  return o.status;
}

}  // namespace tracelake
