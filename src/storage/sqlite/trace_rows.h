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
// the previews row when agg.previews_changed. change_seq: the write's number in the change feed
// (storage/change_feed.h), from SqliteDatabase::NextChangeSeq.
Status InsertTraceRow(Db& db, const TraceRow& row, int64_t change_seq);
Status UpdateTraceRow(Db& db, const TraceRow& row, int64_t change_seq);
// Gives the trace a new change_seq (its tags, metadata or assessments changed).
Status TouchTraceRow(Db& db, int64_t trace_key, int64_t change_seq);

// trace_key of a trace id; kNotFound with MLflow's message when absent.
Result<int64_t> FindTraceKey(Db& db, const TraceId& id);

}  // namespace tracelake::storage::sqlite
