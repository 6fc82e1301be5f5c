// Internal to SqliteMetricStore::QueryMetricValues (sqlite_trace_metrics.cc for traces and
// spans, sqlite_assessment_metrics.cc for assessments): the parts of a value query's SQL and
// the accumulation of rows into cells (sql/value_cells.h) that every view shares.
#pragma once

#include <cstdint>

#include "storage/metric_values.h"
#include "storage/sql/value_cells.h"
#include "storage/sqlite/sqlite_dialect.h"
#include "storage/sqlite/sqlite_db.h"
#include "tracelake/status.h"

namespace tracelake::storage::sqlite {

using sql::FloorDiv;
using sql::ValueCellMap;

// "t.experiment_id IN (?, ...)" with its parameters; kInvalidArgument for a malformed id.
Status AppendExperimentCondition(const ValueMetricQuery& q, SqlFragment& sql);
// " AND <trace time in [start, end]>" over t.request_time (ns), when the query has bounds.
void AppendTraceTimeCondition(const ValueMetricQuery& q, SqlFragment& sql);
// " AND (<trace filter>)" when the query has one.
Status AppendTraceFilter(const ValueMetricQuery& q, SqlFragment& sql);
// Prepares sql and binds its parameters.
Result<Stmt> PrepareValueQuery(Db& db, const SqlFragment& sql);

// The assessments view (sqlite_assessment_metrics.cc).
Result<ValueTable> QueryAssessmentValues(Db& db, const ValueMetricQuery& q);

}  // namespace tracelake::storage::sqlite
