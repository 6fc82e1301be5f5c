#include "llm/chat_client.h"

#include <optional>
#include <utility>

#include "llm/chat_json.h"
#include "llm/sse_parser.h"

namespace tracelake::llm {
namespace {

// A streamed call's non-SSE body is an error page or a plain answer; more is not kept.
constexpr size_t kMaxStreamedPlainBody = size_t{64} * 1024;

std::string ErrorTypeForStatus(int status) {
  if (status == 400 || status == 422) return "BadRequestError";
  if (status == 401) return "AuthenticationError";
  if (status == 403) return "PermissionDeniedError";
  if (status == 404) return "NotFoundError";
  if (status == 409) return "ConflictError";
  if (status == 429) return "RateLimitError";
  if (status >= 500) return "InternalServerError";
  return "APIStatusError";
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

// The body of one streamed attempt: server-sent events folded into a response, or (when the
// server ignored stream=true or failed) plain bytes. Confine to one thread.
class StreamedBody {
 public:
  explicit StreamedBody(const ChatRequest& request) : request_(request) {}

  void Feed(const HttpResponse& head, std::string_view bytes) {
    if (!decided_) {
      decided_ = true;
      const std::optional<std::string_view> type = head.Header("content-type");
      const bool event_stream = type && type->find("event-stream") != std::string_view::npos;
      as_sse_ = head.status >= 200 && head.status < 300 &&
                (event_stream || (!type && bytes.substr(0, 5) == "data:"));
    }
    if (!as_sse_) {
      if (plain_.size() < kMaxStreamedPlainBody) plain_.append(bytes);
      return;
    }
    sse_.Feed(bytes, [this](std::string_view event) { Event(event); });
  }

  bool as_sse() const { return as_sse_; }
  // Finish found no chunk at all: a cut stream that may go better the next time.
  bool ended_empty() const { return ended_empty_; }
  std::string& plain() { return plain_; }

  // The assembled response, once the transfer ended well.
  Result<ChatResponse> Finish() {
    sse_.Finish([this](std::string_view event) { Event(event); });
    if (!status_.ok()) return status_;
    if (!assembler_.saw_chunk()) {
      ended_empty_ = true;
      return DataLossError("chat completion stream ended without a chunk");
    }
    return std::move(assembler_).Finish();
  }

 private:
  void Event(std::string_view event) {
    if (!status_.ok() || done_) return;
    if (event == "[DONE]") {
      done_ = true;
      return;
    }
    status_ = assembler_.Add(event, request_.on_delta);
  }

  const ChatRequest& request_;
  bool decided_ = false;  // whether the body is SSE is decided on the first bytes
  bool as_sse_ = false;
  std::string plain_;
  SseParser sse_;
  ChatStreamAssembler assembler_;
  Status status_;
  bool done_ = false;  // saw [DONE]
  bool ended_empty_ = false;
};

}  // namespace

ChatClient::ChatClient(ChatClientOptions options, HttpClient& http, const Clock& clock,
                       Sleeper& sleeper, RandomSource& random)
    : options_(std::move(options)),
      http_(http),
      clock_(clock),
      retrier_(options_.retry, clock, sleeper, random) {
  while (!options_.base_url.empty() && options_.base_url.back() == '/')
    options_.base_url.pop_back();
}

PreparedChat ChatClient::Prepare(const ChatRequest& request) const {
  PreparedChat p;
  p.model = request.model.empty() ? options_.model : request.model;
  p.body = EncodeChatRequest(request, p.model);
  return p;
}

ChatOutcome ChatClient::Send(
    const ChatRequest& request, const PreparedChat& prepared, Deadline deadline,
    const std::function<void(std::chrono::nanoseconds)>& before_retry) const {
  HttpHeaders headers = {{"Content-Type", "application/json"},
                         {"Accept", request.stream ? "text/event-stream" : "application/json"}};
  if (!options_.api_key.empty())
    headers.emplace_back("Authorization", "Bearer " + options_.api_key);
  for (const auto& h : options_.headers) headers.push_back(h);
  const std::string url = options_.base_url + "/chat/completions";

  ChatOutcome out;
  auto attempt = [&](int) -> AttemptVerdict {
    HttpRequest http_request(
        url, Deadline::Earlier(deadline, Deadline::After(clock_, options_.attempt_timeout)));
    http_request.headers = headers;
    http_request.body = prepared.body;
    http_request.connect_timeout = options_.connect_timeout;
    http_request.decode_content = true;
    const int64_t started = clock_.NowUnixNanos();
    StreamedBody streamed(request);
    Result<HttpResponse> r =
        request.stream ? http_.PostStreaming(http_request,
                                             [&](const HttpResponse& head, std::string_view bytes) {
                                               streamed.Feed(head, bytes);
                                             })
                       : http_.Post(http_request);
    out.http_status = r.ok() ? r->status : 0;
    if (!r.ok()) {
      if (r.status().code() == StatusCode::kDeadlineExceeded) {
        out.error_type = "APITimeoutError";
        return {DeadlineExceededError("chat completion timed out"), true, std::nullopt};
      }
      out.error_type = "APIConnectionError";
      return {UnavailableError("chat completion transport: " + r.status().message()), true,
              std::nullopt};
    }
    std::string& body = request.stream ? streamed.plain() : r->body;
    if (r->status < 200 || r->status >= 300) {
      const std::string summary = SummarizeApiError(body);
      out.error_type = ErrorTypeForStatus(r->status);
      std::optional<std::chrono::milliseconds> retry_after;
      if (auto value = r->Header("retry-after")) retry_after = ParseRetryAfter(*value);
      return {
          Status(CodeForStatus(r->status), "chat completion: HTTP " + std::to_string(r->status) +
                                               (summary.empty() ? "" : " (" + summary + ")")),
          IsRetryableHttpStatus(r->status), retry_after};
    }
    Result<ChatResponse> parsed = streamed.as_sse() ? streamed.Finish() : ParseChatResponse(body);
    if (!parsed.ok()) {
      out.error_type = streamed.as_sse() ? "APIError" : "APIResponseValidationError";
      return {parsed.status(), streamed.ended_empty(), std::nullopt};
    }
    out.response = std::move(parsed).value();
    if (request.stream && !streamed.as_sse() && request.on_delta &&
        !out.response.message.content.empty())
      request.on_delta(out.response.message.content);
    out.response.latency = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::nanoseconds(clock_.NowUnixNanos() - started));
    out.error_type.clear();
    return {};
  };
  Retrier::Outcome o = retrier_.Run(deadline, attempt, before_retry);
  out.status = std::move(o.status);
  out.attempts = o.attempts;
  out.response.attempts = o.attempts;
  return out;
}

}  // namespace tracelake::llm
