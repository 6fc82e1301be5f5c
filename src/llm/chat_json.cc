#include "llm/chat_json.h"

#include <nlohmann/json.hpp>

namespace tracelake::llm {
namespace {

using Json = nlohmann::json;

Json ParseOrNull(std::string_view text) {
  return Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
}

Json MessageToJson(const ChatMessage& m) {
  Json j = {{"role", m.role}};
  if (!m.content.empty() || m.tool_calls.empty()) j["content"] = m.content;
  else j["content"] = nullptr;
  if (!m.tool_calls.empty()) {
    Json calls = Json::array();
    for (const auto& c : m.tool_calls) {
      calls.push_back({{"id", c.id},
                       {"type", "function"},
                       {"function", {{"name", c.name}, {"arguments", c.arguments}}}});
    }
    j["tool_calls"] = std::move(calls);
  }
  if (!m.tool_call_id.empty()) j["tool_call_id"] = m.tool_call_id;
  return j;
}

Json ToolsToJson(const std::vector<ToolDefinition>& tools) {
  Json out = Json::array();
  for (const auto& t : tools) {
    Json params = ParseOrNull(t.parameters_json);
    if (!params.is_object()) params = Json::object();
    Json fn = {{"name", t.name}, {"parameters", std::move(params)}};
    if (!t.description.empty()) fn["description"] = t.description;
    out.push_back({{"type", "function"}, {"function", std::move(fn)}});
  }
  return out;
}

std::string StringOr(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<int64_t> IntOr(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it != j.end() && it->is_number_integer()) return it->get<int64_t>();
  return std::nullopt;
}

ChatUsage UsageFrom(const Json& usage) {
  ChatUsage u;
  if (!usage.is_object()) return u;
  u.prompt_tokens = IntOr(usage, "prompt_tokens");
  u.completion_tokens = IntOr(usage, "completion_tokens");
  u.total_tokens = IntOr(usage, "total_tokens");
  auto details = usage.find("prompt_tokens_details");
  if (details != usage.end() && details->is_object()) u.cached_tokens = IntOr(*details, "cached_tokens");
  return u;
}

Json UsageToJson(const ChatUsage& u) {
  Json j = Json::object();
  if (u.prompt_tokens) j["prompt_tokens"] = *u.prompt_tokens;
  if (u.completion_tokens) j["completion_tokens"] = *u.completion_tokens;
  if (u.total_tokens) j["total_tokens"] = *u.total_tokens;
  if (u.cached_tokens) j["prompt_tokens_details"] = {{"cached_tokens", *u.cached_tokens}};
  return j;
}

}  // namespace

std::string EncodeToolDefinitions(const std::vector<ToolDefinition>& tools) {
  return ToolsToJson(tools).dump();
}

std::string EncodeChatRequest(const ChatRequest& request, std::string_view model) {
  Json j = {{"model", std::string(model)}};
  Json messages = Json::array();
  for (const auto& m : request.messages) messages.push_back(MessageToJson(m));
  j["messages"] = std::move(messages);
  if (!request.tools.empty()) j["tools"] = ToolsToJson(request.tools);
  if (!request.tool_choice.empty()) j["tool_choice"] = request.tool_choice;
  if (request.temperature) j["temperature"] = *request.temperature;
  if (request.max_tokens) j["max_tokens"] = *request.max_tokens;
  if (request.stream) {
    j["stream"] = true;
    j["stream_options"] = {{"include_usage", true}};
  }
  // Invalid UTF-8 in a prompt must not make the request unsendable.
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Result<ChatResponse> ParseChatResponse(std::string_view body) {
  Json j = ParseOrNull(body);
  if (!j.is_object()) return DataLossError("chat completion answer is not a JSON object");
  auto choices = j.find("choices");
  if (choices == j.end() || !choices->is_array() || choices->empty() || !(*choices)[0].is_object())
    return DataLossError("chat completion answer has no choices");
  ChatResponse r;
  r.id = StringOr(j, "id");
  r.model = StringOr(j, "model");
  const Json& choice = (*choices)[0];
  r.finish_reason = StringOr(choice, "finish_reason");
  auto message = choice.find("message");
  if (message != choice.end() && message->is_object()) {
    r.message.role = StringOr(*message, "role");
    if (r.message.role.empty()) r.message.role = "assistant";
    r.message.content = StringOr(*message, "content");
    auto calls = message->find("tool_calls");
    if (calls != message->end() && calls->is_array()) {
      for (const auto& c : *calls) {
        if (!c.is_object()) continue;
        ToolCall call;
        call.id = StringOr(c, "id");
        auto fn = c.find("function");
        if (fn != c.end() && fn->is_object()) {
          call.name = StringOr(*fn, "name");
          auto args = fn->find("arguments");
          if (args != fn->end()) call.arguments = args->is_string() ? args->get<std::string>() : args->dump();
        }
        r.message.tool_calls.push_back(std::move(call));
      }
    }
  }
  auto usage = j.find("usage");
  if (usage != j.end()) r.usage = UsageFrom(*usage);
  return r;
}

std::string EncodeChatResponse(const ChatResponse& r) {
  Json message = MessageToJson(r.message);
  Json j = {{"id", r.id},
            {"object", "chat.completion"},
            {"model", r.model},
            {"choices", Json::array({{{"index", 0},
                                      {"message", std::move(message)},
                                      {"finish_reason", r.finish_reason}}})}};
  Json usage = UsageToJson(r.usage);
  if (!usage.empty()) j["usage"] = std::move(usage);
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string SummarizeApiError(std::string_view body) {
  Json j = ParseOrNull(body);
  if (!j.is_object()) return "";
  auto err = j.find("error");
  if (err == j.end()) return "";
  std::string out;
  if (err->is_object()) {
    std::string kind = StringOr(*err, "type");
    auto code = err->find("code");
    if (code != err->end() && code->is_string()) kind += (kind.empty() ? "" : "/") + code->get<std::string>();
    out = kind.empty() ? StringOr(*err, "message") : kind + ": " + StringOr(*err, "message");
  } else if (err->is_string()) {
    out = err->get<std::string>();  // Ollama and some gateways: {"error": "text"}
  }
  if (out.size() > 200) out.resize(200);
  return out;
}

Status ChatStreamAssembler::Add(std::string_view chunk_json,
                                const std::function<void(std::string_view)>& on_delta) {
  Json j = ParseOrNull(chunk_json);
  if (!j.is_object()) return DataLossError("stream chunk is not a JSON object");
  if (j.contains("error")) {
    const std::string summary = SummarizeApiError(chunk_json);
    return UnavailableError("error in stream: " + summary);
  }
  ++chunks_;
  if (std::string id = StringOr(j, "id"); !id.empty()) response_.id = id;
  if (std::string model = StringOr(j, "model"); !model.empty()) response_.model = model;
  auto usage = j.find("usage");
  if (usage != j.end() && usage->is_object()) response_.usage = UsageFrom(*usage);
  auto choices = j.find("choices");
  if (choices == j.end() || !choices->is_array()) return OkStatus();
  for (const auto& choice : *choices) {
    if (!choice.is_object()) continue;
    if (std::string fr = StringOr(choice, "finish_reason"); !fr.empty()) response_.finish_reason = fr;
    auto delta = choice.find("delta");
    if (delta == choice.end() || !delta->is_object()) continue;
    if (std::string role = StringOr(*delta, "role"); !role.empty()) response_.message.role = role;
    if (std::string content = StringOr(*delta, "content"); !content.empty()) {
      response_.message.content += content;
      if (on_delta) on_delta(content);
    }
    auto calls = delta->find("tool_calls");
    if (calls == delta->end() || !calls->is_array()) continue;
    for (const auto& c : *calls) {
      if (!c.is_object()) continue;
      auto index = IntOr(c, "index");
      size_t i = index && *index >= 0 ? static_cast<size_t>(*index) : response_.message.tool_calls.size();
      if (i > 1024) continue;  // a hostile index must not allocate
      if (response_.message.tool_calls.size() <= i) response_.message.tool_calls.resize(i + 1);
      ToolCall& call = response_.message.tool_calls[i];
      if (std::string id = StringOr(c, "id"); !id.empty()) call.id = id;
      auto fn = c.find("function");
      if (fn != c.end() && fn->is_object()) {
        if (std::string name = StringOr(*fn, "name"); !name.empty()) call.name += name;
        call.arguments += StringOr(*fn, "arguments");
      }
    }
  }
  return OkStatus();
}

ChatResponse ChatStreamAssembler::Finish() && {
  if (response_.message.role.empty()) response_.message.role = "assistant";
  return std::move(response_);
}

}  // namespace tracelake::llm
