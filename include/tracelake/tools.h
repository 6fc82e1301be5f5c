// ToolRegistry: tools an agent offers the model, each call recorded as a TOOL span.
//
//   tracelake::ToolRegistry tools;
//   tools.Register({"genie_query", "Runs a read-only SQL query", R"({"type":"object",...})"},
//                  [&](std::string_view args) -> tracelake::Result<std::string> { ... });
//   request.tools = tools.definitions();
//   for (const auto& call : response.message.tool_calls)
//     messages.push_back(tools.Invoke(call));
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "tracelake/chat_client.h"
#include "tracelake/status.h"

namespace tracelake {

// Register before use; Invoke is then safe for concurrent use (handlers must be too).
class ToolRegistry {
 public:
  // Gets the call's arguments (JSON text); returns the tool's result (text, often JSON).
  using Handler = std::function<Result<std::string>(std::string_view arguments_json)>;

  void Register(ToolDefinition definition, Handler handler);
  const std::vector<ToolDefinition>& definitions() const { return definitions_; }

  // Runs the call inside a TOOL span (inputs: the arguments, outputs: the result) and returns
  // the tool message to append to the conversation. An unknown tool or a handler error yields
  // a tool message saying so (the model may recover) and an ERROR span. Exceptions from a
  // handler are recorded on the span and rethrown.
  ChatMessage Invoke(const ToolCall& call) const;

 private:
  std::vector<ToolDefinition> definitions_;
  std::vector<Handler> handlers_;
};

}  // namespace tracelake
