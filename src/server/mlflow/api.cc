#include "server/mlflow/api.h"

#include <mutex>
#include <random>

#include "server/mlflow/datasets.h"
#include "server/mlflow/routes.h"

namespace tracelake::server {
namespace {

// Random trace ids for V2 StartTrace; one generator behind a mutex (calls are rare).
std::function<TraceId()> RandomTraceIds() {
  struct State {
    std::mutex mu;
    std::mt19937_64 rng{std::random_device{}()};
  };
  auto state = std::make_shared<State>();
  return [state] {
    std::lock_guard<std::mutex> lock(state->mu);
    TraceId id;
    do {
      for (size_t i = 0; i < id.bytes.size(); i += 8) {
        uint64_t r = state->rng();
        for (size_t b = 0; b < 8; ++b) id.bytes[i + b] = static_cast<uint8_t>(r >> (8 * b));
      }
    } while (id.IsZero());
    return id;
  };
}

}  // namespace

void RegisterMlflowRoutes(Router& router, storage::Backend& storage,
                          const MlflowApiOptions& options) {
  MlflowRouteTable routes(router);
  RegisterExperimentRoutes(routes, storage.experiments(), options.max_experiment_page_size);
  RegisterTraceReadRoutes(routes, storage.traces(),
                          TraceReadOptions{options.artifact_root, options.max_trace_page_size,
                                           options.max_batch_trace_ids});
  TraceWriteOptions writes;
  writes.artifact_root = options.artifact_root;
  writes.clock = options.clock != nullptr ? options.clock : &SystemClock::Default();
  writes.new_trace_id = options.new_trace_id ? options.new_trace_id : RandomTraceIds();
  writes.runs = &storage.runs();
  RegisterTraceWriteRoutes(routes, storage.traces(), storage.experiments(), writes);
  RegisterAssessmentRoutes(routes, storage.assessments());
  RegisterArtifactRoutes(routes, storage.traces(), storage.experiments());
  RegisterTraceMetricsRoutes(routes, storage.metrics(), storage.experiments());
  RegisterRunRoutes(routes, storage.runs(), storage.experiments());
  RegisterScorerRoutes(routes, storage.scorers(), storage.experiments());
  RegisterDatasetRoutes(routes, storage.datasets(), options.max_dataset_records_per_upsert);
  RegisterDatasetFromTracesRoute(routes, storage.datasets(), storage.traces());

  // MLflow's server answers these as plain text.
  routes.AddExact("GET", "/version", Scope::kPublic,
                  [version = options.server_version](const HttpRequest&, HttpResponse& res) {
                    res.content_type = "text/plain";
                    res.body = version;
                  });
  routes.AddExact("GET", "/health", Scope::kPublic, [](const HttpRequest&, HttpResponse& res) {
    res.content_type = "text/plain";
    res.body = "OK";
  });
}

}  // namespace tracelake::server
