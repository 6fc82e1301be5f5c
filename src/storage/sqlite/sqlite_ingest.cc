// SqliteTraceStore ingest: checking a batch, then (as the GroupApplier of storage/group_commit.h,
// on the queue's writer thread) committing groups of prepared batches: spans and GenAI log
// records applied to trace rows, span rows and rollups.
#include <algorithm>
#include <map>
#include <unordered_map>

#include "model/normalize.h"
#include "storage/span_chunk.h"
#include "storage/span_codec.h"
#include "storage/sqlite/rollup_tables.h"
#include "storage/sqlite/schema.h"
#include "storage/sqlite/sqlite_assessment_store.h"
#include "storage/sqlite/sqlite_experiment_store.h"
#include "storage/sqlite/sqlite_trace_store.h"
#include "storage/sqlite/store_util.h"
#include "storage/sqlite/trace_rows.h"

namespace tracelake::storage::sqlite {
namespace {

// Builds a span from its row in `spans` and its body in a decoded chunk, then normalizes it.
Status FillStoredSpan(const Stmt& row, int first_col, const ChunkSpan& body, model::Span& span) {
  span.parent_span_id = SpanIdFromInt(row.Int(first_col));
  const int64_t start = row.Int(first_col + 1);
  span.start_time_unix_nano = static_cast<uint64_t>(start);
  span.end_time_unix_nano = static_cast<uint64_t>(start + row.Int(first_col + 2));
  span.status_code = static_cast<model::SpanStatusCode>(row.Int(first_col + 3) & 3);
  span.name = std::string(row.Text(first_col + 4));
  return DecodeSpanBody(body.body, span);
}

}  // namespace

Status SqliteTraceStore::Ingest(IngestBatch batch) {
  RETURN_IF_ERROR(queue_->CheckAccepting());
  RETURN_IF_ERROR(
      db_.WithReader([&](Db& db) { return CheckExperimentActive(db, batch.experiment_id); }));
  for (const auto& span : batch.spans) {
    if (span.trace_id.IsZero() || span.span_id.IsZero())
      return InvalidArgumentError("A span has an all-zero trace_id or span_id");
  }
  // A bad experiment id fails the batch in ApplyBatch.
  std::optional<int64_t> experiment_id;
  if (auto parsed = ParseExperimentId(batch.experiment_id); parsed.ok()) experiment_id = *parsed;
  return queue_->Submit(std::move(batch), experiment_id);
}

void SqliteTraceStore::ApplyGroup(std::span<PreparedBatch* const> group,
                                  std::span<Status> results) {
  db_.WithWriter([&](Db& db) {
    writer_ = &db;
    // Batches almost never fail, and a savepoint per batch is not free: SQLite copies every
    // existing page a batch modifies (16 KiB each; the random trace-id index pages above all)
    // into the statement journal in case of ROLLBACK TO. So the group runs without savepoints
    // first; only when a batch fails does it run again with them, so that the failing batch is
    // undone alone and the others still commit.
    if (!ApplyGroupTxn(group, /*isolate=*/false, results))
      ApplyGroupTxn(group, /*isolate=*/true, results);
    writer_ = nullptr;
  });
  for (size_t i = 0; i < group.size(); ++i) {
    if (!results[i].ok()) continue;
    trace_count_.fetch_add(group[i]->new_traces);
    span_count_.fetch_add(group[i]->new_spans);
  }
}

void SqliteTraceStore::AfterGroup() noexcept {
  // The callers are answered: wake the change feed's consumers. (The checkpointer keeps the WAL
  // bounded on its own thread: SqliteDatabase::CheckpointLoop.)
  db_.NotifyCommitted(group_committed_seq_);
  group_committed_seq_ = 0;
}

bool SqliteTraceStore::ApplyGroupTxn(std::span<PreparedBatch* const> work, bool isolate,
                                     std::span<Status> results) {
  Db& db = *writer_;
  // Transaction control through cached statements: sqlite3_exec would parse each one again
  // for every group and batch.
  auto run = [&db](const char* sql) -> Status {
    ASSIGN_OR_RETURN(Stmt * s, db.Cached(sql));
    return s->Run();
  };
  const Status begin = run("BEGIN IMMEDIATE");
  if (!begin.ok()) {
    for (auto& r : results) r = begin;
    return true;
  }
  db_.BeginChanges();
  // Without isolation, the rollup contributions of the whole group are summed and each touched
  // row is written once, just before COMMIT: consecutive batches mostly touch the same
  // (experiment, minute, name, ...) rows, and each costs a read, a sketch merge and a write.
  // With isolation, each batch writes its own inside its savepoint, as a failing rollup row
  // must fail only the batches that touch it.
  RollupDelta rollups;
  for (size_t i = 0; i < work.size(); ++i) {
    PreparedBatch& pending = *work[i];
    Status st = isolate ? run("SAVEPOINT batch") : OkStatus();
    if (st.ok()) st = ApplyBatch(pending);
    if (st.ok() && isolate) {
      RollupDelta own;
      own.Merge(pending.span_rollups);
      own.Merge(pending.rollups);
      st = ApplyRollupDelta(db, own);
    }
    db.ResetAll();
    if (st.ok() && isolate) st = run("RELEASE batch");
    if (!st.ok() && !isolate) {
      run("ROLLBACK").IgnoreError();
      known_resources_.clear();
      if (work.size() > 1) return false;  // again, with savepoints
      results[i] = st;
      return true;
    }
    if (!st.ok()) {
      run("ROLLBACK TO batch").IgnoreError();
      run("RELEASE batch").IgnoreError();
      for (uint64_t h : pending.new_resources) known_resources_.erase(h);
    } else if (!isolate) {
      rollups.Merge(pending.span_rollups);
      rollups.Merge(pending.rollups);
    }
    results[i] = st;
  }
  if (!isolate) {
    const Status st = ApplyRollupDelta(db, rollups);
    db.ResetAll();
    if (!st.ok()) {
      run("ROLLBACK").IgnoreError();
      known_resources_.clear();
      if (work.size() > 1) return false;
      results[0] = st;
      return true;
    }
  }
  const Status commit = run("COMMIT");
  if (!commit.ok()) {
    run("ROLLBACK").IgnoreError();
    known_resources_.clear();
    for (auto& r : results)
      if (r.ok()) r = commit;
  } else {
    group_committed_seq_ = std::max(group_committed_seq_, db_.CommittedChanges());
  }
  return true;
}

Status SqliteTraceStore::EnsureResource(PreparedBatch& pending, uint64_t hash, const std::string& body) {
  if (known_resources_.count(hash) != 0) return OkStatus();
  Db& db = *writer_;
  ASSIGN_OR_RETURN(Stmt * ins,
                   db.Cached("INSERT OR IGNORE INTO resources(resource_hash, body) VALUES(?, ?)"));
  RETURN_IF_ERROR(ins->Bind(1, static_cast<int64_t>(hash)).BindBlob(2, body).Run());
  if (db.Changes() == 0) {
    ASSIGN_OR_RETURN(Stmt * get, db.Cached("SELECT body FROM resources WHERE resource_hash = ?"));
    get->Bind(1, static_cast<int64_t>(hash));
    bool row = false;
    RETURN_IF_ERROR(get->Step(&row));
    const bool same = row && get->Blob(0) == body;
    get->Reset();
    if (!same) return InternalError("Resource hash collision; this batch cannot be stored");
  }
  known_resources_.insert(hash);
  pending.new_resources.push_back(hash);
  return OkStatus();
}

Status SqliteTraceStore::ApplyBatch(PreparedBatch& pending) {
  pending.new_traces = 0;
  pending.new_spans = 0;
  pending.new_resources.clear();
  pending.rollups.Clear();
  ASSIGN_OR_RETURN(int64_t experiment_id, ParseExperimentId(pending.batch.experiment_id));
  for (const auto& [hash, body] : pending.resources)
    RETURN_IF_ERROR(EnsureResource(pending, hash, body));
  for (const PreparedBatch::Trace& t : pending.traces)
    RETURN_IF_ERROR(ApplyTrace(pending, t, experiment_id));
  return ApplyLogs(pending);
}

Status SqliteTraceStore::ApplyTrace(PreparedBatch& pending, const PreparedBatch::Trace& prepared,
                                    int64_t experiment_id) {
  Db& db = *writer_;
  const auto& spans = pending.batch.spans;
  ASSIGN_OR_RETURN(std::optional<TraceRow> existing, LoadTraceRow(db, prepared.trace_id));
  TraceRow row;
  if (existing) {
    row = std::move(*existing);
  } else {
    row.trace_key = next_trace_key_++;
    row.trace_id = prepared.trace_id;
    row.experiment_id = experiment_id;  // the first writer's experiment keeps the trace
    ++pending.new_traces;
  }
  TraceAggregate& agg = row.agg;
  // The trace's rollup contribution before this batch, taken back below if it changes.
  const int64_t old_minute = MinuteOf(agg.request_time_ns);
  const model::TraceState old_state = agg.state;
  const int64_t old_duration = agg.duration_ns;
  const int64_t seq = row.next_chunk++;
  if (seq >= kChunksPerTrace)
    return ResourceExhaustedError("Trace " + MlflowTraceId(row.trace_id) +
                                  " received more span batches than tracelake stores per trace");

  // Spans stored before under the same ids (exporter retries): old chunk -> (span id, status).
  std::map<int64_t, std::vector<std::pair<int64_t, int64_t>>> replaced;
  if (existing && agg.span_count > 0 && pending.batch.source == SpanSource::kTraceData) {
    // Checked here, inside the write transaction, so that an OTLP copy committed since the
    // caller looked is never replaced by the lower-fidelity one.
    ASSIGN_OR_RETURN(Stmt * has,
                     db.Cached("SELECT 1 FROM spans WHERE trace_key = ? AND span_id = ?"));
    for (size_t i : prepared.spans) {
      has->Bind(1, row.trace_key).Bind(2, SpanIdToInt(spans[i].span_id));
      bool found = false;
      RETURN_IF_ERROR(has->Step(&found));
      has->Reset();
      if (found)
        return AlreadyExistsError("A span of trace " + MlflowTraceId(row.trace_id) +
                                  " is already stored from a copy of higher fidelity");
    }
  }
  if (existing && agg.span_count > 0) {
    ASSIGN_OR_RETURN(Stmt * old, db.Cached(
        "SELECT chunk, status FROM spans WHERE trace_key = ? AND span_id = ?"));
    for (size_t i : prepared.spans) {
      const int64_t id = SpanIdToInt(spans[i].span_id);
      old->Bind(1, row.trace_key).Bind(2, id);
      bool found = false;
      RETURN_IF_ERROR(old->Step(&found));
      if (found) replaced[old->Int(0)].emplace_back(id, old->Int(1));
      old->Reset();
      if (found)
        RETURN_IF_ERROR(RemoveSpanFacts(db, row.trace_key, id, row.experiment_id, pending.rollups));
    }
  }
  // Take the old copies out of their chunks and out of the aggregate, before the new rows
  // change which rows point at which chunk.
  for (const auto& [old_seq, ids] : replaced) {
    RETURN_IF_ERROR(RemoveFromChunk(db, row, old_seq, ids, pending));
  }

  ASSIGN_OR_RETURN(Stmt * chunk, db.Cached("INSERT INTO span_chunks(chunk_id, body) VALUES(?, ?)"));
  RETURN_IF_ERROR(
      chunk->Bind(1, row.trace_key * kChunksPerTrace + seq).BindBlobStatic(2, prepared.chunk).Run());
  ASSIGN_OR_RETURN(Stmt * ins, db.Cached(
      "INSERT OR REPLACE INTO spans(trace_key, span_id, parent_id, start_ns, duration_ns, status, "
      "chunk, name, type) VALUES(?,?,?,?,?,?,?,?,?)"));
  for (size_t i : prepared.spans) {
    const model::Span& s = spans[i];
    const auto start = static_cast<int64_t>(s.start_time_unix_nano);
    ins->Bind(1, row.trace_key).Bind(2, SpanIdToInt(s.span_id))
        .Bind(3, SpanIdToInt(s.parent_span_id)).Bind(4, start)
        .Bind(5, static_cast<int64_t>(s.end_time_unix_nano) - start)
        .Bind(6, static_cast<int64_t>(s.status_code)).Bind(7, seq).BindStatic(8, s.name);
    // UNKNOWN, the type of most plain OTel spans, is stored as NULL (no bytes).
    if (s.view.span_type.empty() || s.view.span_type == "UNKNOWN") ins->BindNull(9);
    else ins->BindStatic(9, s.view.span_type);
    RETURN_IF_ERROR(ins->Run());
  }

  const model::Span* session_source = nullptr;
  const model::Span* user_source = nullptr;
  // Prepare counted the spans under the batch's experiment; a trace stays in its first one.
  const bool other_experiment = row.experiment_id != experiment_id;
  for (size_t i : prepared.spans) {
    const model::Span& s = spans[i];
    agg.AddSpan(s);
    ++pending.new_spans;
    // Only spans with a model, tokens, a cost or a failure can have span_facts extras.
    if (other_experiment || !s.view.model.empty() || !s.view.usage.empty() || s.view.cost ||
        s.status_code == model::SpanStatusCode::kError) {
      const SpanFacts facts = SpanFacts::From(s);
      if (other_experiment) {
        pending.rollups.AddSpan(experiment_id, facts, -1);
        pending.rollups.AddSpan(row.experiment_id, facts, 1);
      }
      if (facts.HasExtras())
        RETURN_IF_ERROR(PutSpanFacts(db, row.trace_key, SpanIdToInt(s.span_id), facts));
    }
    if (!s.view.session_id.empty() && (session_source == nullptr || s.is_root())) session_source = &s;
    if (!s.view.user_id.empty() && (user_source == nullptr || s.is_root())) user_source = &s;
  }
  // Previews follow the preview span (root or stand-in) when this batch brought it, new or
  // re-delivered.
  for (size_t i : prepared.spans) {
    if (agg.preview_span == spans[i].span_id) {
      RETURN_IF_ERROR(PreviewFromSpan(db, row, spans[i]));
      break;
    }
  }
  agg.Finish();
  if (existing) RETURN_IF_ERROR(UpdateTraceRow(db, row, db_.NextChangeSeq()));
  else RETURN_IF_ERROR(InsertTraceRow(db, row, db_.NextChangeSeq()));
  if (!existing || old_minute != MinuteOf(agg.request_time_ns) || old_state != agg.state ||
      old_duration != agg.duration_ns) {
    if (existing) {
      TraceAggregate old;
      old.request_time_ns = old_minute * 1'000'000;
      old.state = old_state;
      old.duration_ns = old_duration;
      pending.rollups.AddTrace(row.experiment_id, old, -1);
    }
    pending.rollups.AddTrace(row.experiment_id, agg, 1);
  }

  // MLflow's session/user metadata; a value the client set is never overwritten.
  for (const auto& [key, value] :
       {std::pair<const char*, const std::string*>{
            "mlflow.trace.session", session_source ? &session_source->view.session_id : nullptr},
        {"mlflow.trace.user", user_source ? &user_source->view.user_id : nullptr}}) {
    if (value == nullptr) continue;
    ASSIGN_OR_RETURN(Stmt * md, db.Cached(
        "INSERT OR IGNORE INTO trace_metadata(trace_key, key, value) VALUES(?,?,?)"));
    RETURN_IF_ERROR(md->Bind(1, row.trace_key).Bind(2, key).Bind(3, *value).Run());
  }
  return OkStatus();
}

Status SqliteTraceStore::RemoveFromChunk(Db& db, TraceRow& row, int64_t seq,
                                         const std::vector<std::pair<int64_t, int64_t>>& removed,
                                         PreparedBatch& pending) {
  const int64_t chunk_id = row.trace_key * kChunksPerTrace + seq;
  // The chunk's bodies are in the order of its rows' span ids.
  std::vector<int64_t> members;
  ASSIGN_OR_RETURN(Stmt * ids, db.Cached(
      "SELECT span_id FROM spans WHERE trace_key = ? AND chunk = ? ORDER BY span_id"));
  ids->Bind(1, row.trace_key).Bind(2, seq);
  while (ids->Next()) members.push_back(ids->Int(0));
  RETURN_IF_ERROR(ids->error());
  ids->Reset();
  ASSIGN_OR_RETURN(Stmt * get, db.Cached("SELECT body FROM span_chunks WHERE chunk_id = ?"));
  get->Bind(1, chunk_id);
  bool found = false;
  RETURN_IF_ERROR(get->Step(&found));
  SpanChunk decoded;
  Status parsed = found ? decoded.Parse(get->Blob(0)) : DataLossError("missing span chunk");
  get->Reset();
  RETURN_IF_ERROR(parsed);
  if (decoded.spans().size() != members.size())
    return DataLossError("A span chunk does not match its spans");
  std::vector<ChunkSpan> keep;
  for (size_t k = 0; k < members.size(); ++k) {
    const auto it = std::find_if(removed.begin(), removed.end(),
                                 [&](const auto& p) { return p.first == members[k]; });
    if (it == removed.end()) {
      keep.push_back(decoded.spans()[k]);
      continue;
    }
    model::Span old_span;
    if (DecodeSpanBody(decoded.spans()[k].body, old_span).ok()) model::NormalizeSpan(old_span);
    row.agg.RemoveSpan(static_cast<model::SpanStatusCode>(it->second & 3), old_span.view.usage,
                      old_span.view.cost);
    --pending.new_spans;
  }
  ASSIGN_OR_RETURN(Stmt * del_rows, db.Cached(
      "DELETE FROM spans WHERE trace_key = ? AND span_id = ?"));
  for (const auto& [id, status] : removed)
    RETURN_IF_ERROR(del_rows->Bind(1, row.trace_key).Bind(2, id).Run());
  if (keep.empty()) {
    ASSIGN_OR_RETURN(Stmt * del, db.Cached("DELETE FROM span_chunks WHERE chunk_id = ?"));
    return del->Bind(1, chunk_id).Run();
  }
  ASSIGN_OR_RETURN(Stmt * put, db.Cached("UPDATE span_chunks SET body = ? WHERE chunk_id = ?"));
  return put->BindBlob(1, EncodeSpanChunk(keep)).Bind(2, chunk_id).Run();
}

Status SqliteTraceStore::PreviewFromSpan(Db& db, TraceRow& row, const model::Span& span) {
  if (row.agg.client_previews == (TraceAggregate::kClientRequestPreview |
                                  TraceAggregate::kClientResponsePreview))
    return OkStatus();
  if (any_logs_.load()) {
    ASSIGN_OR_RETURN(Stmt * logs, db.Cached(
        "SELECT body FROM span_logs WHERE trace_id = ? AND span_id = ? ORDER BY log_id"));
    logs->BindBlob(1, row.trace_id.AsStringView()).Bind(2, SpanIdToInt(span.span_id));
    std::vector<model::LogRecord> records;
    while (logs->Next()) {
      model::LogRecord rec;
      if (!DecodeLogRecord(logs->Blob(0), rec).ok()) continue;
      rec.trace_id = row.trace_id;
      rec.span_id = span.span_id;
      records.push_back(std::move(rec));
    }
    RETURN_IF_ERROR(logs->error());
    logs->Reset();
    if (!records.empty()) {
      model::Span merged = span;
      model::ApplyLogRecords(merged, records);
      row.agg.SetSpanPreviews(merged.view.inputs_json, merged.view.outputs_json);
      return OkStatus();
    }
  }
  row.agg.SetSpanPreviews(span.view.inputs_json, span.view.outputs_json);
  return OkStatus();
}

Status SqliteTraceStore::RecomputePreviewsFromStoredSpan(Db& db, TraceRow& row) {
  const int64_t span_int = SpanIdToInt(*row.agg.preview_span);
  ASSIGN_OR_RETURN(Stmt * s, db.Cached(
      "SELECT chunk, parent_id, start_ns, duration_ns, status, name, "
      "(SELECT count(*) FROM spans o WHERE o.trace_key = spans.trace_key AND "
      "o.chunk = spans.chunk AND o.span_id < spans.span_id) "
      "FROM spans WHERE trace_key = ? AND span_id = ?"));
  s->Bind(1, row.trace_key).Bind(2, span_int);
  bool found = false;
  RETURN_IF_ERROR(s->Step(&found));
  if (!found) {
    s->Reset();
    return OkStatus();
  }
  const int64_t position = s->Int(6);
  ASSIGN_OR_RETURN(Stmt * c, db.Cached("SELECT body FROM span_chunks WHERE chunk_id = ?"));
  c->Bind(1, row.trace_key * kChunksPerTrace + s->Int(0));
  bool chunk_found = false;
  RETURN_IF_ERROR(c->Step(&chunk_found));
  SpanChunk chunk;
  Status parsed = chunk_found ? chunk.Parse(c->Blob(0)) : DataLossError("missing span chunk");
  c->Reset();
  if (parsed.ok() && static_cast<size_t>(position) >= chunk.spans().size())
    parsed = DataLossError("A span chunk does not match its spans");
  if (!parsed.ok()) {
    s->Reset();
    return parsed;
  }
  model::Span span;
  span.trace_id = row.trace_id;
  span.span_id = *row.agg.preview_span;
  Status st = FillStoredSpan(*s, 1, chunk.spans()[static_cast<size_t>(position)], span);
  s->Reset();
  RETURN_IF_ERROR(st);
  model::NormalizeSpan(span);
  return PreviewFromSpan(db, row, span);
}

Status SqliteTraceStore::ApplyLogs(PreparedBatch& pending) {
  if (pending.logs.empty()) return OkStatus();
  Db& db = *writer_;
  any_logs_ = true;
  ASSIGN_OR_RETURN(Stmt * ins, db.Cached(
      "INSERT INTO span_logs(trace_id, span_id, body) VALUES(?, ?, ?)"));
  std::vector<std::pair<TraceId, SpanId>> touched;
  for (const auto& [index, body] : pending.logs) {
    const model::LogRecord& rec = pending.batch.log_records[index];
    RETURN_IF_ERROR(ins->BindBlob(1, rec.trace_id.AsStringView())
                        .Bind(2, SpanIdToInt(rec.span_id)).BindBlob(3, body).Run());
    const std::pair<TraceId, SpanId> key{rec.trace_id, rec.span_id};
    if (std::find(touched.begin(), touched.end(), key) == touched.end()) touched.push_back(key);
  }
  // Content for a trace's preview span changes the trace's previews.
  for (const auto& [trace_id, span_id] : touched) {
    ASSIGN_OR_RETURN(std::optional<TraceRow> row, LoadTraceRow(db, trace_id));
    if (!row || row->agg.preview_span != span_id) continue;
    RETURN_IF_ERROR(RecomputePreviewsFromStoredSpan(db, *row));
    if (row->agg.previews_changed) RETURN_IF_ERROR(UpdateTraceRow(db, *row, db_.NextChangeSeq()));
  }
  return OkStatus();
}

}  // namespace tracelake::storage::sqlite
