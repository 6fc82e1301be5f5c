// Every HTTP route of a tracelake server, registered in one place: ServerApp serves them and the
// route test walks them (tests/server/server_routes_test.cc, golden tests/data/server/routes.txt).
#pragma once

#include "ingest/otlp_ingestor.h"
#include "server/http/router.h"
#include "server/http/static_ui.h"
#include "server/mlflow/api.h"
#include "server/tracelake/evaluations.h"
#include "server/tracelake/lake_sink.h"
#include "server/tracelake/metrics_endpoint.h"
#include "server/tracelake/metrics_query.h"
#include "server/tracelake/online_scoring.h"
#include "server/tracelake/sql_endpoint.h"
#include "storage/backend.h"

namespace tracelake::server {

// What the routes borrow; each must outlive the router.
struct ServerRouteDeps {
  storage::Backend& storage;
  ingest::OtlpIngestor& ingestor;
  const RequestMetrics& request_metrics;
  StaticUi& static_ui;
  EvaluationService& evaluations;
  OnlineScoringService& online_scoring;
  LakeSinkService* lake = nullptr;  // null without --lake-location
};

struct ServerRouteOptions {
  MlflowApiOptions mlflow;
  MetricsQueryOptions metrics_query;
  SqlEndpointOptions sql;
};

// MLflow's API, tracelake's own, the OTLP/HTTP receivers, /metrics and the UI as the fallback.
// Call during setup, before the router serves requests.
void RegisterServerRoutes(Router& router, const ServerRouteDeps& deps,
                          const ServerRouteOptions& options);

}  // namespace tracelake::server
