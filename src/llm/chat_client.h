// llm::ChatClient: one chat completion against an OpenAI-compatible endpoint: request JSON,
// HTTP with a deadline on every attempt, retries with backoff, the answer parsed (or assembled
// from server-sent events). No spans, no globals: the SDK's tracelake::ChatClient adds those,
// and the evaluation judges use this directly without linking the SDK.
//
//   llm::CurlHttpClient http;
//   llm::ChatClient client(options, http);
//   llm::ChatOutcome o = client.Complete(request, llm::Deadline::After(clock, 2min));
//   if (o.status.ok()) Use(o.response.message.content);
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "common/clock.h"
#include "llm/deadline.h"
#include "llm/http_client.h"
#include "llm/retry.h"
#include "tracelake/chat_types.h"
#include "tracelake/status.h"

namespace tracelake::llm {

struct ChatClientOptions {
  std::string base_url;  // POSTs <base_url>/chat/completions; trailing '/' ignored
  std::string api_key;   // Authorization: Bearer, when set
  std::string model;     // when the request names none
  std::chrono::milliseconds attempt_timeout{60000};  // per attempt, whole response
  std::chrono::milliseconds connect_timeout{10000};
  RetryPolicy retry;
  HttpHeaders headers;  // on every request
};

// The request as sent: the model chosen and the JSON body (the SDK records it on its span).
struct PreparedChat {
  std::string model;
  std::string body;
};

struct ChatOutcome {
  Status status;
  ChatResponse response;  // when status is OK; latency and attempts filled in
  int attempts = 0;
  int http_status = 0;     // of the last attempt; 0 when no answer arrived
  std::string error_type;  // on failure, the openai Python SDK's exception name
};

// Safe for concurrent use when the HttpClient, Clock, Sleeper and RandomSource are (the
// defaults are).
class ChatClient {
 public:
  // All borrowed; must outlive the client.
  ChatClient(ChatClientOptions options, HttpClient& http,
             const Clock& clock = SystemClock::Default(), Sleeper& sleeper = RealSleeper::Default(),
             RandomSource& random = DefaultRandomSource::Default());

  PreparedChat Prepare(const ChatRequest& request) const;

  // Each attempt ends at attempt_timeout or the deadline, whichever is first; no retry starts
  // whose wait would reach the deadline. before_retry sees each wait before it is slept.
  // Errors: kUnavailable (connection failed, 5xx), kDeadlineExceeded (timeout, 408),
  // kResourceExhausted (429), kUnauthenticated (401), kPermissionDenied (403), kNotFound (404),
  // kInvalidArgument (other 4xx), kDataLoss (unparseable answer). Messages carry the HTTP
  // status and the server's error type, never prompt text.
  ChatOutcome Send(const ChatRequest& request, const PreparedChat& prepared, Deadline deadline,
                   const std::function<void(std::chrono::nanoseconds)>& before_retry = {}) const;
  ChatOutcome Complete(const ChatRequest& request, Deadline deadline) const {
    return Send(request, Prepare(request), deadline);
  }

  const ChatClientOptions& options() const { return options_; }

 private:
  ChatClientOptions options_;
  HttpClient& http_;
  const Clock& clock_;
  Retrier retrier_;
};

}  // namespace tracelake::llm
