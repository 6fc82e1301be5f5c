#include "eval/agent_client.h"

#include <string_view>
#include <utility>
#include <vector>

namespace tracelake::eval {
namespace {

using Json = nlohmann::json;

constexpr size_t kErrorBodyPrefix = 300;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The variables a template uses, in order, or the first problem with them.
Result<std::vector<std::string>> TemplateVariables(const std::string& tmpl) {
  std::vector<std::string> vars;
  size_t pos = 0;
  while ((pos = tmpl.find("{{", pos)) != std::string::npos) {
    const size_t end = tmpl.find("}}", pos + 2);
    if (end == std::string::npos)
      return InvalidArgumentError("request template: '{{' at offset " + std::to_string(pos) +
                                  " is never closed with '}}'");
    std::string name(Trim(std::string_view(tmpl).substr(pos + 2, end - pos - 2)));
    if (name != "inputs" && (name.rfind("inputs.", 0) != 0 || name.size() == 7))
      return InvalidArgumentError("request template: unknown variable '{{ " + name +
                                  " }}'; use {{ inputs }} or {{ inputs.<key> }}");
    vars.push_back(std::move(name));
    pos = end + 2;
  }
  return vars;
}

Result<Json::json_pointer> ParsePointer(const std::string& pointer) {
  try {
    return Json::json_pointer(pointer);
  } catch (const Json::exception& e) {
    return InvalidArgumentError("output pointer '" + pointer +
                                "' is not a JSON pointer (RFC 6901, e.g. /answer): " + e.what());
  }
}

std::string Prefix(const std::string& body) {
  if (body.size() <= kErrorBodyPrefix) return body;
  return body.substr(0, kErrorBodyPrefix) + "...";
}

}  // namespace

std::string TraceParent(const TraceId& trace_id, const SpanId& parent_span_id) {
  return "00-" + trace_id.Hex() + "-" + parent_span_id.Hex() + "-01";
}

Json ChatMessagesFor(const Json& inputs) {
  if (inputs.is_object()) {
    auto m = inputs.find("messages");
    if (m != inputs.end() && m->is_array() && !m->empty()) {
      bool all_messages = true;
      for (const Json& msg : *m)
        all_messages =
            all_messages && msg.is_object() && msg.contains("role") && msg.contains("content");
      if (all_messages) return *m;
    }
    if (inputs.size() == 1 && inputs.begin()->is_string())
      return Json::array({{{"role", "user"}, {"content", inputs.begin()->get<std::string>()}}});
  }
  if (inputs.is_string()) return Json::array({{{"role", "user"}, {"content", inputs}}});
  return Json::array({{{"role", "user"}, {"content", inputs.dump()}}});
}

Result<std::string> RenderRequestTemplate(const std::string& tmpl, const Json& inputs) {
  if (tmpl.empty()) return inputs.dump();
  RETURN_IF_ERROR(TemplateVariables(tmpl).status());
  std::string out;
  out.reserve(tmpl.size() + 64);
  size_t pos = 0;
  for (;;) {
    const size_t open = tmpl.find("{{", pos);
    if (open == std::string::npos) break;
    const size_t close = tmpl.find("}}", open + 2);
    out.append(tmpl, pos, open - pos);
    const std::string name(Trim(std::string_view(tmpl).substr(open + 2, close - open - 2)));
    if (name == "inputs") {
      out += inputs.dump();
    } else {
      const std::string key = name.substr(7);
      if (!inputs.is_object() || !inputs.contains(key))
        return InvalidArgumentError("the record's inputs have no key '" + key +
                                    "' that the request template uses");
      out += inputs[key].dump();
    }
    pos = close + 2;
  }
  out.append(tmpl, pos, std::string::npos);
  if (!Json::accept(out))
    return InvalidArgumentError("the request template does not render to JSON: " + Prefix(out));
  return out;
}

Status ValidateEndpoint(const AgentEndpoint& endpoint) {
  if (endpoint.url.rfind("http://", 0) != 0 && endpoint.url.rfind("https://", 0) != 0)
    return InvalidArgumentError("agent URL '" + endpoint.url +
                                "' must start with http:// or https://");
  if (endpoint.timeout.count() <= 0) return InvalidArgumentError("agent timeout must be positive");
  if (endpoint.kind == AgentEndpoint::Kind::kJson) {
    ASSIGN_OR_RETURN(std::vector<std::string> vars, TemplateVariables(endpoint.request_template));
    if (!endpoint.request_template.empty() && vars.empty())
      return InvalidArgumentError(
          "the request template uses no variable, so every record would send the same request; "
          "use {{ inputs }} or {{ inputs.<key> }}");
    if (!endpoint.output_pointer.empty())
      RETURN_IF_ERROR(ParsePointer(endpoint.output_pointer).status());
  }
  return OkStatus();
}

AgentClient::AgentClient(AgentEndpoint endpoint, llm::HttpClient& http, const Clock& clock)
    : endpoint_(std::move(endpoint)), http_(http), clock_(clock) {}

Result<AgentAnswer> AgentClient::Call(const Json& inputs, const TraceId& trace_id,
                                      const SpanId& parent_span_id) const {
  llm::HttpRequest req(endpoint_.url, llm::Deadline::After(clock_, endpoint_.timeout));
  req.max_body_bytes = endpoint_.max_answer_bytes;
  req.headers = endpoint_.headers;
  req.headers.emplace_back("Content-Type", "application/json");
  req.headers.emplace_back("traceparent", TraceParent(trace_id, parent_span_id));
  if (endpoint_.kind == AgentEndpoint::Kind::kChat) {
    Json body = {{"messages", ChatMessagesFor(inputs)}};
    if (!endpoint_.model.empty()) body["model"] = endpoint_.model;
    req.body = body.dump();
  } else {
    ASSIGN_OR_RETURN(req.body, RenderRequestTemplate(endpoint_.request_template, inputs));
  }

  const int64_t start = clock_.NowUnixNanos();
  ASSIGN_OR_RETURN(llm::HttpResponse res, http_.Post(req));
  AgentAnswer answer;
  answer.http_status = res.status;
  answer.latency = std::chrono::nanoseconds(clock_.NowUnixNanos() - start);
  if (res.status < 200 || res.status > 299)
    return UnavailableError("the agent answered HTTP " + std::to_string(res.status) + ": " +
                            Prefix(res.body));
  if (res.body_truncated)
    return InvalidArgumentError("the agent's answer exceeds " +
                                std::to_string(endpoint_.max_answer_bytes) + " bytes");
  Json parsed = Json::parse(res.body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded())
    return InvalidArgumentError("the agent's answer is not JSON: " + Prefix(res.body));

  if (endpoint_.kind == AgentEndpoint::Kind::kChat) {
    const Json* content = nullptr;
    if (parsed.contains("choices") && parsed["choices"].is_array() && !parsed["choices"].empty()) {
      const Json& choice = parsed["choices"][0];
      if (choice.contains("message") && choice["message"].is_object() &&
          choice["message"].contains("content"))
        content = &choice["message"]["content"];
    }
    if (content == nullptr)
      return InvalidArgumentError(
          "the agent's answer has no choices[0].message.content (is it an OpenAI-compatible "
          "chat endpoint?): " +
          Prefix(res.body));
    answer.outputs = *content;
    return answer;
  }
  if (endpoint_.output_pointer.empty()) {
    answer.outputs = std::move(parsed);
    return answer;
  }
  ASSIGN_OR_RETURN(Json::json_pointer ptr, ParsePointer(endpoint_.output_pointer));
  if (!parsed.contains(ptr))
    return InvalidArgumentError("the agent's answer has nothing at " + endpoint_.output_pointer +
                                ": " + Prefix(res.body));
  answer.outputs = parsed[ptr];
  return answer;
}

}  // namespace tracelake::eval
