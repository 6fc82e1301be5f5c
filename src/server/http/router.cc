#include "server/http/router.h"

#include <utility>

namespace tracelake::server {
namespace {

std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) out.push_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

bool IsParam(std::string_view seg) {
  return seg.size() >= 2 && seg.front() == '{' && seg.back() == '}';
}

}  // namespace

void Router::Add(std::string method, std::string pattern, Scope scope, Handler handler) {
  Route r;
  r.method = std::move(method);
  for (auto seg : Split(pattern)) {
    r.segments.emplace_back(seg);
    if (!IsParam(seg)) ++r.literal_count;
  }
  r.pattern = std::move(pattern);
  r.scope = scope;
  r.handler = std::move(handler);
  routes_.push_back(std::move(r));
}

void Router::SetFallback(Scope scope, Handler handler) {
  fallback_scope_ = scope;
  fallback_ = std::move(handler);
}

void Router::ForEachRoute(
    const std::function<void(std::string_view, std::string_view, Scope)>& fn) const {
  for (const auto& r : routes_) fn(r.method, r.pattern, r.scope);
}

std::optional<Scope> Router::fallback_scope() const {
  if (!fallback_) return std::nullopt;
  return fallback_scope_;
}

Router::MatchResult Router::Match(std::string_view method, std::string_view path,
                                  std::map<std::string, std::string>& params,
                                  const Handler** handler, Scope* scope) const {
  auto segs = Split(path);
  const Route* best = nullptr;
  bool path_matched = false;
  for (const auto& r : routes_) {
    if (r.segments.size() != segs.size()) continue;
    bool ok = true;
    for (size_t i = 0; i < segs.size() && ok; ++i) {
      if (!IsParam(r.segments[i]) && r.segments[i] != segs[i]) ok = false;
    }
    if (!ok) continue;
    path_matched = true;
    if (r.method != method) continue;
    if (best == nullptr || r.literal_count > best->literal_count) best = &r;
  }
  if (best == nullptr) {
    if (path_matched) return MatchResult::kMethodNotAllowed;
    if (!fallback_) return MatchResult::kNotFound;
    params.clear();
    *handler = &fallback_;
    if (scope != nullptr) *scope = fallback_scope_;
    return MatchResult::kFound;
  }
  params.clear();
  for (size_t i = 0; i < segs.size(); ++i) {
    const auto& s = best->segments[i];
    if (IsParam(s)) params[s.substr(1, s.size() - 2)] = std::string(segs[i]);
  }
  *handler = &best->handler;
  if (scope != nullptr) *scope = best->scope;
  return MatchResult::kFound;
}

}  // namespace tracelake::server
