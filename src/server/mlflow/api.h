// The MLflow-compatible REST API: MLflow 3.x paths, JSON shapes and error format, served under
// /api/2.0 and /api/3.0 (per each rpc's "since" version in MLflow's service.proto) and the same
// paths under the UI's /ajax-api prefix. docs/rest-api.md lists every endpoint.
//
//   Router router;
//   MlflowApiOptions options;
//   options.server_version = "3.5.0";
//   RegisterMlflowRoutes(router, *store, options);
//
// Covered: experiments, traces (StartTraceV3, the V2 StartTrace/EndTrace/GetTraceInfo/
// SearchTraces forms, get / batchGet / batchGetInfos / search / delete / tags / link-to-run),
// assessments, evaluation datasets (and tracelake's dataset-from-traces route), the
// mlflow-artifacts proxy for a trace's traces.json (upload is ingested as spans, download is
// built from stored spans), get-trace-artifact, runs (create / get / update / delete / restore /
// search / log-batch / log-metric / log-parameter / set-tag / delete-tag / log-inputs,
// metrics/get-history), registered scorers (register / list / versions / get / delete, online
// configs), /version and /health.
#pragma once

#include <functional>
#include <string>

#include "common/clock.h"
#include "common/ids.h"
#include "server/http/router.h"
#include "storage/backend.h"

namespace tracelake::server {

struct MlflowApiOptions {
  // Answered at GET /version. MLflow's Python client sends spans over OTLP (/v1/traces) when
  // the server says 3.4 or newer, and falls back to uploading traces.json otherwise.
  std::string server_version = "3.5.0";
  // Root of the trace artifact locations handed to clients in the mlflow.artifactLocation tag:
  // <artifact_root><experiment_id>/traces/<trace_id>/artifacts. Only mlflow-artifacts URIs are
  // served (by this API's proxy routes); anything else makes clients upload elsewhere.
  std::string artifact_root = "mlflow-artifacts:/";
  // Largest max_results for trace search (MLflow's handlers reject more than 500).
  int max_trace_page_size = 500;
  // Largest max_results for experiment search (MLflow's SEARCH_MAX_RESULTS_THRESHOLD).
  int max_experiment_page_size = 50000;
  // Most trace ids accepted by batchGet / batchGetInfos in one request.
  int max_batch_trace_ids = 1000;
  // Most records accepted by one UpsertDatasetRecords request (the body cap applies too).
  int max_dataset_records_per_upsert = 100000;
  // Time source for V2 StartTrace/EndTrace calls that omit timestamp_ms. nullptr: system clock.
  const Clock* clock = nullptr;
  // Trace ids for V2 StartTrace (the server picks them); must be safe for concurrent use.
  // Empty: random ids.
  std::function<TraceId()> new_trace_id;
};

// Adds every route to `router`. The handlers borrow `store` (it must outlive the router) and
// copy `options`. Call during setup, before the router serves requests.
void RegisterMlflowRoutes(Router& router, storage::Backend& storage,
                          const MlflowApiOptions& options);

}  // namespace tracelake::server
