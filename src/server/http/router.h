// Router: maps (method, path pattern) to a handler, with {name} path parameters.
#pragma once

#include <functional>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "server/http/http_types.h"

namespace tracelake::server {

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
