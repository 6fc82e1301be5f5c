// Scope: the access a route requires, declared by every route when it is registered (Router::Add
// has no default), so adding a route forces the decision. The future auth middleware reads it
// through Router::ForEachRoute / Router::Match and enforces it in one place; which token scopes
// satisfy which route scope (e.g. whether write implies read) is the authorizer's policy, not
// the route's.
#pragma once

#include <string_view>

namespace tracelake::server {

enum class Scope {
  // No credential: liveness (/health), /version (clients probe it before anything else) and the
  // web UI's static files (the UI then calls the API with the user's credential).
  kPublic,
  // Reads stored data: experiments, traces, spans, assessments, metrics and costs. Includes POST
  // endpoints that only query (traces/search, batchGetInfos, metrics queries).
  kRead,
  // Changes stored data through the REST API: experiments, tags, assessments, trace deletion and
  // links.
  kWrite,
  // Submits new telemetry, and nothing else: OTLP (HTTP and gRPC) and MLflow's client-side trace
  // submission (StartTrace, EndTrace V2, traces.json upload). What an agent's token needs; it
  // cannot read traces back, edit or delete them.
  kIngest,
  // Operates the server itself: its own telemetry (/metrics), and later users and tokens.
  kAdmin,
};

// "public", "read", "write", "ingest", "admin".
constexpr std::string_view ScopeName(Scope scope) {
  switch (scope) {
    case Scope::kPublic: return "public";
    case Scope::kRead: return "read";
    case Scope::kWrite: return "write";
    case Scope::kIngest: return "ingest";
    case Scope::kAdmin: return "admin";
  }
  return "unknown";
}

}  // namespace tracelake::server
