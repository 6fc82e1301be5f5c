// Span normalization. The mapping table and the reasons for each rule are in
// docs/normalization.md; the captured wire data it is built on is spec/instrumentations.md.
#include "model/normalize.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <optional>

namespace tracelake::model {
namespace {

using Json = nlohmann::json;

const std::string* Str(const Attributes& attrs, std::string_view key) {
  const AnyValue* v = FindAttribute(attrs, key);
  return v != nullptr && v->is_string() && !v->as_string().empty() ? &v->as_string() : nullptr;
}

// An integer from an int, a finite double, or a numeric string.
std::optional<int64_t> Int(const Attributes& attrs, std::string_view key) {
  const AnyValue* v = FindAttribute(attrs, key);
  if (v == nullptr) return std::nullopt;
  if (v->is_int()) return v->as_int();
  if (v->is_double() && std::isfinite(v->as_double()) && std::abs(v->as_double()) < 9e18)
    return static_cast<int64_t>(v->as_double());
  if (v->is_string()) {
    const std::string& s = v->as_string();
    int64_t out = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec == std::errc() && p == s.data() + s.size()) return out;
  }
  return std::nullopt;
}

std::optional<Json> ParseJson(std::string_view text) {
  Json j = Json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

// JSON text for a value that may or may not already be JSON.
std::string AsJsonText(const std::string& text, bool prefer_json) {
  if (prefer_json && ParseJson(text)) return text;
  std::string out;
  AppendJsonString(out, text);
  return out;
}

// mlflow.* attributes hold JSON-encoded strings; "\"LLM\"" -> LLM. Plain text passes through.
std::string UnquoteJsonString(const std::string& s) {
  if (s.size() >= 2 && s.front() == '"') {
    if (auto j = ParseJson(s); j && j->is_string()) return j->get<std::string>();
  }
  return s;
}

std::string Upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

std::string SpanTypeOf(const Span& span) {
  const Attributes& a = span.attributes;
  if (const auto* t = Str(a, "mlflow.spanType")) return UnquoteJsonString(*t);
  if (const auto* k = Str(a, "openinference.span.kind")) {
    std::string kind = Upper(*k);
    return kind == "UNKNOWN" || kind.empty() ? "UNKNOWN" : kind;
  }
  if (const auto* op = Str(a, "gen_ai.operation.name")) {
    static const std::map<std::string, std::string, std::less<>> kOps = {
        {"chat", "CHAT_MODEL"},        {"text_completion", "LLM"},
        {"generate_content", "LLM"},   {"embeddings", "EMBEDDING"},
        {"invoke_agent", "AGENT"},     {"create_agent", "AGENT"},
        {"execute_tool", "TOOL"},
    };
    if (auto it = kOps.find(*op); it != kOps.end()) return it->second;
  }
  if (const auto* k = Str(a, "traceloop.span.kind")) {
    static const std::map<std::string, std::string, std::less<>> kKinds = {
        {"workflow", "WORKFLOW"}, {"task", "TASK"}, {"tool", "TOOL"}, {"agent", "AGENT"}};
    if (auto it = kKinds.find(*k); it != kKinds.end()) return it->second;
  }
  return "UNKNOWN";
}

// Flattened "prefix.{i}.message.role/content" (OpenInference) or "prefix.{i}.role/content"
// (legacy OpenLLMetry) keys into an OpenAI-style messages list.
std::string FlattenedMessages(const Attributes& attrs, std::string_view prefix, bool openinference) {
  std::map<int, Json> messages;
  for (const auto& kv : attrs) {
    std::string_view key = kv.key;
    if (!key.starts_with(prefix) || key.size() <= prefix.size() || key[prefix.size()] != '.') continue;
    std::string_view rest = key.substr(prefix.size() + 1);
    int index = 0;
    auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), index);
    if (ec != std::errc() || index < 0 || index > 10000 || p == rest.data() + rest.size() || *p != '.')
      continue;
    std::string_view field = rest.substr(static_cast<size_t>(p - rest.data()) + 1);
    if (openinference) {
      if (!field.starts_with("message.")) continue;
      field.remove_prefix(8);
    }
    Json& m = messages[index];
    if (!m.is_object()) m = Json::object();
    std::string value = kv.value.ToDisplayString();
    if (field == "role" || field == "content" || field == "name" || field == "tool_call_id") {
      m[std::string(field)] = value;
    } else if (field.starts_with("tool_calls.")) {
      std::string_view tc = field.substr(11);
      int ti = 0;
      auto [q, ec2] = std::from_chars(tc.data(), tc.data() + tc.size(), ti);
      if (ec2 != std::errc() || ti < 0 || ti > 1000 || q == tc.data() + tc.size()) continue;
      std::string_view sub = tc.substr(static_cast<size_t>(q - tc.data()) + 1);
      if (sub.starts_with("tool_call.")) sub.remove_prefix(10);
      Json& calls = m["tool_calls"];
      if (!calls.is_array()) calls = Json::array();
      while (calls.size() <= static_cast<size_t>(ti)) calls.push_back({{"type", "function"}});
      Json& call = calls[static_cast<size_t>(ti)];
      if (sub == "id") call["id"] = value;
      else if (sub == "function.name") call["function"]["name"] = value;
      else if (sub == "function.arguments") call["function"]["arguments"] = value;
    }
  }
  if (messages.empty()) return "";
  Json arr = Json::array();
  for (auto& [i, m] : messages) arr.push_back(std::move(m));
  return arr.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string InputsOf(const Span& span) {
  const Attributes& a = span.attributes;
  if (const auto* v = Str(a, "mlflow.spanInputs")) return AsJsonText(*v, true);
  if (const auto* v = Str(a, "input.value")) {
    const auto* mime = Str(a, "input.mime_type");
    return AsJsonText(*v, mime != nullptr && *mime == "application/json");
  }
  if (const auto* v = Str(a, "gen_ai.input.messages")) return AsJsonText(*v, true);
  if (const auto* v = Str(a, "gen_ai.tool.call.arguments")) return AsJsonText(*v, true);
  if (const auto* v = Str(a, "traceloop.entity.input")) return AsJsonText(*v, true);
  if (auto m = FlattenedMessages(a, "llm.input_messages", true); !m.empty()) return m;
  if (auto m = FlattenedMessages(a, "gen_ai.prompt", false); !m.empty()) return m;
  if (const auto* v = Str(a, "embedding.embeddings.0.embedding.text")) return AsJsonText(*v, false);
  return "";
}

std::string OutputsOf(const Span& span) {
  const Attributes& a = span.attributes;
  if (const auto* v = Str(a, "mlflow.spanOutputs")) return AsJsonText(*v, true);
  if (const auto* v = Str(a, "output.value")) {
    const auto* mime = Str(a, "output.mime_type");
    return AsJsonText(*v, mime != nullptr && *mime == "application/json");
  }
  if (const auto* v = Str(a, "gen_ai.output.messages")) return AsJsonText(*v, true);
  if (const auto* v = Str(a, "gen_ai.tool.call.result")) return AsJsonText(*v, true);
  if (const auto* v = Str(a, "traceloop.entity.output")) return AsJsonText(*v, true);
  if (auto m = FlattenedMessages(a, "llm.output_messages", true); !m.empty()) return m;
  if (auto m = FlattenedMessages(a, "gen_ai.completion", false); !m.empty()) return m;
  return "";
}

std::string FirstStr(const Attributes& a, std::initializer_list<std::string_view> keys) {
  for (auto k : keys)
    if (const auto* v = Str(a, k)) return UnquoteJsonString(*v);
  return "";
}

std::optional<int64_t> FirstInt(const Attributes& a, std::initializer_list<std::string_view> keys) {
  for (auto k : keys)
    if (auto v = Int(a, k); v && *v >= 0) return v;
  return std::nullopt;
}

TokenUsage UsageOf(const Span& span) {
  const Attributes& a = span.attributes;
  TokenUsage u;
  if (const auto* v = Str(a, "mlflow.chat.tokenUsage")) {
    if (auto j = ParseJson(*v); j && j->is_object()) {
      auto get = [&](const char* k) -> std::optional<int64_t> {
        auto it = j->find(k);
        if (it != j->end() && it->is_number_integer() && it->get<int64_t>() >= 0) return it->get<int64_t>();
        return std::nullopt;
      };
      u.input_tokens = get("input_tokens");
      u.output_tokens = get("output_tokens");
      u.total_tokens = get("total_tokens");
      u.cached_input_tokens = get("cache_read_input_tokens");
    }
  }
  if (u.empty()) {
    u.input_tokens = FirstInt(a, {"gen_ai.usage.input_tokens", "llm.token_count.prompt",
                                  "gen_ai.usage.prompt_tokens", "llm.usage.prompt_tokens"});
    u.output_tokens = FirstInt(a, {"gen_ai.usage.output_tokens", "llm.token_count.completion",
                                   "gen_ai.usage.completion_tokens", "llm.usage.completion_tokens"});
    u.total_tokens = FirstInt(a, {"gen_ai.usage.total_tokens", "llm.token_count.total",
                                  "llm.usage.total_tokens"});
    u.cached_input_tokens =
        FirstInt(a, {"llm.token_count.prompt_details.cache_read",
                     "gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens",
                     "gen_ai.usage.cached_tokens"});
  }
  if (!u.total_tokens && u.input_tokens && u.output_tokens)
    u.total_tokens = *u.input_tokens + *u.output_tokens;
  return u;
}

std::string UsageJson(const TokenUsage& u) {
  Json j = Json::object();
  if (u.input_tokens) j["input_tokens"] = *u.input_tokens;
  if (u.output_tokens) j["output_tokens"] = *u.output_tokens;
  if (u.total_tokens) j["total_tokens"] = *u.total_tokens;
  if (u.cached_input_tokens) j["cache_read_input_tokens"] = *u.cached_input_tokens;
  return j.dump();
}

void SetIfAbsent(Attributes& attrs, std::string_view key, const std::string& json_text) {
  if (json_text.empty() || FindAttribute(attrs, key) != nullptr) return;
  attrs.push_back(KeyValue{std::string(key), AnyValue(json_text)});
}

std::string Quoted(const std::string& s) {
  std::string out;
  AppendJsonString(out, s);
  return out;
}

// kvlist body of a GenAI event -> JSON object; other bodies -> their JSON.
Json BodyJson(const AnyValue& body) {
  if (auto j = ParseJson(body.ToJson())) return *j;
  return Json();
}

}  // namespace

