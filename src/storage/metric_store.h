// MetricStore: aggregates over stored traces and spans for dashboards (docs/metrics.md) and
// MLflow's trace-metrics API. One role of a storage backend (storage/backend.h).
//
// Safe for concurrent use.
#pragma once

#include <vector>

#include "common/ids.h"
#include "storage/metric_query.h"
#include "storage/metric_values.h"
#include "tracelake/status.h"

namespace tracelake::storage {

class MetricStore {
 public:
  virtual ~MetricStore() = default;

  // Aggregates of q.level over q.experiment_ids in [start_ms, end_ms): one cell per time bucket,
  // group and (span level) model. Unfiltered, minute-aligned queries over rollup dimensions are
  // answered from rollups kept at ingest (latency as a sketch); others from raw rows (exact).
  // kInvalidArgument for a bad range, a dimension the level lacks, or an unsupported filter.
  virtual Result<MetricTable> QueryMetrics(const MetricQuery& q) = 0;
  // Token usage per model of each trace (same order as ids; unknown ids get an empty list).
  virtual Result<std::vector<std::vector<ModelUsage>>> GetModelUsage(
      const std::vector<TraceId>& ids) = 0;
  // MLflow's trace-metrics API (storage/metric_values.h): the rows of q.view in scope, grouped by
  // bucket and q.dimensions, each counted and with its q.column value; always raw rows (exact).
  // kInvalidArgument for a bad range or bucket, a dimension or column the view lacks, or an
  // unsupported filter.
  virtual Result<ValueTable> QueryMetricValues(const ValueMetricQuery& q) = 0;
};

}  // namespace tracelake::storage
