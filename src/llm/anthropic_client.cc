#include "llm/anthropic_client.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

namespace tracelake::llm {
namespace {

using Json = nlohmann::json;

std::string StringOr(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<int64_t> IntOr(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int64_t>();
}

StatusCode CodeForStatus(int status) {
  if (status == 401) return StatusCode::kUnauthenticated;
  if (status == 403) return StatusCode::kPermissionDenied;
  if (status == 404) return StatusCode::kNotFound;
  if (status == 429) return StatusCode::kResourceExhausted;
  if (status == 408) return StatusCode::kDeadlineExceeded;
  if (status >= 500) return StatusCode::kUnavailable;
  return StatusCode::kInvalidArgument;
}

// Anthropic's error body: {"type":"error","error":{"type":"rate_limit_error","message":"..."}}.
std::string SummarizeError(std::string_view body) {
  Json j = Json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return "";
  auto err = j.find("error");
  if (err == j.end() || !err->is_object()) return "";
  std::string out = StringOr(*err, "type");
  if (out.size() > 200) out.resize(200);
  return out;
}

std::string FinishReason(std::string_view stop_reason) {
  if (stop_reason == "max_tokens") return "length";
  if (stop_reason == "end_turn" || stop_reason == "stop_sequence") return "stop";
  if (stop_reason == "tool_use") return "tool_calls";
  return std::string(stop_reason);
}

}  // namespace

std::string EncodeAnthropicRequest(const ChatRequest& request, std::string_view model,
                                   int64_t default_max_tokens) {
  Json body = {{"model", model}, {"max_tokens", request.max_tokens.value_or(default_max_tokens)}};
  std::string system;
  Json messages = Json::array();
  for (const ChatMessage& m : request.messages) {
    if (m.role == "system") {
      system += (system.empty() ? "" : "\n\n") + m.content;
      continue;
    }
    messages.push_back(
        {{"role", m.role == "assistant" ? "assistant" : "user"}, {"content", m.content}});
  }
  if (!system.empty()) body["system"] = system;
  body["messages"] = std::move(messages);
  if (request.temperature) body["temperature"] = *request.temperature;
  return body.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Result<ChatResponse> ParseAnthropicResponse(std::string_view body) {
  Json j = Json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return DataLossError("anthropic answer is not a JSON object");
  auto content = j.find("content");
  if (content == j.end() || !content->is_array())
    return DataLossError("anthropic answer has no content array");
  ChatResponse r;
  r.id = StringOr(j, "id");
  r.model = StringOr(j, "model");
  r.message.role = "assistant";
  for (const Json& block : *content) {
    if (block.is_object() && StringOr(block, "type") == "text")
      r.message.content += StringOr(block, "text");
  }
  r.finish_reason = FinishReason(StringOr(j, "stop_reason"));
  auto usage = j.find("usage");
  if (usage != j.end() && usage->is_object()) {
    r.usage.prompt_tokens = IntOr(*usage, "input_tokens");
    r.usage.completion_tokens = IntOr(*usage, "output_tokens");
    r.usage.cached_tokens = IntOr(*usage, "cache_read_input_tokens");
    if (r.usage.prompt_tokens && r.usage.completion_tokens)
      r.usage.total_tokens = *r.usage.prompt_tokens + *r.usage.completion_tokens;
  }
  return r;
}

AnthropicClient::AnthropicClient(AnthropicClientOptions options, HttpClient& http,
                                 const Clock& clock, Sleeper& sleeper, RandomSource& random)
    : options_(std::move(options)),
      http_(http),
      clock_(clock),
      retrier_(options_.retry, clock, sleeper, random) {
  while (!options_.base_url.empty() && options_.base_url.back() == '/')
    options_.base_url.pop_back();
}

ChatOutcome AnthropicClient::Complete(const ChatRequest& request, Deadline deadline) const {
  ChatOutcome out;
  if (request.stream || !request.tools.empty()) {
    out.status = InvalidArgumentError("anthropic client: streaming and tools are not supported");
    return out;
  }
  const std::string model = request.model.empty() ? options_.model : request.model;
  const std::string body = EncodeAnthropicRequest(request, model, options_.default_max_tokens);
  HttpHeaders headers = {{"Content-Type", "application/json"},
                         {"anthropic-version", options_.anthropic_version}};
  if (!options_.api_key.empty()) headers.emplace_back("x-api-key", options_.api_key);
  for (const auto& h : options_.headers) headers.push_back(h);
  const std::string url = options_.base_url + "/v1/messages";

  auto attempt = [&](int) -> AttemptVerdict {
    HttpRequest http_request(
        url, Deadline::Earlier(deadline, Deadline::After(clock_, options_.attempt_timeout)));
    http_request.headers = headers;
    http_request.body = body;
    http_request.connect_timeout = options_.connect_timeout;
    http_request.decode_content = true;
    const int64_t started = clock_.NowUnixNanos();
    Result<HttpResponse> r = http_.Post(http_request);
    out.http_status = r.ok() ? r->status : 0;
    if (!r.ok()) {
      if (r.status().code() == StatusCode::kDeadlineExceeded) {
        out.error_type = "APITimeoutError";
        return {DeadlineExceededError("anthropic message timed out"), true, std::nullopt};
      }
      out.error_type = "APIConnectionError";
      return {UnavailableError("anthropic transport: " + r.status().message()), true, std::nullopt};
    }
    if (r->status < 200 || r->status >= 300) {
      const std::string summary = SummarizeError(r->body);
      out.error_type = summary.empty() ? "APIStatusError" : summary;
      std::optional<std::chrono::milliseconds> retry_after;
      if (auto value = r->Header("retry-after")) retry_after = ParseRetryAfter(*value);
      // 529 is Anthropic's "overloaded": retryable like a 5xx.
      return {
          Status(CodeForStatus(r->status), "anthropic message: HTTP " + std::to_string(r->status) +
                                               (summary.empty() ? "" : " (" + summary + ")")),
          IsRetryableHttpStatus(r->status), retry_after};
    }
    Result<ChatResponse> parsed = ParseAnthropicResponse(r->body);
    if (!parsed.ok()) {
      out.error_type = "APIResponseValidationError";
      return {parsed.status(), false, std::nullopt};
    }
    out.response = std::move(parsed).value();
    out.response.latency = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::nanoseconds(clock_.NowUnixNanos() - started));
    out.error_type.clear();
    return {};
  };
  Retrier::Outcome o = retrier_.Run(deadline, attempt);
  out.status = std::move(o.status);
  out.attempts = o.attempts;
  out.response.attempts = o.attempts;
  return out;
}

}  // namespace tracelake::llm
