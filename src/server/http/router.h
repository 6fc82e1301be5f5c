// Router: maps (method, path pattern) to a handler, with {name} path parameters, and keeps the
// access scope every route declares.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/http/http_types.h"
#include "server/http/scope.h"

namespace tracelake::server {

using Handler = std::function<void(HttpRequest&, HttpResponse&)>;

// Confine to setup: Add() and SetFallback() before serving; Match() and ForEachRoute() are then
// safe for concurrent use.
class Router {
 public:
  // pattern: "/api/3.0/mlflow/traces/{trace_id}/tags"; a {name} matches one non-empty segment.
  // `scope` is the access the route requires (scope.h); there is deliberately no default.
  void Add(std::string method, std::string pattern, Scope scope, Handler handler);

  // Answers every request whose path no route matches (with any method), e.g. the web UI's
  // client routes. A path some route matches with another method stays kMethodNotAllowed.
  void SetFallback(Scope scope, Handler handler);

  enum class MatchResult { kFound, kNotFound, kMethodNotAllowed };
  // Fills params, *handler and (when not null) *scope on kFound. Literal segments win over
  // {params} on ties.
  MatchResult Match(std::string_view method, std::string_view path,
                    std::map<std::string, std::string>& params, const Handler** handler,
                    Scope* scope = nullptr) const;

  // Calls fn(method, pattern, scope) for every route, in registration order (not the fallback).
  void ForEachRoute(
      const std::function<void(std::string_view method, std::string_view pattern, Scope scope)>&
          fn) const;
  // The fallback's scope; nullopt when there is no fallback.
  std::optional<Scope> fallback_scope() const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;  // "{x}" for parameters
    int literal_count = 0;
    Scope scope = Scope::kAdmin;
    Handler handler;
  };
  std::vector<Route> routes_;
  Handler fallback_;  // empty: none
  Scope fallback_scope_ = Scope::kAdmin;
};

}  // namespace tracelake::server
