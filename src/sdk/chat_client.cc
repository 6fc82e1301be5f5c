// ChatClient: transport (libcurl), retries, streaming, and the autologged LLM span.
#include "tracelake/chat_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <thread>

#include "model/span.h"
#include "sdk/chat_json.h"
#include "sdk/otlp_http_exporter.h"
#include "sdk/span_convert.h"
#include "sdk/sse_parser.h"
#include "tracelake/span.h"

namespace tracelake {
namespace {

std::atomic<bool> g_autolog{true};

constexpr size_t kMaxErrorBody = 64 * 1024;

struct Attempt {
  Status status;
  ChatResponse response;
  long http_status = 0;
  bool retryable = false;
  std::optional<std::chrono::milliseconds> retry_after;
  std::string error_type;  // the openai Python SDK's exception names, for error.type
};

// State of one transfer, shared with the curl callbacks.
struct Transfer {
  CURL* curl = nullptr;
  bool stream = false;
  bool decided = false;   // whether the body is SSE was decided on the first bytes
  bool as_sse = false;
  std::string body;       // non-SSE body (capped for errors)
  sdk::SseParser sse;
  sdk::ChatStreamAssembler assembler;
  Status stream_status;
  bool done = false;      // saw [DONE]
  std::optional<std::chrono::milliseconds> retry_after;
  const std::function<void(std::string_view)>* on_delta = nullptr;
  std::optional<std::chrono::steady_clock::time_point> first_byte;
};

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * n);
  if (line.size() > 12) {
    std::string lower(line.substr(0, 12));
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "retry-after:") t->retry_after = sdk::ParseRetryAfter(line.substr(12));
  }
  return size * n;
}

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::string_view bytes(data, size * n);
  if (!t->first_byte) t->first_byte = std::chrono::steady_clock::now();
  if (!t->decided) {
    t->decided = true;
    long status = 0;
    curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
    char* type = nullptr;
    curl_easy_getinfo(t->curl, CURLINFO_CONTENT_TYPE, &type);
    const bool event_stream = type != nullptr && std::string_view(type).find("event-stream") !=
                                                     std::string_view::npos;
    // Some servers ignore stream=true and answer plain JSON; read whatever came.
    t->as_sse = t->stream && status >= 200 && status < 300 &&
                (event_stream || (type == nullptr && bytes.substr(0, 5) == "data:"));
  }
  if (!t->as_sse) {
    if (t->body.size() < (t->stream ? kMaxErrorBody : 256 * 1024 * 1024)) t->body.append(bytes);
    return size * n;
  }
  t->sse.Feed(bytes, [t](std::string_view event) {
    if (!t->stream_status.ok() || t->done) return;
    if (event == "[DONE]") {
      t->done = true;
      return;
    }
    t->stream_status = t->assembler.Add(event, t->on_delta ? *t->on_delta : nullptr);
  });
  return size * n;
}

std::string ErrorTypeForStatus(long status) {
  if (status == 400 || status == 422) return "BadRequestError";
  if (status == 401) return "AuthenticationError";
  if (status == 403) return "PermissionDeniedError";
  if (status == 404) return "NotFoundError";
  if (status == 409) return "ConflictError";
  if (status == 429) return "RateLimitError";
  if (status >= 500) return "InternalServerError";
  return "APIStatusError";
}

StatusCode CodeForStatus(long status) {
  if (status == 401) return StatusCode::kUnauthenticated;
  if (status == 403) return StatusCode::kPermissionDenied;
  if (status == 404) return StatusCode::kNotFound;
  if (status == 429) return StatusCode::kResourceExhausted;
  if (status == 408) return StatusCode::kDeadlineExceeded;
  if (status >= 500) return StatusCode::kUnavailable;
  return StatusCode::kInvalidArgument;
}

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

