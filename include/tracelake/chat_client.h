// ChatClient: the OpenAI-compatible chat completions API (OpenAI, vLLM, llama.cpp server,
// Ollama, most gateways) over libcurl, with timeouts, retries, streaming and tool calls, and
// automatic LLM spans: the C++ counterpart of mlflow.openai.autolog().
//
//   tracelake::ChatClient client(tracelake::ChatClientOptions::FromEnvironment());
//   tracelake::ChatRequest req;
//   req.messages = {tracelake::ChatMessage::User("Hello")};
//   tracelake::Result<tracelake::ChatResponse> r = client.Complete(req);
//   if (r.ok()) std::cout << r->message.content;
//
// Each Complete() records one CHAT_MODEL span (child of the current span) with the request as
// mlflow.spanInputs, the response as mlflow.spanOutputs, model, tool calls, token usage (with
// cached tokens), finish reason, retries and errors, under both MLflow's attributes
// (mlflow.chat.tokenUsage, mlflow.llm.model, mlflow.chat.tools) and the OTel GenAI semantic
// conventions (gen_ai.*). With autolog off the client works the same and records nothing.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tracelake/chat_types.h"  // IWYU pragma: export
#include "tracelake/span_type.h"
#include "tracelake/status.h"

namespace tracelake {

struct ChatClientOptions {
  std::string base_url = "https://api.openai.com/v1";  // POSTs <base_url>/chat/completions
  std::string api_key;                                 // Authorization: Bearer, when set
  std::string model = "gpt-4o-mini";
  std::chrono::milliseconds timeout{60000};  // per attempt, whole response
  std::chrono::milliseconds connect_timeout{10000};
  // Retries of 408/409/429/5xx answers and connection failures or timeouts, waiting
  // initial_backoff doubling up to max_backoff (each less a random part of up to a fifth, so
  // clients do not retry in step), or what Retry-After says (capped at max_backoff).
  int max_retries = 2;
  std::chrono::milliseconds initial_backoff{500};
  std::chrono::milliseconds max_backoff{8000};
  std::vector<std::pair<std::string, std::string>> headers;
  bool autolog = true;  // LLM spans from this client (also needs the global switch on)
  SpanType span_type = SpanType::kChatModel;

  // OPENAI_BASE_URL, OPENAI_API_KEY, OPENAI_MODEL over the defaults above.
  static ChatClientOptions FromEnvironment();
};

// Process-wide autolog switch (default on), like mlflow.openai.autolog(disable=True).
void SetAutolog(bool enabled);
bool AutologEnabled();

// Safe for concurrent use: each call uses its own connection.
class ChatClient {
 public:
  explicit ChatClient(ChatClientOptions options);
  ~ChatClient();
  ChatClient(const ChatClient&) = delete;
  ChatClient& operator=(const ChatClient&) = delete;

  // Errors (after retries): kUnavailable (connection failed, 5xx), kDeadlineExceeded
  // (timeout), kResourceExhausted (429), kUnauthenticated (401), kPermissionDenied (403),
  // kNotFound (404), kInvalidArgument (other 4xx), kDataLoss (unparseable answer). Messages
  // carry the HTTP status and the server's error type, never prompt text.
  Result<ChatResponse> Complete(const ChatRequest& request) const;

  const ChatClientOptions& options() const { return options_; }

 private:
  ChatClientOptions options_;
};

}  // namespace tracelake
