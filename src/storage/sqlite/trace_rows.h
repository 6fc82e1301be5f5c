// TraceRow: one row of the `traces` table (plus its `trace_previews` row) as a TraceAggregate,
// read and written by the writer connection. Confine to one thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/ids.h"
#include "storage/sqlite/sqlite_db.h"
#include "storage/trace_aggregate.h"

namespace tracelake::storage::sqlite {

struct TraceRow {
  int64_t trace_key = 0;
  TraceId trace_id;
  int64_t experiment_id = 0;
  int64_t next_chunk = 0;
  std::string client_request_id;
  TraceAggregate agg;
};

// The row of trace_id, with its previews; nullopt when the trace does not exist.
Result<std::optional<TraceRow>> LoadTraceRow(Db& db, const TraceId& trace_id);
// Inserts a new row (trace_key chosen by the caller) or updates an existing one, and writes
// the previews row when agg.previews_changed.
Status InsertTraceRow(Db& db, const TraceRow& row);
Status UpdateTraceRow(Db& db, const TraceRow& row);

// trace_key of a trace id; kNotFound with MLflow's message when absent.
Result<int64_t> FindTraceKey(Db& db, const TraceId& id);

}  // namespace tracelake::storage::sqlite