void NormalizeSpan(Span& span) {
  SpanView& v = span.view;
  v.span_type = SpanTypeOf(span);
  v.inputs_json = InputsOf(span);
  v.outputs_json = OutputsOf(span);
  const Attributes& a = span.attributes;
  v.model = FirstStr(a, {"gen_ai.response.model", "gen_ai.request.model", "llm.response.model_name",
                         "llm.model_name", "llm.request.model_name", "embedding.model_name",
                         "mlflow.llm.model"});
  v.provider = FirstStr(a, {"gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system",
                            "mlflow.llm.provider"});
  v.usage = UsageOf(span);
  static const Attributes kNone;
  const Attributes& res = span.resource ? span.resource->attributes : kNone;
  v.session_id = FirstStr(a, {"mlflow.trace.session", "session.id", "gen_ai.conversation.id"});
  if (v.session_id.empty()) v.session_id = FirstStr(res, {"mlflow.trace.session", "session.id"});
  v.user_id = FirstStr(a, {"mlflow.trace.user", "user.id", "enduser.id"});
  if (v.user_id.empty()) v.user_id = FirstStr(res, {"mlflow.trace.user", "user.id", "enduser.id"});

  Attributes& attrs = span.attributes;
  const size_t before = attrs.size();
  SetIfAbsent(attrs, "mlflow.traceRequestId", Quoted("tr-" + span.trace_id.Hex()));
  SetIfAbsent(attrs, "mlflow.spanType", Quoted(v.span_type));
  SetIfAbsent(attrs, "mlflow.spanInputs", v.inputs_json);
  SetIfAbsent(attrs, "mlflow.spanOutputs", v.outputs_json);
  if (!v.usage.empty()) SetIfAbsent(attrs, "mlflow.chat.tokenUsage", UsageJson(v.usage));
  if (!v.model.empty()) SetIfAbsent(attrs, "mlflow.llm.model", Quoted(v.model));
  if (!v.provider.empty()) SetIfAbsent(attrs, "mlflow.llm.provider", Quoted(v.provider));
  v.derived_attribute_count = attrs.size() - before;
}

