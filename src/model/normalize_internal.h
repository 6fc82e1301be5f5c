// Helpers shared by the normalization files (normalize.cc, genai_messages.cc, preview.cc).
// Internal to src/model. Nothing here throws except on allocation failure.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "model/any_value.h"

namespace tracelake::model::normalize_internal {

using Json = nlohmann::json;
// A span's attributes, or only the sender's ones (without what NormalizeSpan derived).
using AttrView = std::span<const KeyValue>;

// Deepest AnyValue converted to JSON (the OTLP decoders accept 64 levels).
inline constexpr int kMaxValueDepth = 64;

const AnyValue* Find(AttrView attrs, std::string_view key);
// The value of a non-empty string attribute, else nullptr.
const std::string* FindString(AttrView attrs, std::string_view key);
// The first non-empty string among keys, with a JSON-encoded string ("\"x\"") unquoted.
std::string FirstString(AttrView attrs, std::initializer_list<std::string_view> keys);

// A count (token usage) from an int, a finite double (truncated, as MLflow's int() does), or a
// decimal string of either; nullopt for negative, non-numeric or out-of-range values.
std::optional<int64_t> ToCount(const AnyValue& v);
std::optional<int64_t> ToCount(const Json& j);
std::optional<int64_t> ToCount(std::string_view text);

// True if text is one complete JSON document (iterative: any depth is fine).
bool IsJson(std::string_view text);
// JSON null, {}, [] or "": present but carrying nothing (MLflow skips these too).
bool CarriesNothing(std::string_view json_text);
// s as a JSON string literal, invalid UTF-8 replaced.
std::string JsonQuote(std::string_view s);
// "\"LLM\"" -> "LLM" (how MLflow stores strings); anything else unchanged.
std::string UnquoteJsonString(std::string_view s);

// JSON text for an attribute value: a string that is JSON is kept as is when json_allowed,
// other strings become JSON string literals, arrays / kvlists / numbers their JSON. Empty when
// the value carries nothing.
std::string ValueAsJson(const AnyValue& v, bool json_allowed);

// An AnyValue as a JSON DOM: kvlist -> object, bytes -> base64 string, non-finite -> null,
// deeper than kMaxValueDepth -> null.
Json ToJsonDom(const AnyValue& v, int depth = 0);
// Compact JSON text; invalid UTF-8 in strings replaced. REQUIRES: j's depth is bounded.
std::string Dump(const Json& j);

enum class FlatStyle {
  kOpenInference,  // llm.input_messages.{i}.message.role, ...message.tool_calls.{j}.tool_call.id
  kOpenLlmetry,    // gen_ai.prompt.{i}.role, gen_ai.completion.{i}.tool_calls.{j}.name
};
// Flattened message keys under prefix as an OpenAI-style messages list (JSON text), or "" if
// there are none.
std::string FlattenedMessages(AttrView attrs, std::string_view prefix, FlatStyle style);

// The span's own inputs / outputs as JSON text ("" when none) from the attributes given.
std::string InputsJson(AttrView attrs);
std::string OutputsJson(AttrView attrs);

}  // namespace tracelake::model::normalize_internal
