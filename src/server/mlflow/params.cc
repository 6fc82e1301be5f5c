#include "server/mlflow/params.h"

#include <cctype>
#include <charconv>
#include <exception>

namespace tracelake::server {
namespace {

constexpr const char kApiDocsHint[] =
    " See the API docs for more information about request parameters.";

bool IsBlank(std::string_view s) {
  return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// Deepest [ / { nesting outside strings; stops counting once past the limit.
int NestingDepth(std::string_view s) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : s) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"')
      in_string = true;
    else if (c == '[' || c == '{') {
      if (++depth > deepest && (deepest = depth) > kMaxJsonDepth) return deepest;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

// Python's type names, as MLflow's "Hint: Value was of type 'int'." uses them.
const char* PythonTypeName(const Json& v) {
  switch (v.type()) {
    case Json::value_t::string:
      return "str";
    case Json::value_t::boolean:
      return "bool";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "int";
    case Json::value_t::number_float:
      return "float";
    case Json::value_t::array:
      return "list";
    case Json::value_t::object:
      return "dict";
    default:
      return "NoneType";
  }
}

// A short rendering of an offending parameter value (never a whole payload).
std::string ShortJson(const Json& v) {
  std::string s = DumpJson(v);
  if (s.size() > 64) s = s.substr(0, 61) + "...";
  return s;
}

std::optional<int64_t> ParseDecimal(std::string_view s) {
  int64_t v = 0;
  if (s.empty()) return std::nullopt;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

Result<Json> ParseJsonBody(std::string_view body) {
  if (IsBlank(body)) return Json::object();
  if (NestingDepth(body) > kMaxJsonDepth)
    return InvalidArgumentError("Malformed JSON body: nested deeper than " +
                                std::to_string(kMaxJsonDepth) + " levels");
  try {
    return Json::parse(body);
  } catch (const Json::parse_error& e) {
    return InvalidArgumentError("Malformed JSON body: syntax error at byte " +
                                std::to_string(e.byte));
  } catch (const std::exception&) {
    return InvalidArgumentError("Malformed JSON body");
  }
}

std::string DumpJson(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Result<Json> ParamReader::FromRequest(const HttpRequest& req) {
  Json params = Json::object();
  for (const auto& [k, v] : req.query) {
    auto it = params.find(k);
    if (it == params.end()) {
      params[k] = v;
    } else {
      if (!it->is_array()) *it = Json::array({*it});
      it->push_back(v);
    }
  }
  // As MLflow's _get_request_message: a GET with query parameters ignores any body; a GET
  // without them reads its parameters from a JSON body like the other methods.
  if ((req.method == "GET" && !req.query.empty()) || IsBlank(req.body)) return params;
  ASSIGN_OR_RETURN(Json body, ParseJsonBody(req.body));
  // Older MLflow clients post their JSON double-encoded as a string; MLflow decodes it again.
  if (body.is_string()) {
    ASSIGN_OR_RETURN(body, ParseJsonBody(body.get_ref<const std::string&>()));
  }
  if (body.is_null()) return params;
  if (!body.is_object()) return InvalidArgumentError("Request body must be a JSON object");
  for (auto& [k, v] : body.items()) params[k] = std::move(v);
  return params;
}

const Json* ParamReader::Get(std::string_view key) const {
  if (!obj_->is_object()) return nullptr;
  auto it = obj_->find(key);
  if (it == obj_->end() || it->is_null()) return nullptr;
  return &*it;
}

bool ParamReader::Has(std::string_view key) const { return Get(key) != nullptr; }

std::string ParamReader::PathOf(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

Status ParamReader::Missing(std::string_view key) const {
  return InvalidArgumentError("Missing value for required parameter '" + PathOf(key) + "'." +
                              kApiDocsHint);
}

Status ParamReader::Invalid(std::string_view key, const Json& value, std::string_view why) const {
  std::string msg =
      "Invalid value " + ShortJson(value) + " for parameter '" + PathOf(key) + "' supplied";
  if (!why.empty()) {
    msg += ": ";
    msg += why;
  } else {
    msg += ". Hint: Value was of type '" + std::string(PythonTypeName(value)) + "'.";
  }
  return InvalidArgumentError(msg + kApiDocsHint);
}

Result<std::optional<std::string>> ParamReader::OptString(std::string_view key,
                                                          bool allow_number) const {
  const Json* v = Get(key);
  if (v == nullptr) return std::optional<std::string>();
  if (v->is_string()) return std::optional<std::string>(v->get<std::string>());
  if (allow_number && v->is_number_integer()) return std::optional<std::string>(v->dump());
  return Invalid(key, *v);
}

Result<std::string> ParamReader::RequiredString(std::string_view key, bool allow_number) const {
  ASSIGN_OR_RETURN(std::optional<std::string> v, OptString(key, allow_number));
  if (!v || v->empty()) return Missing(key);
  return *v;
}

Result<std::string> ParamReader::StringOr(std::string_view key, std::string fallback) const {
  ASSIGN_OR_RETURN(std::optional<std::string> v, OptString(key));
  if (v) return std::move(*v);
  return fallback;
}

Result<std::optional<int64_t>> ParamReader::OptInt(std::string_view key, int64_t min,
                                                   int64_t max) const {
  const Json* v = Get(key);
  if (v == nullptr) return std::optional<int64_t>();
  std::optional<int64_t> n;
  if (v->is_number_integer()) {
    if (v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
      return Invalid(key, *v, "out of range");
    n = v->get<int64_t>();
  } else if (v->is_string()) {
    n = ParseDecimal(v->get_ref<const std::string&>());
  } else if (v->is_number_float()) {
    // Protobuf's JSON parser accepts 10.0 for an integer field, but not 10.5.
    double d = v->get<double>();
    if (d == static_cast<double>(static_cast<int64_t>(d)) && d > -9.2e18 && d < 9.2e18)
      n = static_cast<int64_t>(d);
  }
  if (!n) return Invalid(key, *v);
  if (*n < min || *n > max) {
    std::string range = "must be ";
    if (max == INT64_MAX)
      range += "at least " + std::to_string(min);
    else
      range += "between " + std::to_string(min) + " and " + std::to_string(max);
    return Invalid(key, *v, range + ".");
  }
  return n;
}

Result<std::optional<bool>> ParamReader::OptBool(std::string_view key) const {
  const Json* v = Get(key);
  if (v == nullptr) return std::optional<bool>();
  if (v->is_boolean()) return std::optional<bool>(v->get<bool>());
  if (v->is_string()) {
    std::string s = v->get<std::string>();
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (s == "true") return std::optional<bool>(true);
    if (s == "false") return std::optional<bool>(false);
    return InvalidArgumentError("Invalid boolean value: " + ShortJson(*v) +
                                ", must be 'true' or 'false'.");
  }
  return Invalid(key, *v);
}

Result<std::vector<std::string>> ParamReader::StringList(std::string_view key, bool required,
                                                         bool allow_number) const {
  std::vector<std::string> out;
  const Json* v = Get(key);
  if (v == nullptr) {
    if (required) return Missing(key);
    return out;
  }
  auto one = [&](const Json& e) -> Status {
    if (e.is_string())
      out.push_back(e.get<std::string>());
    else if (allow_number && e.is_number_integer())
      out.push_back(e.dump());
    else
      return Invalid(key, *v, "expected a list of strings.");
    return OkStatus();
  };
  if (v->is_array()) {
    for (const auto& e : *v) RETURN_IF_ERROR(one(e));
  } else {
    RETURN_IF_ERROR(one(*v));
  }
  return out;
}

Result<std::optional<ParamReader>> ParamReader::OptObject(std::string_view key) const {
  const Json* v = Get(key);
  if (v == nullptr) return std::optional<ParamReader>();
  if (!v->is_object()) return Invalid(key, *v);
  return std::optional<ParamReader>(ParamReader(*v, PathOf(key)));
}

Result<ParamReader> ParamReader::RequiredObject(std::string_view key) const {
  ASSIGN_OR_RETURN(std::optional<ParamReader> r, OptObject(key));
  if (!r) return Missing(key);
  return *r;
}

Result<std::map<std::string, std::string>> ParamReader::StringMap(std::string_view key) const {
  std::map<std::string, std::string> out;
  const Json* v = Get(key);
  if (v == nullptr) return out;
  auto text = [](const Json& e) { return e.is_string() ? e.get<std::string>() : DumpJson(e); };
  if (v->is_object()) {
    for (const auto& [k, e] : v->items()) {
      if (e.is_null()) continue;
      if (e.is_object() || e.is_array()) return Invalid(key, *v, "values must be strings.");
      out[k] = text(e);
    }
    return out;
  }
  if (v->is_array()) {
    for (const auto& e : *v) {
      const Json* k = e.is_object() && e.contains("key") ? &e["key"] : nullptr;
      if (k == nullptr || !k->is_string() || k->get_ref<const std::string&>().empty())
        return Invalid(key, *v, "every entry needs a non-empty string 'key'.");
      auto val = e.find("value");
      if (val != e.end() && (val->is_object() || val->is_array()))
        return Invalid(key, *v, "values must be strings.");
      out[k->get<std::string>()] = val == e.end() || val->is_null() ? "" : text(*val);
    }
    return out;
  }
  return Invalid(key, *v);
}

}  // namespace tracelake::server