bool IsGenAiContentRecord(const LogRecord& r) {
  if (r.trace_id.IsZero() || r.span_id.IsZero()) return false;
  const std::string& e = r.event_name;
  return e == "gen_ai.system.message" || e == "gen_ai.user.message" ||
         e == "gen_ai.assistant.message" || e == "gen_ai.tool.message" || e == "gen_ai.choice" ||
         e == "gen_ai.client.inference.operation.details";
}

void ApplyLogRecords(Span& span, const std::vector<LogRecord>& records) {
  std::vector<const LogRecord*> sorted;
  for (const auto& r : records)
    if (r.trace_id == span.trace_id && r.span_id == span.span_id && IsGenAiContentRecord(r))
      sorted.push_back(&r);
  if (sorted.empty()) return;
  std::stable_sort(sorted.begin(), sorted.end(), [](const LogRecord* x, const LogRecord* y) {
    return x->time_unix_nano < y->time_unix_nano;
  });
  Json inputs = Json::array();
  Json choices = Json::array();
  std::string details_in, details_out;
  for (const LogRecord* r : sorted) {
    const std::string& e = r->event_name;
    if (e == "gen_ai.client.inference.operation.details") {
      if (const auto* v = Str(r->attributes, "gen_ai.input.messages")) details_in = AsJsonText(*v, true);
      if (const auto* v = Str(r->attributes, "gen_ai.output.messages")) details_out = AsJsonText(*v, true);
      continue;
    }
    Json body = BodyJson(r->body);
    if (!body.is_object()) body = Json{{"content", body}};
    if (e == "gen_ai.choice") {
      Json choice = body;
      if (choice.contains("message") && choice["message"].is_object() &&
          !choice["message"].contains("role"))
        choice["message"]["role"] = "assistant";
      choices.push_back(std::move(choice));
      continue;
    }
    Json msg = Json::object();
    msg["role"] = e.substr(7, e.size() - 7 - 8);  // gen_ai.<role>.message
    for (auto& [k, val] : body.items()) {
      if (k == "id" && msg["role"] == "tool") msg["tool_call_id"] = val;
      else if (k != "role") msg[k] = val;
    }
    inputs.push_back(std::move(msg));
  }
  const bool has_inputs = !span.view.inputs_json.empty() && span.view.inputs_json != "null";
  const bool has_outputs = !span.view.outputs_json.empty() && span.view.outputs_json != "null";
  auto dump = [](const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); };
  if (!has_inputs) {
    std::string in = !inputs.empty() ? dump(Json{{"messages", inputs}}) : details_in;
    if (!in.empty()) {
      span.view.inputs_json = in;
      SetAttribute(span.attributes, "mlflow.spanInputs", AnyValue(in));
    }
  }
  if (!has_outputs) {
    std::string out = !choices.empty() ? dump(Json{{"choices", choices}}) : details_out;
    if (!out.empty()) {
      span.view.outputs_json = out;
      SetAttribute(span.attributes, "mlflow.spanOutputs", AnyValue(out));
    }
  }
}

std::string MakePreview(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  size_t cut = max_bytes;
  // Step back over UTF-8 continuation bytes so a character is never split.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut));
}

}  // namespace tracelake::model
