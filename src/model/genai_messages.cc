// GenAI messages that do not arrive as one JSON attribute: OpenInference / OpenLLMetry
// flattened keys (llm.input_messages.{i}.message.role, gen_ai.prompt.{i}.content) and the
// official OTel GenAI instrumentation's log records (spec/instrumentations.md, trap 1).
// Both become the OpenAI chat shapes MLflow's UI renders as a conversation
// (ModelTraceExplorer.utils.tsx: {"messages": [...]} in, {"choices": [{"message"}]} out).
#include <algorithm>
#include <charconv>
#include <map>

#include "model/normalize.h"
#include "model/normalize_internal.h"

namespace tracelake::model {
namespace {

using normalize_internal::AttrView;
using normalize_internal::Dump;
using normalize_internal::Find;
using normalize_internal::Json;

// Larger indexes are ignored: a hostile key must not cost memory (all maps are sparse anyway).
constexpr uint32_t kMaxMessageIndex = 100000;
constexpr uint32_t kMaxSubIndex = 10000;

// Parses "<digits>." at the front of s into index and drops it from s.
bool TakeIndex(std::string_view& s, uint32_t max, uint32_t& index) {
  if (s.empty() || s.front() < '0' || s.front() > '9') return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), index);
  if (ec != std::errc() || index > max || p == s.data() + s.size() || *p != '.') return false;
  s.remove_prefix(static_cast<size_t>(p - s.data()) + 1);
  return true;
}

bool TakePrefix(std::string_view& s, std::string_view prefix) {
  if (!s.starts_with(prefix)) return false;
  s.remove_prefix(prefix.size());
  return true;
}

struct FlatMessage {
  std::map<std::string, std::string, std::less<>> fields;
  std::map<uint32_t, std::map<std::string, std::string, std::less<>>> tool_calls;
  std::map<uint32_t, std::map<std::string, std::string, std::less<>>> parts;
};

Json ToolCallJson(const std::map<std::string, std::string, std::less<>>& call) {
  Json out = Json::object();
  out["type"] = "function";
  for (const auto& [field, value] : call) {
    if (field == "id")
      out["id"] = value;
    else if (field == "name")
      out["function"]["name"] = value;
    else if (field == "arguments")
      out["function"]["arguments"] = value;
  }
  return out;
}

Json PartJson(const std::map<std::string, std::string, std::less<>>& part) {
  auto get = [&part](std::string_view k) {
    auto it = part.find(k);
    return it == part.end() ? std::string() : it->second;
  };
  const std::string type = get("type");
  if (type == "image") return Json{{"type", "image_url"}, {"image_url", {{"url", get("url")}}}};
  Json out = Json::object();
  out["type"] = type.empty() ? "text" : type;
  if (part.count("text") != 0) out["text"] = get("text");
  return out;
}

Json MessageJson(const FlatMessage& m) {
  Json msg = Json::object();
  for (const auto& [field, value] : m.fields) msg[field] = value;
  if (!m.tool_calls.empty()) {
    Json calls = Json::array();
    for (const auto& [j, call] : m.tool_calls) calls.push_back(ToolCallJson(call));
    msg["tool_calls"] = std::move(calls);
  }
  if (!m.parts.empty() && m.fields.count("content") == 0) {
    Json parts = Json::array();
    for (const auto& [k, part] : m.parts) parts.push_back(PartJson(part));
    msg["content"] = std::move(parts);
  }
  return msg;
}

// Content of a message: strings and content-part lists as sent; anything else as JSON text,
// since MLflow's chat view takes only those two.
void PutContent(Json& msg, const Json& content) {
  if (content.is_null()) return;
  msg["content"] = content.is_string() || content.is_array() ? content : Json(Dump(content));
}

// Tool calls as OpenAI writes them: {id, type: "function", function: {name, arguments}} with
// arguments a JSON string (the chat view requires a string).
Json NormalizeToolCalls(const Json& calls) {
  if (!calls.is_array()) return calls;
  Json out = Json::array();
  for (const Json& call : calls) {
    if (!call.is_object()) {
      out.push_back(call);
      continue;
    }
    Json c = call;
    if (auto id = c.find("id"); id != c.end() && !id->is_string() && !id->is_null())
      *id = Dump(*id);
    if (c.find("type") == c.end()) c["type"] = "function";
    if (auto f = c.find("function"); f != c.end() && f->is_object()) {
      if (auto args = f->find("arguments");
          args != f->end() && !args->is_string() && !args->is_null())
        *args = Dump(*args);
    }
    out.push_back(std::move(c));
  }
  return out;
}

