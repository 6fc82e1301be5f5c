// The data of an OpenAI-compatible chat completion: messages, tool calls and definitions, the
// request and the assembled response. Plain values with no behaviour, used by
// tracelake::ChatClient (chat_client.h) and by tracelake's own LLM judges.
//
//   tracelake::ChatRequest req;
//   req.messages = {tracelake::ChatMessage::System("Be brief."), tracelake::ChatMessage::User("Hi")};
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tracelake {

struct ToolCall {
  std::string id;
  std::string name;
  std::string arguments;  // JSON text, as the model wrote it (may be invalid JSON)
};

struct ChatMessage {
  std::string role;  // system, user, assistant, tool
  std::string content;
  std::vector<ToolCall> tool_calls;  // assistant messages
  std::string tool_call_id;          // tool messages

  static ChatMessage System(std::string content) { return {"system", std::move(content), {}, {}}; }
  static ChatMessage User(std::string content) { return {"user", std::move(content), {}, {}}; }
  static ChatMessage Assistant(std::string content) {
    return {"assistant", std::move(content), {}, {}};
  }
  static ChatMessage Tool(std::string tool_call_id, std::string content) {
    return {"tool", std::move(content), {}, std::move(tool_call_id)};
  }
};

struct ToolDefinition {
  std::string name;
  std::string description;
  std::string parameters_json = R"({"type":"object","properties":{}})";  // JSON Schema
};

struct ChatRequest {
  std::string model;  // empty: ChatClientOptions::model
  std::vector<ChatMessage> messages;
  std::vector<ToolDefinition> tools;
  std::string tool_choice;  // "", "auto", "none", "required"
  std::optional<double> temperature;
  std::optional<int64_t> max_tokens;
  // Server-sent events; the response is assembled from the chunks (usage requested with
  // stream_options.include_usage). on_delta sees content as it arrives.
  bool stream = false;
  std::function<void(std::string_view)> on_delta;
};

struct ChatUsage {
  std::optional<int64_t> prompt_tokens;
  std::optional<int64_t> completion_tokens;
  std::optional<int64_t> total_tokens;
  std::optional<int64_t> cached_tokens;  // prompt_tokens_details.cached_tokens
};

struct ChatResponse {
  std::string id;
  std::string model;  // as the server answered (may differ from the requested one)
  ChatMessage message;
  std::string finish_reason;  // stop, tool_calls, length, ...
  ChatUsage usage;
  std::chrono::milliseconds latency{0};  // of the successful attempt
  int attempts = 1;
};

}  // namespace tracelake
