// StandinServer: a small local OpenAI-compatible chat completions server with scripted
// answers, for the support_agent demo and the SDK's tests. Not a model: it answers by
// conversation state.
//
// Built-in script (no --script): when the request offers a tool named genie_query and no tool
// result follows the last user message, the answer is three genie_query tool calls (sales per
// region); else, when the conversation holds tool results, a summary of the latest batch;
// otherwise it echoes the last user message ("You said: ...").
// With a script file (a JSON array of replies, each {"content": "..."} or
// {"tool_calls": [{"name": "...", "arguments": {...}}]}), reply N answers the request that
// already holds N assistant messages (the last reply repeats).
//
// Supports stream=true (SSE chunks, tool call deltas, usage with stream_options.include_usage),
// usage with cached tokens, an optional API key, and injected failures and delays.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "tracelake/status.h"

namespace httplib {
class Server;
}

namespace tracelake::examples {

struct StandinOptions {
  std::string host = "127.0.0.1";
  int port = 0;              // 0: any free port
  std::string api_key;       // when set, requests need "Authorization: Bearer <key>"
  std::string script_json;   // JSON array of replies; empty: the built-in script
  std::string model_suffix;  // answered model = requested model + suffix ("-2024-07-18")
  // Failure injection: the next fail_next requests get fail_status (with Retry-After when
  // retry_after_s >= 0); every request waits delay_ms before answering.
  int fail_next = 0;
  int fail_status = 503;
  int retry_after_s = -1;
  int delay_ms = 0;
};

// Safe for concurrent use.
class StandinServer {
 public:
  // Binds and serves on a background thread. kUnavailable when the port cannot be bound;
  // kInvalidArgument for a script that is not a JSON array.
  static Result<std::unique_ptr<StandinServer>> Start(StandinOptions options);
  ~StandinServer();  // stops

  int port() const { return port_; }
  std::string base_url() const;  // http://host:port/v1
  void Stop();
  // Blocks until Stop() is called from another thread (or a signal handler's thread).
  void Wait();

  void FailNext(int n, int status, int retry_after_s = -1);
  void SetDelayMs(int ms);
  int requests() const { return requests_.load(); }
  std::string last_request_body() const;

 private:
  StandinServer() = default;
  void Handle(const std::string& body, const std::string& auth, int& status,
              std::string& content_type, std::string& out, std::string& retry_after,
              bool& stream);

  StandinOptions options_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<int> requests_{0};
  mutable std::mutex mu_;
  std::string last_body_;  // GUARDED_BY(mu_)
  int fail_next_ = 0;      // GUARDED_BY(mu_)
  int fail_status_ = 503;  // GUARDED_BY(mu_)
  int retry_after_s_ = -1; // GUARDED_BY(mu_)
  int delay_ms_ = 0;       // GUARDED_BY(mu_)
  int64_t next_id_ = 1;    // GUARDED_BY(mu_)
};

}  // namespace tracelake::examples
