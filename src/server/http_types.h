// Transport-independent HTTP request/response and a small router with path parameters.
// The HTTP server (http_server.cc) adapts cpp-httplib to these; handlers never see httplib.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tracelake::server {

struct HttpRequest {
  std::string method;  // "GET", "POST", "PATCH", "DELETE", ...
  std::string path;    // without query string
  // Query parameters in order; repeated keys (trace_ids=a&trace_ids=b) appear repeatedly.
  std::vector<std::pair<std::string, std::string>> query;
  std::map<std::string, std::string> headers;  // keys lower-cased
  std::string body;                            // already decompressed
  std::map<std::string, std::string> path_params;  // {name} segments of the matched route

  // First value of a query parameter, or nullptr.
  const std::string* QueryParam(std::string_view key) const {
    for (const auto& [k, v] : query)
      if (k == key) return &v;
    return nullptr;
  }
  std::vector<std::string> QueryParams(std::string_view key) const {
    std::vector<std::string> out;
    for (const auto& [k, v] : query)
      if (k == key) out.push_back(v);
    return out;
  }
  const std::string* Header(std::string_view lower_key) const {
    auto it = headers.find(std::string(lower_key));
    return it == headers.end() ? nullptr : &it->second;
  }
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

using Handler = std::function<void(HttpRequest&, HttpResponse&)>;

// Confine to setup: Add() before serving; Match() is then safe for concurrent use.
class Router {
 public:
  // pattern: "/api/3.0/mlflow/traces/{trace_id}/tags"; a {name} matches one non-empty segment.
  void Add(std::string method, std::string pattern, Handler handler);
  // Adds the same handler for several methods.
  void Add(std::initializer_list<std::string> methods, const std::string& pattern,
           const Handler& handler);

  // Answers every request whose path no route matches (with any method), e.g. the web UI's
  // client routes. A path some route matches with another method stays kMethodNotAllowed.
  void SetFallback(Handler handler);

  enum class MatchResult { kFound, kNotFound, kMethodNotAllowed };
  // Fills params and *handler on kFound. Literal segments win over {params} on ties.
  MatchResult Match(std::string_view method, std::string_view path,
                    std::map<std::string, std::string>& params, const Handler** handler) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;  // "{x}" for parameters
    int literal_count = 0;
    Handler handler;
  };
  std::vector<Route> routes_;
  Handler fallback_;  // empty: none
};

}  // namespace tracelake::server
