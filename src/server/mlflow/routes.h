// Internal to the MLflow API (server/mlflow/*.cc): the shared handler context and the route table
// that serves one path under MLflow's /api/<v>.0 and /ajax-api/<v>.0 prefixes.
#pragma once

#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "server/mlflow/api.h"
#include "server/mlflow/json.h"
#include "server/mlflow/params.h"

namespace tracelake::server {

// What every handler needs. Immutable after registration; safe for concurrent use (the store,
// the clock and new_trace_id all are).
struct MlflowContext {
  storage::TraceStore* store = nullptr;
  MlflowApiOptions options;  // clock and new_trace_id always set

  int64_t NowUnixNanos() const { return options.clock->NowUnixNanos(); }
  TraceId NewTraceId() const { return options.new_trace_id(); }
  const model::PriceTable& prices() const {
    return options.prices ? *options.prices : model::PriceTable::Default();
  }
};

// A handler that answers JSON: the value, or an error turned into MLflow's error body.
using JsonHandler = std::function<Result<Json>(const HttpRequest&, const MlflowContext&)>;
// A handler that writes the response itself (plain text, file downloads).
using RawHandler = std::function<void(const HttpRequest&, HttpResponse&, const MlflowContext&)>;

class MlflowRouteTable {
 public:
  // The context is shared by every handler copy the router keeps, for the router's lifetime.
  MlflowRouteTable(Router& router, std::shared_ptr<const MlflowContext> context)
      : router_(router), context_(std::move(context)) {}

  // Serves `path` (e.g. "/mlflow/traces/search") at /api/<version>.0<path> and
  // /ajax-api/<version>.0<path> for each method, requiring `scope` (no default: every route
  // decides; see server/http/scope.h).
  void Add(std::initializer_list<const char*> methods, int version, const std::string& path,
           Scope scope, JsonHandler handler);
  void AddRaw(std::initializer_list<const char*> methods, int version, const std::string& path,
              Scope scope, RawHandler handler);
  // Serves exactly `full_path` (no prefixes), e.g. "/version".
  void AddExact(const char* method, const std::string& full_path, Scope scope,
                RawHandler handler);

 private:
  Router& router_;
  std::shared_ptr<const MlflowContext> context_;
};

// Registration of each group of endpoints (one file each).
void RegisterExperimentRoutes(MlflowRouteTable& routes);
void RegisterTraceReadRoutes(MlflowRouteTable& routes);
void RegisterTraceWriteRoutes(MlflowRouteTable& routes);
void RegisterAssessmentRoutes(MlflowRouteTable& routes);
void RegisterArtifactRoutes(MlflowRouteTable& routes);
// tracelake's own: POST /api/2.0/tracelake/metrics/query and /tracelake/traces/costs.
void RegisterMetricsQueryRoutes(MlflowRouteTable& routes);
// MLflow 3's POST /api/3.0/mlflow/traces/metrics (QueryTraceMetrics).
void RegisterTraceMetricsRoutes(MlflowRouteTable& routes);

// Helpers shared by the handlers.

// "tr-<32 hex>" (or bare hex) from a path or body parameter; kInvalidArgument otherwise.
Result<TraceId> ParseTraceIdParam(const std::string& value, const std::string& name);
// A path parameter the router matched ({trace_id}); kInvalidArgument when absent.
Result<std::string> PathParam(const HttpRequest& req, const std::string& name);
// The experiment must exist (kNotFound otherwise); MLflow's "No Experiment with id=..." text.
Status CheckExperimentExists(const MlflowContext& ctx, const std::string& experiment_id);
// The metric endpoints' required "experiment_ids" (strings or numbers), at most 100 of them.
Result<std::vector<std::string>> MetricExperimentIds(const ParamReader& p);

}  // namespace tracelake::server
