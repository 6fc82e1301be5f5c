// tracelake's metrics REST API (docs/metrics.md): POST /api/2.0/tracelake/metrics/query and
// POST /api/2.0/tracelake/traces/costs, also under /ajax-api/2.0 for the web UI. Errors have
// MLflow's shape, as in the rest of the REST API.
#pragma once

#include <memory>

#include "model/price_table.h"
#include "server/http/router.h"
#include "storage/experiment_store.h"
#include "storage/metric_store.h"

namespace tracelake::server {

struct MetricsQueryOptions {
  // Prices for cost_usd. nullptr: the shipped table.
  std::shared_ptr<const model::PriceTable> prices;
  // Most trace ids accepted by traces/costs in one request.
  int max_batch_trace_ids = 1000;
};

// Adds both routes. The handlers borrow the stores (they must outlive the router) and copy
// `options`.
void RegisterMetricsQueryRoutes(Router& router, storage::MetricStore& store,
                                storage::ExperimentStore& experiments,
                                const MetricsQueryOptions& options);

}  // namespace tracelake::server