Json MessageFromBody(const std::string& role, const Json& body) {
  Json msg = Json::object();
  msg["role"] = role;
  if (!body.is_object()) {
    PutContent(msg, body);
    return msg;
  }
  for (auto it = body.begin(); it != body.end(); ++it) {
    const std::string& key = it.key();
    if (key == "role") continue;  // the event name says who spoke
    if (key == "content") {
      PutContent(msg, *it);
    } else if (key == "tool_calls") {
      msg["tool_calls"] = NormalizeToolCalls(*it);
    } else if (key == "id" && role == "tool") {
      msg["tool_call_id"] = it->is_string() ? *it : Json(Dump(*it));
    } else {
      msg[key] = *it;
    }
  }
  return msg;
}

// gen_ai.choice body {finish_reason, index, message: {content | tool_calls}} (no role in the JS
// instrumentation) -> an OpenAI ChatCompletion choice.
Json ChoiceFromBody(const Json& body) {
  Json choice = Json::object();
  if (!body.is_object()) {
    choice["message"] = MessageFromBody("assistant", body);
    return choice;
  }
  Json message;
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (it.key() == "message")
      message = *it;
    else
      choice[it.key()] = *it;
  }
  std::string role = "assistant";
  if (message.is_object()) {
    if (auto r = message.find("role");
        r != message.end() && r->is_string() && !r->get_ref<const std::string&>().empty())
      role = r->get<std::string>();
  }
  choice["message"] = MessageFromBody(role, message);
  return choice;
}

enum class RecordKind { kNone, kSystem, kUser, kAssistant, kTool, kChoice, kDetails };

std::string_view EventName(const LogRecord& r) {
  if (!r.event_name.empty()) return r.event_name;
  const AnyValue* v = FindAttribute(r.attributes, "event.name");
  return v != nullptr && v->is_string() ? std::string_view(v->as_string()) : std::string_view();
}

RecordKind KindOf(std::string_view event) {
  if (event == "gen_ai.system.message") return RecordKind::kSystem;
  if (event == "gen_ai.user.message") return RecordKind::kUser;
  if (event == "gen_ai.assistant.message") return RecordKind::kAssistant;
  if (event == "gen_ai.tool.message") return RecordKind::kTool;
  if (event == "gen_ai.choice") return RecordKind::kChoice;
  if (event == "gen_ai.client.inference.operation.details") return RecordKind::kDetails;
  return RecordKind::kNone;
}

const char* RoleOf(RecordKind kind) {
  switch (kind) {
    case RecordKind::kSystem:
      return "system";
    case RecordKind::kUser:
      return "user";
    case RecordKind::kAssistant:
      return "assistant";
    default:
      return "tool";
  }
}

uint64_t TimeOf(const LogRecord& r) {
  return r.time_unix_nano != 0 ? r.time_unix_nano : r.observed_time_unix_nano;
}

// Sets a derived mlflow.* attribute (one after the sender's sender_count), keeping
// view.derived_attribute_count right.
void SetDerived(Span& span, size_t sender_count, std::string_view key, const std::string& json) {
  Attributes& attrs = span.attributes;
  for (size_t i = sender_count; i < attrs.size(); ++i) {
    if (attrs[i].key == key) {
      attrs[i].value = AnyValue(json);
      return;
    }
  }
  attrs.push_back(KeyValue{std::string(key), AnyValue(json)});
  span.view.derived_attribute_count = attrs.size() - sender_count;
}

