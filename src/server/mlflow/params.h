// Reading MLflow request parameters the way MLflow's server does (handlers.py
// _get_request_message): a GET takes its parameters from the query string (a repeated key is
// a list), every other method from a JSON body. Type and presence errors are
// INVALID_PARAMETER_VALUE with MLflow's wording ("Missing value for required parameter 'x'.").
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/http/http_types.h"
#include "tracelake/status.h"

namespace tracelake::server {

using Json = nlohmann::json;

// Parses a request body as JSON without throwing. Errors name the byte offset, never the
// content (bodies may hold prompts). Nesting deeper than kMaxJsonDepth is refused before
// parsing, so hostile input cannot exhaust the stack of later recursive walks.
inline constexpr int kMaxJsonDepth = 256;
Result<Json> ParseJsonBody(std::string_view body);

// Serializes without throwing: invalid UTF-8 is replaced, not an error.
std::string DumpJson(const Json& j);

// A view of one JSON object of parameters. `path` prefixes names in messages
// ("assessment" -> "assessment.source"). Borrows the object; confine to one thread.
class ParamReader {
 public:
  ParamReader(const Json& object, std::string path = "") : obj_(&object), path_(std::move(path)) {}

  // The request's parameters: the query string for a GET that has one (or any request with a
  // blank body), else the JSON body merged over the query string. kInvalidArgument for a
  // malformed or non-object body.
  static Result<Json> FromRequest(const HttpRequest& req);

  const Json& json() const { return *obj_; }
  // Present and not null.
  bool Has(std::string_view key) const;
  const Json* Get(std::string_view key) const;  // nullptr when absent or null
  std::string PathOf(std::string_view key) const;

  // String parameter. Absent/null -> nullopt; a required one must be non-empty. Integers are
  // accepted in decimal form only when `allow_number` (MLflow stringifies experiment ids).
  Result<std::optional<std::string>> OptString(std::string_view key,
                                               bool allow_number = false) const;
  Result<std::string> RequiredString(std::string_view key, bool allow_number = false) const;
  // Like OptString, but absent is "".
  Result<std::string> StringOr(std::string_view key, std::string fallback = "") const;

  // Integer parameter: a JSON integer or a decimal string (query strings), in [min, max].
  Result<std::optional<int64_t>> OptInt(std::string_view key, int64_t min = INT64_MIN,
                                        int64_t max = INT64_MAX) const;
  // Boolean: JSON true/false or "true"/"false" in any case (query strings).
  Result<std::optional<bool>> OptBool(std::string_view key) const;
  // List of strings: a JSON array, or one string (a query key given once). Integers are
  // accepted when `allow_number`.
  Result<std::vector<std::string>> StringList(std::string_view key, bool required = false,
                                              bool allow_number = false) const;
  // Nested object; nullopt when absent. kInvalidArgument when present but not an object.
  Result<std::optional<ParamReader>> OptObject(std::string_view key) const;
  Result<ParamReader> RequiredObject(std::string_view key) const;
  // Map of strings from {"k": "v"} or [{"key": "k", "value": "v"}] (MLflow's tag lists).
  // Non-string scalar values are kept as their JSON text.
  Result<std::map<std::string, std::string>> StringMap(std::string_view key) const;

  Status Missing(std::string_view key) const;
  Status Invalid(std::string_view key, const Json& value, std::string_view why = "") const;

 private:
  const Json* obj_;
  std::string path_;
};

}  // namespace tracelake::server
