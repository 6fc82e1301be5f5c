// SqliteTraceStore trace writes outside ingest: StartTrace-style info, deletes, tags, metadata.
#include <algorithm>

#include "storage/sqlite/rollup_tables.h"
#include "storage/sqlite/schema.h"
#include "storage/sqlite/sqlite_assessment_store.h"
#include "storage/sqlite/sqlite_experiment_store.h"
#include "storage/sqlite/sqlite_trace_store.h"
#include "storage/sqlite/store_util.h"
#include "storage/sqlite/trace_rows.h"

namespace tracelake::storage::sqlite {
namespace {

// Keys tracelake computes on read; a client's copy is not stored.
bool IsComputedMetadataKey(const std::string& key) {
  return key.starts_with("tracelake.");
}

Status PutKeyValue(Db& db, const char* sql, int64_t trace_key, const std::string& key,
                   const std::string& value) {
  ASSIGN_OR_RETURN(Stmt * s, db.Cached(sql));
  return s->Bind(1, trace_key).Bind(2, key).Bind(3, value).Run();
}

constexpr const char* kPutTag =
    "INSERT OR REPLACE INTO trace_tags(trace_key, key, value) VALUES(?,?,?)";
constexpr const char* kPutMetadata =
    "INSERT OR REPLACE INTO trace_metadata(trace_key, key, value) VALUES(?,?,?)";

}  // namespace

Result<model::TraceInfo> SqliteTraceStore::UpsertTraceInfo(const model::TraceInfo& info) {
  if (info.trace_id.IsZero()) return InvalidArgumentError("trace_id is required");
  for (const auto& [k, v] : info.tags)
    if (k.empty()) return InvalidArgumentError("Trace tag keys must not be empty");
  for (const auto& [k, v] : info.trace_metadata)
    if (k.empty()) return InvalidArgumentError("Trace metadata keys must not be empty");
  ASSIGN_OR_RETURN(int64_t experiment_id, ParseExperimentId(info.experiment_id));
  RETURN_IF_ERROR(
      db_.WithReader([&](Db& db) { return CheckExperimentActive(db, info.experiment_id); }));
  bool created = false;
  ASSIGN_OR_RETURN(int64_t key, db_.WithWriteTxn([&](Db& db) -> Result<int64_t> {
    created = false;
    ASSIGN_OR_RETURN(std::optional<TraceRow> existing, LoadTraceRow(db, info.trace_id));
    TraceRow row;
    if (existing) {
      row = std::move(*existing);
    } else {
      row.trace_key = next_trace_key_++;
      row.trace_id = info.trace_id;
      row.experiment_id = experiment_id;
      created = true;
    }
    const TraceAggregate before = row.agg;
    row.agg.ApplyClientInfo(info);
    if (!info.client_request_id.empty()) row.client_request_id = info.client_request_id;
    row.agg.Finish();
    const int64_t seq = db_.NextChangeSeq();
    RETURN_IF_ERROR(existing ? UpdateTraceRow(db, row, seq) : InsertTraceRow(db, row, seq));
    RollupDelta rollups;
    if (existing) rollups.AddTrace(row.experiment_id, before, -1);
    rollups.AddTrace(row.experiment_id, row.agg, 1);
    RETURN_IF_ERROR(ApplyRollupDelta(db, rollups));
    for (const auto& [k, v] : info.tags) RETURN_IF_ERROR(PutKeyValue(db, kPutTag, row.trace_key, k, v));
    for (const auto& [k, v] : info.trace_metadata) {
      if (IsComputedMetadataKey(k)) continue;
      RETURN_IF_ERROR(PutKeyValue(db, kPutMetadata, row.trace_key, k, v));
    }
    return row.trace_key;
  }));
  if (created) trace_count_.fetch_add(1);
  return db_.WithReader([&](Db& db) { return LoadTraceInfo(db, key, /*with_assessments=*/true); });
}

Result<int64_t> SqliteTraceStore::DeleteTraces(const DeleteTracesRequest& req) {
  ASSIGN_OR_RETURN(int64_t experiment_id, ParseExperimentId(req.experiment_id));
  const bool by_ids = !req.trace_ids.empty();
  if (by_ids == req.max_timestamp_millis.has_value())
    return InvalidArgumentError(
        "Exactly one of trace_ids and max_timestamp_millis must be specified");
  if (by_ids && req.max_traces)
    return InvalidArgumentError("max_traces cannot be combined with trace_ids");
  if (req.max_traces && *req.max_traces <= 0)
    return InvalidArgumentError("max_traces must be a positive integer");
  int64_t deleted_spans = 0;
  ASSIGN_OR_RETURN(int64_t deleted, db_.WithWriteTxn([&](Db& db) -> Result<int64_t> {
    deleted_spans = 0;
    std::vector<std::pair<int64_t, std::string>> victims;  // trace_key, trace_id bytes
    if (by_ids) {
      ASSIGN_OR_RETURN(Stmt * s, db.Cached(
          "SELECT trace_key FROM traces WHERE trace_id = ? AND experiment_id = ?"));
      for (const TraceId& id : req.trace_ids) {
        s->BindBlob(1, id.AsStringView()).Bind(2, experiment_id);
        bool row = false;
        RETURN_IF_ERROR(s->Step(&row));
        if (row) victims.emplace_back(s->Int(0), std::string(id.AsStringView()));
        s->Reset();
      }
    } else {
      // request_time (ns) <= the end of millisecond max_timestamp_millis.
      const int64_t ms = std::clamp<int64_t>(*req.max_timestamp_millis, -9'000'000'000'000,
                                             9'000'000'000'000);
      ASSIGN_OR_RETURN(Stmt s, db.Prepare(
          "SELECT trace_key, trace_id FROM traces WHERE experiment_id = ? AND request_time < ? "
          "ORDER BY request_time ASC, trace_key ASC LIMIT ?"));
      s.Bind(1, experiment_id).Bind(2, (ms + 1) * 1'000'000).Bind(3, req.max_traces.value_or(-1));
      while (s.Next()) victims.emplace_back(s.Int(0), std::string(s.Blob(1)));
      RETURN_IF_ERROR(s.error());
    }
    RollupDelta rollups;
    for (const auto& [key, trace_id] : victims) {
      ASSIGN_OR_RETURN(Stmt * info, db.Cached(
          "SELECT experiment_id, request_time, duration, state FROM traces WHERE trace_key = ?"));
      info->Bind(1, key);
      bool found = false;
      RETURN_IF_ERROR(info->Step(&found));
      TraceAggregate agg;
      const int64_t trace_experiment = found ? info->Int(0) : experiment_id;
      if (found) {
        agg.request_time_ns = info->Int(1);
        agg.duration_ns = info->Int(2);
        agg.state = static_cast<model::TraceState>(info->Int(3) & 3);
      }
      info->Reset();
      if (found) rollups.AddTrace(trace_experiment, agg, -1);
      RETURN_IF_ERROR(RemoveTraceSpanFacts(db, key, trace_experiment, rollups));
      ASSIGN_OR_RETURN(Stmt * spans, db.Cached("DELETE FROM spans WHERE trace_key = ?"));
      RETURN_IF_ERROR(spans->Bind(1, key).Run());
      deleted_spans += db.Changes();
      ASSIGN_OR_RETURN(Stmt * chunks, db.Cached(
          "DELETE FROM span_chunks WHERE chunk_id BETWEEN ? AND ?"));
      RETURN_IF_ERROR(chunks->Bind(1, key * kChunksPerTrace)
                          .Bind(2, key * kChunksPerTrace + kChunksPerTrace - 1).Run());
      for (const char* sql : {"DELETE FROM trace_previews WHERE trace_key = ?",
                              "DELETE FROM trace_tags WHERE trace_key = ?",
                              "DELETE FROM trace_metadata WHERE trace_key = ?",
                              "DELETE FROM assessments WHERE trace_key = ?",
                              "DELETE FROM traces WHERE trace_key = ?"}) {
        ASSIGN_OR_RETURN(Stmt * d, db.Cached(sql));
        RETURN_IF_ERROR(d->Bind(1, key).Run());
      }
      ASSIGN_OR_RETURN(Stmt * logs, db.Cached("DELETE FROM span_logs WHERE trace_id = ?"));
      RETURN_IF_ERROR(logs->BindBlob(1, trace_id).Run());
      ASSIGN_OR_RETURN(Stmt * tomb, db.Cached(
          "INSERT INTO trace_tombstones(change_seq, trace_id, experiment_id) VALUES(?,?,?)"));
      RETURN_IF_ERROR(tomb->Bind(1, db_.NextChangeSeq()).BindBlob(2, trace_id)
                          .Bind(3, trace_experiment).Run());
    }
    RETURN_IF_ERROR(ApplyRollupDelta(db, rollups));
    return static_cast<int64_t>(victims.size());
  }));
  trace_count_.fetch_sub(deleted);
  span_count_.fetch_sub(deleted_spans);
  return deleted;
}

Status SqliteTraceStore::SetTraceTag(const TraceId& id, const std::string& key,
                                     const std::string& value) {
  if (key.empty()) return InvalidArgumentError("Trace tag key must not be empty");
  return db_.WithWriteTxn([&](Db& db) -> Status {
    ASSIGN_OR_RETURN(int64_t k, FindTraceKey(db, id));
    RETURN_IF_ERROR(PutKeyValue(db, kPutTag, k, key, value));
    return TouchTraceRow(db, k, db_.NextChangeSeq());
  });
}

Status SqliteTraceStore::DeleteTraceTag(const TraceId& id, const std::string& key) {
  return db_.WithWriteTxn([&](Db& db) -> Status {
    ASSIGN_OR_RETURN(int64_t k, FindTraceKey(db, id));
    ASSIGN_OR_RETURN(Stmt * s, db.Cached("DELETE FROM trace_tags WHERE trace_key = ? AND key = ?"));
    RETURN_IF_ERROR(s->Bind(1, k).Bind(2, key).Run());
    if (db.Changes() == 0)
      return NotFoundError("No trace tag with key '" + key + "' for trace with ID " +
                           MlflowTraceId(id));
    return TouchTraceRow(db, k, db_.NextChangeSeq());
  });
}

Status SqliteTraceStore::SetTraceMetadata(const TraceId& id, const std::string& key,
                                          const std::string& value) {
  if (key.empty()) return InvalidArgumentError("Trace metadata key must not be empty");
  if (IsComputedMetadataKey(key))
    return InvalidArgumentError("Metadata key '" + key + "' is computed by tracelake");
  return db_.WithWriteTxn([&](Db& db) -> Status {
    ASSIGN_OR_RETURN(int64_t k, FindTraceKey(db, id));
    RETURN_IF_ERROR(PutKeyValue(db, kPutMetadata, k, key, value));
    return TouchTraceRow(db, k, db_.NextChangeSeq());
  });
}

}  // namespace tracelake::storage::sqlite
