#include "server/server_routes.h"

#include "server/otlp/otlp_http.h"
#include "server/tracelake/sql_endpoint.h"

namespace tracelake::server {

void RegisterServerRoutes(Router& router, const ServerRouteDeps& deps,
                          const ServerRouteOptions& options) {
  RegisterMlflowRoutes(router, deps.storage, options.mlflow);
  RegisterMetricsQueryRoutes(router, deps.storage.metrics(), deps.storage.experiments(),
                             options.metrics_query);
  RegisterEvaluationRoutes(router, deps.evaluations);
  RegisterOnlineScoringRoutes(router, deps.online_scoring);
  RegisterLakeRoutes(router, deps.lake);
  RegisterSqlRoutes(router, deps.storage, options.sql);
  RegisterOtlpHttpRoutes(router, deps.ingestor);
  OnlineScoringService* online = &deps.online_scoring;
  LakeSinkService* lake = deps.lake;
  RegisterMetricsRoute(router, deps.storage, deps.ingestor, deps.request_metrics, [online, lake] {
    return online->MetricsText() + (lake != nullptr ? lake->MetricsText() : std::string());
  });
  // The UI answers what no route above matches.
  deps.static_ui.RegisterRoutes(router);
}

}  // namespace tracelake::server