void ApplyOrThrow(Span& span, const std::vector<LogRecord>& records) {
  std::vector<const LogRecord*> mine;
  for (const LogRecord& r : records)
    if (r.trace_id == span.trace_id && r.span_id == span.span_id && IsGenAiContentRecord(r))
      mine.push_back(&r);
  if (mine.empty()) return;
  // Records of one call share a request but not an order: time, then arrival, decides.
  std::stable_sort(mine.begin(), mine.end(),
                   [](const LogRecord* x, const LogRecord* y) { return TimeOf(*x) < TimeOf(*y); });
  Json messages = Json::array();
  Json choices = Json::array();
  std::string details_in, details_out;
  for (const LogRecord* r : mine) {
    const RecordKind kind = KindOf(EventName(*r));
    if (kind == RecordKind::kDetails) {
      const AttrView a(r->attributes);
      if (const AnyValue* v = Find(a, "gen_ai.input.messages"); v && details_in.empty())
        details_in = normalize_internal::ValueAsJson(*v, /*json_allowed=*/true);
      if (const AnyValue* v = Find(a, "gen_ai.output.messages"); v && details_out.empty())
        details_out = normalize_internal::ValueAsJson(*v, /*json_allowed=*/true);
      continue;
    }
    const Json body = normalize_internal::ToJsonDom(r->body);
    if (kind == RecordKind::kChoice)
      choices.push_back(ChoiceFromBody(body));
    else
      messages.push_back(MessageFromBody(RoleOf(kind), body));
  }
  const std::string inputs = messages.empty() ? details_in : Dump(Json{{"messages", messages}});
  const std::string outputs = choices.empty() ? details_out : Dump(Json{{"choices", choices}});

  const size_t derived = std::min(span.view.derived_attribute_count, span.attributes.size());
  const size_t sender_count = span.attributes.size() - derived;
  span.view.derived_attribute_count = derived;
  // The span's own content (on the span, from the sender) always wins over log records.
  auto own = [&span, sender_count](std::string_view mlflow_key, bool input) {
    const AttrView sender(span.attributes.data(), sender_count);
    if (Find(sender, mlflow_key) != nullptr) return true;
    return !(input ? normalize_internal::InputsJson(sender)
                   : normalize_internal::OutputsJson(sender))
                .empty();
  };
  if (!inputs.empty() && !own("mlflow.spanInputs", true)) {
    span.view.inputs_json = inputs;
    SetDerived(span, sender_count, "mlflow.spanInputs", inputs);
  }
  if (!outputs.empty() && !own("mlflow.spanOutputs", false)) {
    span.view.outputs_json = outputs;
    SetDerived(span, sender_count, "mlflow.spanOutputs", outputs);
  }
}

}  // namespace

namespace normalize_internal {

std::string FlattenedMessages(AttrView attrs, std::string_view prefix, FlatStyle style) {
  std::map<uint32_t, FlatMessage> messages;
  for (const KeyValue& kv : attrs) {
    std::string_view rest = kv.key;
    uint32_t i = 0;
    if (!TakePrefix(rest, prefix) || !TakePrefix(rest, ".") ||
        !TakeIndex(rest, kMaxMessageIndex, i))
      continue;
    if (style == FlatStyle::kOpenInference && !TakePrefix(rest, "message.")) continue;
    const std::string value =
        kv.value.is_string() ? kv.value.as_string() : kv.value.ToDisplayString();
    if (rest == "role" || rest == "content" || rest == "name" || rest == "tool_call_id" ||
        rest == "finish_reason") {
      messages[i].fields[std::string(rest)] = value;
      continue;
    }
    uint32_t j = 0;
    if (TakePrefix(rest, "tool_calls.") && TakeIndex(rest, kMaxSubIndex, j)) {
      TakePrefix(rest, "tool_call.");  // OpenInference nests one more level
      TakePrefix(rest, "function.");   // OpenInference: function.name; OpenLLMetry: name
      if (rest == "id" || rest == "name" || rest == "arguments")
        messages[i].tool_calls[j][std::string(rest)] = value;
    } else if (TakePrefix(rest, "contents.") && TakeIndex(rest, kMaxSubIndex, j) &&
               TakePrefix(rest, "message_content.")) {
      if (rest == "type" || rest == "text")
        messages[i].parts[j][std::string(rest)] = value;
      else if (rest == "image.image.url")
        messages[i].parts[j]["url"] = value;
    }
  }
  if (messages.empty()) return "";
  Json list = Json::array();
  for (const auto& [index, m] : messages) {
    Json msg = MessageJson(m);
    if (!msg.empty()) list.push_back(std::move(msg));
  }
  return list.empty() ? "" : Dump(list);
}

}  // namespace normalize_internal

bool IsGenAiContentRecord(const LogRecord& record) {
  if (record.trace_id.IsZero() || record.span_id.IsZero()) return false;
  return KindOf(EventName(record)) != RecordKind::kNone;
}

void ApplyLogRecords(Span& span, const std::vector<LogRecord>& records) {
  try {
    ApplyOrThrow(span, records);
  } catch (...) {
    // Only allocation can fail; the span keeps what it had.
  }
}

}  // namespace tracelake::model
