#include "model/normalize_internal.h"

#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <limits>

namespace tracelake::model::normalize_internal {
namespace {

std::string_view TrimJsonSpace(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

// 2^63 as a double: the first value a double-to-int64 cast cannot hold.
constexpr double kInt64Limit = 9223372036854775808.0;

std::optional<int64_t> FromDouble(double d) {
  if (!std::isfinite(d) || d < 0 || d >= kInt64Limit) return std::nullopt;
  return static_cast<int64_t>(d);
}

}  // namespace

const AnyValue* Find(AttrView attrs, std::string_view key) {
  for (const KeyValue& kv : attrs)
    if (kv.key == key) return &kv.value;
  return nullptr;
}

const std::string* FindString(AttrView attrs, std::string_view key) {
  const AnyValue* v = Find(attrs, key);
  return v != nullptr && v->is_string() && !v->as_string().empty() ? &v->as_string() : nullptr;
}

std::string FirstString(AttrView attrs, std::initializer_list<std::string_view> keys) {
  for (std::string_view key : keys) {
    if (const std::string* s = FindString(attrs, key)) {
      std::string value = UnquoteJsonString(*s);
      if (!value.empty()) return value;
    }
  }
  return "";
}

std::optional<int64_t> ToCount(std::string_view text) {
  text = TrimJsonSpace(text);
  if (text.empty()) return std::nullopt;
  const char* end = text.data() + text.size();
  int64_t i = 0;
  if (auto [p, ec] = std::from_chars(text.data(), end, i); ec == std::errc() && p == end)
    return i >= 0 ? std::optional<int64_t>(i) : std::nullopt;
  double d = 0;
  if (auto [p, ec] = std::from_chars(text.data(), end, d); ec == std::errc() && p == end)
    return FromDouble(d);
  return std::nullopt;
}

std::optional<int64_t> ToCount(const AnyValue& v) {
  if (v.is_int()) return v.as_int() >= 0 ? std::optional<int64_t>(v.as_int()) : std::nullopt;
  if (v.is_double()) return FromDouble(v.as_double());
  if (v.is_string()) return ToCount(std::string_view(v.as_string()));
  return std::nullopt;
}

std::optional<int64_t> ToCount(const Json& j) {
  if (j.is_number_unsigned()) {
    const auto u = j.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return static_cast<int64_t>(u);
  }
  if (j.is_number_integer()) {
    const auto i = j.get<int64_t>();
    return i >= 0 ? std::optional<int64_t>(i) : std::nullopt;
  }
  if (j.is_number_float()) return FromDouble(j.get<double>());
  if (j.is_string()) return ToCount(std::string_view(j.get_ref<const std::string&>()));
  return std::nullopt;
}

bool IsJson(std::string_view text) {
  // simdjson validates (UTF-8 included) several times faster than nlohmann, which matters on
  // ingest: every content attribute is checked. A thread's parser is reused only for documents
  // up to 1 MiB so it never holds on to a huge buffer. simdjson rejects a few valid documents
  // (nesting past 1024 levels, integers past 64 bits), so its "no" is confirmed by nlohmann's
  // iterative validator.
  // A byte order mark: nlohmann skips it, but JSON.parse (MLflow's UI) and Python reject it.
  if (text.starts_with("\xEF\xBB\xBF")) return false;
  constexpr size_t kFastPathBytes = 1 << 20;
  if (text.size() <= kFastPathBytes) {
    thread_local simdjson::dom::parser parser;
    if (parser.parse(text.data(), text.size(), /*realloc_if_needed=*/true).error() ==
        simdjson::SUCCESS)
      return true;
  }
  return Json::accept(text.begin(), text.end());
}

bool CarriesNothing(std::string_view json_text) {
  std::string_view t = TrimJsonSpace(json_text);
  if (t.empty() || t == "null" || t == "\"\"") return true;
  if (t.size() >= 2 &&
      ((t.front() == '{' && t.back() == '}') || (t.front() == '[' && t.back() == ']')))
    return TrimJsonSpace(t.substr(1, t.size() - 2)).empty();
  return false;
}

std::string JsonQuote(std::string_view s) {
  std::string out;
  AppendJsonString(out, s);
  return out;
}

std::string UnquoteJsonString(std::string_view s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') {
    Json j = Json::parse(s.begin(), s.end(), nullptr, /*allow_exceptions=*/false);
    if (j.is_string()) return j.get<std::string>();
  }
  return std::string(s);
}

std::string ValueAsJson(const AnyValue& v, bool json_allowed) {
  if (v.is_string()) {
    const std::string& s = v.as_string();
    if (s.empty()) return "";
    if (json_allowed && IsJson(s)) return CarriesNothing(s) ? "" : s;
    return JsonQuote(s);
  }
  if (v.empty()) return "";
  std::string out = v.ToJson();
  return CarriesNothing(out) ? "" : out;
}

Json ToJsonDom(const AnyValue& v, int depth) {
  if (depth > kMaxValueDepth) return nullptr;
  if (v.is_string()) return v.as_string();
  if (v.is_bool()) return v.as_bool();
  if (v.is_int()) return v.as_int();
  if (v.is_double()) {
    if (!std::isfinite(v.as_double())) return nullptr;
    return v.as_double();
  }
  if (v.is_array()) {
    Json arr = Json::array();
    for (const AnyValue& e : v.as_array()) arr.push_back(ToJsonDom(e, depth + 1));
    return arr;
  }
  if (v.is_kvlist()) {
    Json obj = Json::object();
    for (const KeyValue& kv : v.as_kvlist()) obj[kv.key] = ToJsonDom(kv.value, depth + 1);
    return obj;
  }
  if (v.is_bytes()) {
    // ToJson writes bytes as a quoted base64 string: a JSON string literal.
    Json j = Json::parse(v.ToJson(), nullptr, /*allow_exceptions=*/false);
    return j.is_string() ? j : Json(nullptr);
  }
  return nullptr;
}

std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

}  // namespace tracelake::model::normalize_internal
