#include "tracelake/tools.h"

#include <nlohmann/json.hpp>

#include "tracelake/span.h"
#include "tracelake/trace.h"

namespace tracelake {
namespace {

// JSON text stays as it is; anything else becomes a JSON string.
std::string AsJson(const std::string& text) {
  return nlohmann::json::accept(text) ? text : ToJson(text);
}

}  // namespace

void ToolRegistry::Register(ToolDefinition definition, Handler handler) {
  for (size_t i = 0; i < definitions_.size(); ++i) {
    if (definitions_[i].name == definition.name) {
      definitions_[i] = std::move(definition);
      handlers_[i] = std::move(handler);
      return;
    }
  }
  definitions_.push_back(std::move(definition));
  handlers_.push_back(std::move(handler));
}

ChatMessage ToolRegistry::Invoke(const ToolCall& call) const {
  Span span(call.name.empty() ? std::string_view("tool") : std::string_view(call.name),
            SpanType::kTool);
  span.SetFunctionName(call.name);
  span.SetAttribute("gen_ai.operation.name", "execute_tool");
  span.SetAttribute("gen_ai.tool.name", call.name);
  span.SetAttribute("gen_ai.tool.call.id", call.id);
  // Arguments are JSON the model wrote; when they are not valid JSON they go as a string.
  if (span.IsRecording()) {
    span.SetInputsJson(call.arguments.empty() ? std::string("{}") : AsJson(call.arguments));
  }
  const Handler* handler = nullptr;
  for (size_t i = 0; i < definitions_.size(); ++i) {
    if (definitions_[i].name == call.name) handler = &handlers_[i];
  }
  if (handler == nullptr) {
    span.SetError("unknown tool");
    return ChatMessage::Tool(call.id, "error: unknown tool '" + call.name + "'");
  }
  Result<std::string> result = [&]() -> Result<std::string> {
    try {
      return (*handler)(call.arguments);
    } catch (...) {
      internal::RecordCurrentException(span);
      throw;
    }
  }();
  if (!result.ok()) {
    span.SetAttribute("error.type", std::string(StatusCodeName(result.status().code())));
    span.SetError(result.status().message());
    return ChatMessage::Tool(call.id, "error: " + result.status().message());
  }
  if (span.IsRecording()) span.SetOutputsJson(AsJson(*result));
  return ChatMessage::Tool(call.id, std::move(result).value());
}

}  // namespace tracelake
