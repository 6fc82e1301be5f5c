// SqliteMetricStore: the MetricStore role of the SQLite backend (sqlite_backend.h): dashboard
// metrics from rollups or raw rows (sqlite_metric_store.cc) and MLflow's trace-metrics values
// (sqlite_trace_metrics.cc, sqlite_assessment_metrics.cc). Safe for concurrent use.
#pragma once

#include <vector>

#include "storage/metric_store.h"
#include "storage/sqlite/sqlite_database.h"

namespace tracelake::storage::sqlite {

class SqliteMetricStore final : public MetricStore {
 public:
  explicit SqliteMetricStore(SqliteDatabase& db) : db_(db) {}

  Result<MetricTable> QueryMetrics(const MetricQuery& q) override;
  Result<std::vector<std::vector<ModelUsage>>> GetModelUsage(
      const std::vector<TraceId>& ids) override;
  Result<ValueTable> QueryMetricValues(const ValueMetricQuery& q) override;

 private:
  Result<MetricTable> QueryRollups(Db& db, const MetricQuery& q);
  Result<MetricTable> QueryRawTraces(Db& db, const MetricQuery& q);
  Result<MetricTable> QueryRawSpans(Db& db, const MetricQuery& q);

  SqliteDatabase& db_;
};

}  // namespace tracelake::storage::sqlite
