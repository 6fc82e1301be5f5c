// Internal to server/mlflow/ and server/tracelake/ (tracelake's own API keeps MLflow's prefixes
// and error body): the route table that serves one path under MLflow's /api/<v>.0 and
// /ajax-api/<v>.0 prefixes, and each endpoint group's registration. A group takes exactly the
// dependencies it uses as parameters; there is no context shared by every handler.
#pragma once

#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/ids.h"
#include "server/http/router.h"
#include "server/http/scope.h"
#include "server/mlflow/json.h"
#include "server/mlflow/params.h"
#include "storage/assessment_store.h"
#include "storage/experiment_store.h"
#include "storage/metric_store.h"
#include "storage/run_store.h"
#include "storage/trace_store.h"

namespace tracelake::server {

// A handler that answers JSON: the value, or an error turned into MLflow's error body.
using JsonHandler = std::function<Result<Json>(const HttpRequest&)>;
// A handler that writes the response itself (plain text, file downloads).
using RawHandler = std::function<void(const HttpRequest&, HttpResponse&)>;

// Confine to setup, like the Router it adds to.
class MlflowRouteTable {
 public:
  explicit MlflowRouteTable(Router& router) : router_(router) {}

  // Serves `path` (e.g. "/mlflow/traces/search") at /api/<version>.0<path> and
  // /ajax-api/<version>.0<path> for each method, requiring `scope` (no default: every route
  // decides; see server/http/scope.h).
  void Add(std::initializer_list<const char*> methods, int version, const std::string& path,
           Scope scope, JsonHandler handler);
  void AddRaw(std::initializer_list<const char*> methods, int version, const std::string& path,
              Scope scope, const RawHandler& handler);
  // Serves exactly `full_path` (no prefixes), e.g. "/version".
  void AddExact(const char* method, const std::string& full_path, Scope scope, RawHandler handler);

 private:
  Router& router_;
};

// One endpoint group's routes, bound to that group's own dependencies: its handlers take
// (request, const Deps&) and every route of the group shares one immutable Deps. Deps must be
// safe for concurrent use (it holds references to thread-safe objects and plain values).
template <typename Deps>
class BoundRoutes {
 public:
  using JsonHandler = std::function<Result<Json>(const HttpRequest&, const Deps&)>;
  using RawHandler = std::function<void(const HttpRequest&, HttpResponse&, const Deps&)>;

  BoundRoutes(MlflowRouteTable& table, Deps deps)
      : table_(table), deps_(std::make_shared<const Deps>(std::move(deps))) {}

  void Add(std::initializer_list<const char*> methods, int version, const std::string& path,
           Scope scope, JsonHandler handler) {
    table_.Add(methods, version, path, scope,
               [deps = deps_, handler = std::move(handler)](const HttpRequest& req) {
                 return handler(req, *deps);
               });
  }
  void AddRaw(std::initializer_list<const char*> methods, int version, const std::string& path,
              Scope scope, RawHandler handler) {
    table_.AddRaw(methods, version, path, scope,
                  [deps = deps_, handler = std::move(handler)](
                      const HttpRequest& req, HttpResponse& res) { handler(req, res, *deps); });
  }

 private:
  MlflowRouteTable& table_;
  // Shared by every handler copy the router keeps, for the router's lifetime.
  std::shared_ptr<const Deps> deps_;
};

// What the trace read group needs besides the store.
struct TraceReadOptions {
  std::string artifact_root;  // for the mlflow.artifactLocation tag
  int max_trace_page_size = 500;
  int max_batch_trace_ids = 1000;
};

// What the trace write group needs besides the store.
struct TraceWriteOptions {
  std::string artifact_root;              // for the mlflow.artifactLocation tag
  const Clock* clock = nullptr;           // not null; time of V2 calls that omit timestamp_ms
  std::function<TraceId()> new_trace_id;  // set; V2 StartTrace's ids
  // When set, link-to-run requires the run to exist (as MLflow's database does through its
  // foreign key): an unknown run is RESOURCE_DOES_NOT_EXIST.
  storage::RunStore* runs = nullptr;
};

// Registration of each group of endpoints (one file each). Each borrows `store`, which must
// outlive the router.
void RegisterExperimentRoutes(MlflowRouteTable& table, storage::ExperimentStore& store,
                              int max_page_size);
void RegisterTraceReadRoutes(MlflowRouteTable& table, storage::TraceStore& store,
                             const TraceReadOptions& options);
void RegisterTraceWriteRoutes(MlflowRouteTable& table, storage::TraceStore& store,
                              storage::ExperimentStore& experiments,
                              const TraceWriteOptions& options);
void RegisterAssessmentRoutes(MlflowRouteTable& table, storage::AssessmentStore& store);
void RegisterArtifactRoutes(MlflowRouteTable& table, storage::TraceStore& store,
                            storage::ExperimentStore& experiments);
// MLflow 3's POST /api/3.0/mlflow/traces/metrics (QueryTraceMetrics).
void RegisterTraceMetricsRoutes(MlflowRouteTable& table, storage::MetricStore& store,
                                storage::ExperimentStore& experiments);
// MLflow's runs RPCs (2.0: runs/*, metrics/get-history) and registered scorers (3.0).
void RegisterRunRoutes(MlflowRouteTable& table, storage::RunStore& store,
                       storage::ExperimentStore& experiments);
void RegisterScorerRoutes(MlflowRouteTable& table, storage::ScorerStore& store,
                          storage::ExperimentStore& experiments);

// Helpers shared by the handlers.

// "tr-<32 hex>" (or bare hex) from a path or body parameter; kInvalidArgument otherwise.
Result<TraceId> ParseTraceIdParam(const std::string& value, const std::string& name);
// A path parameter the router matched ({trace_id}); kInvalidArgument when absent.
Result<std::string> PathParam(const HttpRequest& req, const std::string& name);
// The experiment must exist (kNotFound otherwise, with ExperimentNotFoundError's wording).
Status CheckExperimentExists(storage::ExperimentStore& store, const std::string& experiment_id);
// The metric endpoints' required "experiment_ids" (strings or numbers), at most 100 of them.
Result<std::vector<std::string>> MetricExperimentIds(const ParamReader& p);

}  // namespace tracelake::server
