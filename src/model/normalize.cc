// Span normalization. The mapping table and the reasons for each rule are in
// docs/normalization.md; the captured wire data it is built on is spec/instrumentations.md,
// and MLflow's own mapping is mlflow/tracing/otel/translation/*.py.
#include "model/normalize.h"

#include <algorithm>
#include <cctype>
#include <span>

#include "model/normalize_internal.h"

namespace tracelake::model {
namespace {

using normalize_internal::AttrView;
using normalize_internal::Find;
using normalize_internal::FindString;
using normalize_internal::FirstString;
using normalize_internal::Json;

struct KindMapping {
  std::string_view from;
  std::string_view to;
};

// MLflow's translators, checked in MLflow's order (OpenInference, GenAI, Traceloop); a value
// a table does not know falls through to the next convention, as in MLflow.
constexpr KindMapping kOpenInferenceKinds[] = {
    {"TOOL", "TOOL"},           {"CHAIN", "CHAIN"},         {"LLM", "LLM"},
    {"RETRIEVER", "RETRIEVER"}, {"EMBEDDING", "EMBEDDING"}, {"AGENT", "AGENT"},
    {"RERANKER", "RERANKER"},   {"UNKNOWN", "UNKNOWN"},     {"GUARDRAIL", "GUARDRAIL"},
    {"EVALUATOR", "EVALUATOR"},
};
constexpr KindMapping kGenAiOperations[] = {
    {"chat", "CHAT_MODEL"},     {"create_agent", "AGENT"},   {"embeddings", "EMBEDDING"},
    {"execute_tool", "TOOL"},   {"generate_content", "LLM"}, {"invoke_agent", "AGENT"},
    {"text_completion", "LLM"}, {"response", "LLM"},
};
constexpr KindMapping kTraceloopKinds[] = {
    {"workflow", "WORKFLOW"}, {"task", "TASK"},       {"agent", "AGENT"},
    {"tool", "TOOL"},         {"unknown", "UNKNOWN"},
};

// How a convention spells its kinds; values are compared after folding to it.
enum class Spelling { kUpper, kLower };

template <size_t N>
std::string_view MapKind(AttrView attrs, std::string_view key, const KindMapping (&table)[N],
                         Spelling spelling) {
  std::string kind = FirstString(attrs, {key});
  std::transform(kind.begin(), kind.end(), kind.begin(), [spelling](unsigned char c) {
    return static_cast<char>(spelling == Spelling::kUpper ? std::toupper(c) : std::tolower(c));
  });
  for (const KindMapping& m : table)
    if (m.from == kind) return m.to;
  return {};
}

std::string SpanTypeOf(AttrView a) {
  // MLflow's own attribute wins; it is a JSON-encoded string, but accept plain text too.
  if (const std::string* t = FindString(a, "mlflow.spanType")) {
    std::string type = normalize_internal::UnquoteJsonString(*t);
    if (!type.empty() && type != "null") return type;
  }
  for (std::string_view type :
       {MapKind(a, "openinference.span.kind", kOpenInferenceKinds, Spelling::kUpper),
        MapKind(a, "gen_ai.operation.name", kGenAiOperations, Spelling::kLower),
        MapKind(a, "traceloop.span.kind", kTraceloopKinds, Spelling::kLower)}) {
    if (!type.empty()) return std::string(type);
  }
  return "UNKNOWN";
}

// mlflow.spanInputs / mlflow.spanOutputs are authoritative when present, even if they carry
// nothing; invalid JSON is kept as a JSON string.
std::string MlflowValue(AttrView a, std::string_view key) {
  const AnyValue* v = Find(a, key);
  if (v == nullptr) return "";
  if (v->is_string()) {
    const std::string& s = v->as_string();
    if (s.empty()) return "";
    return normalize_internal::IsJson(s) ? s : normalize_internal::JsonQuote(s);
  }
  return v->empty() ? "" : v->ToJson();
}

bool IsJsonMime(std::string_view mime) {
  constexpr std::string_view kJson = "application/json";
  if (mime.size() < kJson.size()) return false;
  for (size_t i = 0; i < kJson.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(mime[i])) != kJson[i]) return false;
  return mime.size() == kJson.size() || mime[kJson.size()] == ';' || mime[kJson.size()] == ' ';
}

// OpenInference input.value / output.value: JSON only when its mime type says so.
std::string OpenInferenceValue(AttrView a, std::string_view value_key, std::string_view mime_key) {
  const AnyValue* v = Find(a, value_key);
  if (v == nullptr) return "";
  const std::string* mime = FindString(a, mime_key);
  return normalize_internal::ValueAsJson(*v, mime != nullptr && IsJsonMime(*mime));
}

std::string FirstJsonValue(AttrView a, std::initializer_list<std::string_view> keys) {
  for (std::string_view key : keys) {
    if (const AnyValue* v = Find(a, key)) {
      std::string json = normalize_internal::ValueAsJson(*v, /*json_allowed=*/true);
      if (!json.empty()) return json;
    }
  }
  return "";
}

// OpenInference embedding spans: embedding.embeddings.{i}.embedding.text, in index order.
std::string EmbeddingTexts(AttrView a) {
  constexpr std::string_view kPrefix = "embedding.embeddings.";
  constexpr std::string_view kSuffix = ".embedding.text";
  std::vector<std::pair<int64_t, const std::string*>> texts;
  for (const KeyValue& kv : a) {
    std::string_view key = kv.key;
    if (!key.starts_with(kPrefix) || !key.ends_with(kSuffix) || !kv.value.is_string()) continue;
    std::string_view index =
        key.substr(kPrefix.size(), key.size() - kPrefix.size() - kSuffix.size());
    auto i = normalize_internal::ToCount(index);
    if (!i || index.find_first_not_of("0123456789") != std::string_view::npos) continue;
    texts.emplace_back(*i, &kv.value.as_string());
  }
  if (texts.empty()) return "";
  std::stable_sort(texts.begin(), texts.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  Json arr = Json::array();
  for (const auto& [i, text] : texts) arr.push_back(*text);
  return normalize_internal::Dump(arr);
}

std::optional<int64_t> FirstCount(AttrView a, std::initializer_list<std::string_view> keys) {
  for (std::string_view key : keys)
    if (const AnyValue* v = Find(a, key))
      if (auto n = normalize_internal::ToCount(*v)) return n;
  return std::nullopt;
}

TokenUsage UsageOf(AttrView a) {
  TokenUsage u;
  // MLflow's own per-span usage is authoritative when it holds any known count.
  if (const AnyValue* v = Find(a, "mlflow.chat.tokenUsage")) {
    const std::string text = v->is_string() ? v->as_string() : v->ToJson();
    // Only the top-level counts matter: drop anything nested deeper than one level.
    Json j = Json::parse(
        text, [](int depth, Json::parse_event_t, Json&) { return depth <= 1; },
        /*allow_exceptions=*/false);
    if (j.is_object()) {
      auto get = [&j](const char* key) -> std::optional<int64_t> {
        auto it = j.find(key);
        return it == j.end() ? std::nullopt : normalize_internal::ToCount(*it);
      };
      u.input_tokens = get("input_tokens");
      u.output_tokens = get("output_tokens");
      u.total_tokens = get("total_tokens");
      u.cached_input_tokens = get("cache_read_input_tokens");
    }
  }
  if (u.empty()) {
    u.input_tokens = FirstCount(a, {"gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens",
                                    "llm.token_count.prompt", "llm.usage.prompt_tokens"});
    u.output_tokens = FirstCount(a, {"gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens",
                                     "llm.token_count.completion", "llm.usage.completion_tokens"});
    u.total_tokens = FirstCount(
        a, {"gen_ai.usage.total_tokens", "llm.token_count.total", "llm.usage.total_tokens"});
    u.cached_input_tokens = FirstCount(
        a, {"llm.token_count.prompt_details.cache_read", "gen_ai.usage.cache_read.input_tokens",
            "gen_ai.usage.cache_read_input_tokens", "gen_ai.usage.cached_tokens"});
  }
  // MLflow's server stores complete usage (input, output and total) for any span that reports
  // one of them; its per-trace sum then adds up (docs/normalization.md, "Token usage").
  u.Complete();
  return u;
}

// As MLflow writes it (Python json.dumps: ", " and ": " separators, TokenUsageKey order),
// with only the counts that are known.
// A session or user id: a string (JSON-quoted or plain) or an integer.
std::string FirstId(AttrView a, std::span<const std::string_view> keys) {
  for (std::string_view key : keys) {
    const AnyValue* v = Find(a, key);
    if (v == nullptr) continue;
    if (v->is_int()) return std::to_string(v->as_int());
    if (v->is_string() && !v->as_string().empty()) {
      std::string id = normalize_internal::UnquoteJsonString(v->as_string());
      if (!id.empty()) return id;
    }
  }
  return "";
}

constexpr std::string_view kSessionKeys[] = {"mlflow.trace.session", "session.id",
                                             "gen_ai.conversation.id"};
constexpr std::string_view kUserKeys[] = {"mlflow.trace.user", "user.id", "enduser.id"};

SpanView DeriveView(const Span& span) {
  const AttrView a(span.attributes);
  SpanView v;
  v.span_type = SpanTypeOf(a);
  v.inputs_json = normalize_internal::InputsJson(a);
  v.outputs_json = normalize_internal::OutputsJson(a);
  v.model = FirstString(a, {"mlflow.llm.model", "gen_ai.response.model", "gen_ai.request.model",
                            "llm.response.model_name", "llm.model_name", "llm.request.model_name",
                            "embedding.model_name"});
  v.provider = FirstString(a, {"mlflow.llm.provider", "gen_ai.provider.name", "gen_ai.system",
                               "llm.provider", "llm.system"});
  v.usage = UsageOf(a);
  if (const AnyValue* c = Find(a, "mlflow.llm.cost"))
    v.cost = Cost::FromMlflowJson(c->is_string() ? c->as_string() : c->ToJson());
  const AttrView resource = span.resource ? AttrView(span.resource->attributes) : AttrView();
  v.session_id = FirstId(a, kSessionKeys);
  if (v.session_id.empty()) v.session_id = FirstId(resource, kSessionKeys);
  v.user_id = FirstId(a, kUserKeys);
  if (v.user_id.empty()) v.user_id = FirstId(resource, kUserKeys);
  return v;
}

// Appends key = json_text unless json_text is empty or the sender's first sender_count
// attributes already hold key.
void AddIfAbsent(Attributes& attrs, size_t sender_count, std::string_view key,
                 std::string json_text) {
  if (json_text.empty() || Find(AttrView(attrs.data(), sender_count), key) != nullptr) return;
  attrs.push_back(KeyValue{std::string(key), AnyValue(std::move(json_text))});
}

}  // namespace

namespace normalize_internal {

std::string InputsJson(AttrView a) {
  if (Find(a, "mlflow.spanInputs") != nullptr) return MlflowValue(a, "mlflow.spanInputs");
  std::string json = OpenInferenceValue(a, "input.value", "input.mime_type");
  if (json.empty())
    json = FirstJsonValue(
        a, {"gen_ai.input.messages", "gen_ai.tool.call.arguments", "traceloop.entity.input"});
  if (json.empty()) json = FlattenedMessages(a, "llm.input_messages", FlatStyle::kOpenInference);
  if (json.empty()) json = FlattenedMessages(a, "gen_ai.prompt", FlatStyle::kOpenLlmetry);
  if (json.empty()) json = EmbeddingTexts(a);
  return json;
}

std::string OutputsJson(AttrView a) {
  if (Find(a, "mlflow.spanOutputs") != nullptr) return MlflowValue(a, "mlflow.spanOutputs");
  std::string json = OpenInferenceValue(a, "output.value", "output.mime_type");
  if (json.empty())
    json = FirstJsonValue(
        a, {"gen_ai.output.messages", "gen_ai.tool.call.result", "traceloop.entity.output"});
  if (json.empty()) json = FlattenedMessages(a, "llm.output_messages", FlatStyle::kOpenInference);
  if (json.empty()) json = FlattenedMessages(a, "gen_ai.completion", FlatStyle::kOpenLlmetry);
  return json;
}

}  // namespace normalize_internal

void NormalizeSpan(Span& span) {
  Attributes& attrs = span.attributes;
  // Idempotent: what an earlier call derived is dropped and derived again.
  const size_t earlier = std::min(span.view.derived_attribute_count, attrs.size());
  attrs.erase(attrs.end() - static_cast<std::ptrdiff_t>(earlier), attrs.end());
  const size_t sender_count = attrs.size();
  span.view = SpanView{};
  span.view.span_type = "UNKNOWN";
  try {
    span.view = DeriveView(span);
    const SpanView& v = span.view;
    AddIfAbsent(attrs, sender_count, "mlflow.traceRequestId",
                normalize_internal::JsonQuote(MlflowTraceId(span.trace_id)));
    AddIfAbsent(attrs, sender_count, "mlflow.spanType", normalize_internal::JsonQuote(v.span_type));
    AddIfAbsent(attrs, sender_count, "mlflow.spanInputs", v.inputs_json);
    AddIfAbsent(attrs, sender_count, "mlflow.spanOutputs", v.outputs_json);
    if (!v.usage.empty())
      AddIfAbsent(attrs, sender_count, "mlflow.chat.tokenUsage", v.usage.ToMlflowJson());
    if (!v.model.empty())
      AddIfAbsent(attrs, sender_count, "mlflow.llm.model", normalize_internal::JsonQuote(v.model));
    if (!v.provider.empty())
      AddIfAbsent(attrs, sender_count, "mlflow.llm.provider",
                  normalize_internal::JsonQuote(v.provider));
  } catch (...) {
    // Only allocation can fail here; keep what was derived, counted consistently.
  }
  span.view.derived_attribute_count = attrs.size() - sender_count;
}

}  // namespace tracelake::model
