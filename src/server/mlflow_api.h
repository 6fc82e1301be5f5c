// The MLflow-compatible REST API (MLflow 3.x paths, JSON shapes and error format), served
// under /api/2.0, /api/3.0 and the UI's /ajax-api prefixes. docs/rest-api.md lists it.
#pragma once

#include <string>

#include "server/http_types.h"
#include "storage/trace_store.h"

namespace tracelake::server {

struct MlflowApiOptions {
  // Answered at GET /version. MLflow clients upload spans over OTLP (/v1/traces) from 3.4 on.
  std::string server_version = "3.5.0";
};

void RegisterMlflowRoutes(Router& router, storage::TraceStore& store, const MlflowApiOptions& options);

}  // namespace tracelake::server
