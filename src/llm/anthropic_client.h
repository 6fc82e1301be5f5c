// llm::AnthropicClient: one message against Anthropic's Messages API (POST <base>/v1/messages,
// `x-api-key` and `anthropic-version` headers), with a deadline on every attempt and retries
// with backoff that honour 429 / 529 and Retry-After. It speaks the same ChatRequest /
// ChatOutcome as llm::ChatClient, so callers (the evaluation judges) switch providers without
// caring: system messages become the request's "system" field, stop_reason "max_tokens"
// becomes finish_reason "length", "end_turn" / "stop_sequence" become "stop", and "refusal"
// stays "refusal". Streaming and tools are not supported (kInvalidArgument).
//
//   llm::AnthropicClient client({.base_url = "https://api.anthropic.com", .api_key = key}, http);
//   llm::ChatOutcome o = client.Complete(request, llm::Deadline::After(clock, 2min));
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "llm/chat_client.h"
#include "llm/deadline.h"
#include "llm/http_client.h"
#include "llm/retry.h"
#include "tracelake/chat_types.h"
#include "tracelake/status.h"

namespace tracelake::llm {

struct AnthropicClientOptions {
  std::string base_url = "https://api.anthropic.com";  // POSTs <base_url>/v1/messages
  std::string api_key;                                 // x-api-key, when set
  std::string model;                                   // when the request names none
  std::string anthropic_version = "2023-06-01";
  int64_t default_max_tokens = 1024;  // the API requires max_tokens
  std::chrono::milliseconds attempt_timeout{60000};
  std::chrono::milliseconds connect_timeout{10000};
  RetryPolicy retry;
  HttpHeaders headers;  // on every request
};

// The Messages API request body for `request` (exposed for tests).
std::string EncodeAnthropicRequest(const ChatRequest& request, std::string_view model,
                                   int64_t default_max_tokens);
// A Messages API answer as a ChatResponse (text blocks joined). kDataLoss when it is not one.
Result<ChatResponse> ParseAnthropicResponse(std::string_view body);

// Safe for concurrent use when the HttpClient, Clock, Sleeper and RandomSource are.
class AnthropicClient {
 public:
  // All borrowed; must outlive the client.
  AnthropicClient(AnthropicClientOptions options, HttpClient& http,
                  const Clock& clock = SystemClock::Default(),
                  Sleeper& sleeper = RealSleeper::Default(),
                  RandomSource& random = DefaultRandomSource::Default());

  // Errors as ChatClient::Send (kResourceExhausted for 429, kUnavailable for 5xx / 529 and
  // transport failures, kDeadlineExceeded, kUnauthenticated, kDataLoss for an unparseable
  // answer); messages carry the HTTP status and the error type, never prompt text.
  ChatOutcome Complete(const ChatRequest& request, Deadline deadline) const;

  const AnthropicClientOptions& options() const { return options_; }

 private:
  AnthropicClientOptions options_;
  HttpClient& http_;
  const Clock& clock_;
  Retrier retrier_;
};

}  // namespace tracelake::llm