Attempt RunAttempt(const ChatClientOptions& options, const std::string& url,
                   const std::string& body, const ChatRequest& request) {
  Attempt a;
  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    a.status = InternalError("curl_easy_init failed");
    return a;
  }
  Transfer t;
  t.curl = curl;
  t.stream = request.stream;
  t.on_delta = &request.on_delta;
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Content-Type: application/json");
  headers = curl_slist_append(headers, request.stream ? "Accept: text/event-stream" : "Accept: application/json");
  headers = curl_slist_append(headers, "Expect:");
  std::string auth;
  if (!options.api_key.empty()) {
    auth = "Authorization: Bearer " + options.api_key;
    headers = curl_slist_append(headers, auth.c_str());
  }
  std::vector<std::string> extra;
  for (const auto& [k, v] : options.headers) {
    extra.push_back(k + ": " + v);
    headers = curl_slist_append(headers, extra.back().c_str());
  }
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<int64_t>(options.timeout.count(), 1)));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::max<int64_t>(options.connect_timeout.count(), 1)));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");  // whatever curl can decode
  const CURLcode rc = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &a.http_status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  a.retry_after = t.retry_after;

  if (rc == CURLE_OPERATION_TIMEDOUT) {
    a.status = DeadlineExceededError("chat completion timed out");
    a.retryable = true;
    a.error_type = "APITimeoutError";
    return a;
  }
  if (rc != CURLE_OK) {
    a.status = UnavailableError(std::string("chat completion transport: ") + curl_easy_strerror(rc));
    a.retryable = true;
    a.error_type = "APIConnectionError";
    return a;
  }
  if (a.http_status < 200 || a.http_status >= 300) {
    std::string summary = sdk::SummarizeApiError(t.body);
    a.status = Status(CodeForStatus(a.http_status),
                      "chat completion: HTTP " + std::to_string(a.http_status) +
                          (summary.empty() ? "" : " (" + summary + ")"));
    a.retryable = a.http_status == 408 || a.http_status == 409 || a.http_status == 429 ||
                  a.http_status >= 500;
    a.error_type = ErrorTypeForStatus(a.http_status);
    return a;
  }
  if (t.as_sse) {
    t.sse.Finish([&t](std::string_view event) {
      if (t.stream_status.ok() && !t.done && event != "[DONE]")
        t.stream_status = t.assembler.Add(event, t.on_delta ? *t.on_delta : nullptr);
    });
    if (!t.stream_status.ok()) {
      a.status = t.stream_status;
      a.error_type = "APIError";
      return a;
    }
    if (!t.assembler.saw_chunk()) {
      a.status = DataLossError("chat completion stream ended without a chunk");
      a.error_type = "APIError";
      a.retryable = true;
      return a;
    }
    a.response = std::move(t.assembler).Finish();
    return a;
  }
  Result<ChatResponse> parsed = sdk::ParseChatResponse(t.body);
  if (!parsed.ok()) {
    a.status = parsed.status();
    a.error_type = "APIResponseValidationError";
    return a;
  }
  a.response = std::move(parsed).value();
  if (request.stream && request.on_delta && !a.response.message.content.empty())
    request.on_delta(a.response.message.content);
  return a;
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
  if (!request.tools.empty()) span.SetAttribute("mlflow.chat.tools", sdk::EncodeToolDefinitions(request.tools));
}

void RecordResponse(Span& span, const ChatResponse& r, const std::string& request_model,
                    bool streamed) {
  span.SetOutputsJson(sdk::EncodeChatResponse(r));
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
  GlobalInitOnce();
}

ChatClient::~ChatClient() = default;

Result<ChatResponse> ChatClient::Complete(const ChatRequest& request) const {
  const std::string model = request.model.empty() ? options_.model : request.model;
  const std::string url = options_.base_url + "/chat/completions";
  const std::string body = sdk::EncodeChatRequest(request, model);

  std::optional<Span> span;
  if (options_.autolog && AutologEnabled() && internal::TracingEnabled()) {
    span.emplace("chat " + model, options_.span_type);
    RecordRequest(*span, options_, request, model, body);
  }

  std::chrono::milliseconds backoff = options_.initial_backoff;
  for (int attempt = 0;; ++attempt) {
    const auto started = std::chrono::steady_clock::now();
    Attempt a = RunAttempt(options_, url, body, request);
    if (a.status.ok()) {
      a.response.latency = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - started);
      a.response.attempts = attempt + 1;
      if (span) {
        RecordResponse(*span, a.response, model, request.stream);
        if (attempt > 0) span->SetAttribute("http.request.resend_count", static_cast<int64_t>(attempt));
      }
      return std::move(a.response);
    }
    if (!a.retryable || attempt >= options_.max_retries) {
      if (span) {
        span->SetAttribute("error.type", a.error_type);
        if (a.http_status != 0) span->SetAttribute("http.response.status_code", static_cast<int64_t>(a.http_status));
        if (attempt > 0) span->SetAttribute("http.request.resend_count", static_cast<int64_t>(attempt));
        span->RecordException(a.error_type, a.status.message());
      }
      return a.status;
    }
    std::chrono::milliseconds wait = backoff;
    if (a.retry_after) wait = std::min(*a.retry_after, options_.max_backoff);
    backoff = std::min(backoff * 2, options_.max_backoff);
    if (span) span->AddEvent("retry");
    std::this_thread::sleep_for(wait);
  }
}

}  // namespace tracelake
