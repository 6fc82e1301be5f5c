// SqliteTraceStore: the TraceStore role of the SQLite backend (sqlite_backend.h): ingest through
// the backend-neutral group-commit queue (this class is its GroupApplier: sqlite_ingest.cc),
// trace reads and search (sqlite_trace_reads.cc) and trace writes (sqlite_trace_writes.cc).
// Spans are encoded and compressed on the calling thread, so the writer only binds bytes.
//
// Safe for concurrent use.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "storage/backend.h"
#include "storage/group_commit.h"
#include "storage/prepared_batch.h"
#include "storage/sqlite/sqlite_database.h"
#include "storage/trace_store.h"

namespace tracelake::storage::sqlite {

struct TraceRow;

class SqliteTraceStore final : public TraceStore, private GroupApplier {
 public:
  // Reads the store's counters and starts the ingest queue. `db` must outlive this store.
  static Result<std::unique_ptr<SqliteTraceStore>> Open(SqliteDatabase& db,
                                                        const StoreOptions& options);
  ~SqliteTraceStore() override;

  Status Ingest(IngestBatch batch) override;
  Result<model::TraceInfo> UpsertTraceInfo(const model::TraceInfo& info) override;
  Result<model::TraceInfo> GetTraceInfo(const TraceId& id) override;
  Result<model::Trace> GetTrace(const TraceId& id) override;
  Result<TraceSlice> ReadTraceSlice(const TraceId& id, const TraceSliceRequest& req) override;
  Result<TracePage> SearchTraces(const TraceSearchRequest& req) override;
  Result<int64_t> DeleteTraces(const DeleteTracesRequest& req) override;
  Status SetTraceTag(const TraceId& id, const std::string& key, const std::string& value) override;
  Status DeleteTraceTag(const TraceId& id, const std::string& key) override;
  Status SetTraceMetadata(const TraceId& id, const std::string& key,
                          const std::string& value) override;

  // Traces, spans and the ingest queue's depth and refusals (no bytes on disk).
  StoreStats Stats() const;
  // Stops the ingest queue (GroupCommitQueue::Shutdown). Reads and other writes keep working.
  Status Shutdown(std::chrono::milliseconds deadline);
  // While paused, the writer thread takes nothing from the queue. Shutdown unpauses.
  void PauseWriterForTesting(bool paused) { queue_->PauseForTesting(paused); }

 private:
  SqliteTraceStore(SqliteDatabase& db, const StoreOptions& options) : db_(db), options_(options) {}
  Status Init();

  // Ingest (sqlite_ingest.cc): the GroupApplier that queue_ calls on its writer thread.
  void ApplyGroup(std::span<PreparedBatch* const> group, std::span<Status> results) override;
  void AfterGroup() noexcept override;
  // One transaction for the group; results get each batch's outcome. Without isolate, any
  // failure rolls everything back and returns false (unless the batch is alone, whose failure is
  // then final); with isolate, each batch has a savepoint and a failing one is undone alone.
  // REQUIRES: inside db_.WithWriter, writer_ set.
  bool ApplyGroupTxn(std::span<PreparedBatch* const> group, bool isolate,
                     std::span<Status> results);
  Status ApplyBatch(PreparedBatch& pending);
  Status ApplyTrace(PreparedBatch& pending, const PreparedBatch::Trace& prepared,
                    int64_t experiment_id);
  Status ApplyLogs(PreparedBatch& pending);
  Status EnsureResource(PreparedBatch& pending, uint64_t hash, const std::string& body);
  // Takes re-delivered spans (id, stored status) out of chunk `seq` of the trace, out of
  // `spans`, and out of the trace's aggregate.
  Status RemoveFromChunk(Db& db, TraceRow& row, int64_t seq,
                         const std::vector<std::pair<int64_t, int64_t>>& removed,
                         PreparedBatch& pending);
  // Sets the span-derived previews of row from `span` (GenAI log records stored for it are
  // merged into a copy first).
  Status PreviewFromSpan(Db& db, TraceRow& row, const model::Span& span);
  Status RecomputePreviewsFromStoredSpan(Db& db, TraceRow& row);

  // Reads (sqlite_trace_reads.cc).
  Result<model::TraceInfo> LoadTraceInfo(Db& db, int64_t trace_key, bool with_assessments);
  Result<std::vector<model::Span>> LoadSpans(Db& db, int64_t trace_key, const TraceId& id);
  // The spans stored by batches [from_batch, to_batch) as sent (not normalized, no log records
  // merged), in span id order.
  Result<std::vector<model::Span>> LoadStoredSpans(Db& db, int64_t trace_key, const TraceId& id,
                                                   int64_t from_batch, int64_t to_batch);

  SqliteDatabase& db_;
  const StoreOptions options_;

  // Written only under the database's write lock (WithWriteTxn / WithWriter).
  int64_t next_trace_key_ = 1;
  std::unordered_set<uint64_t> known_resources_;  // resources known to be stored
  Db* writer_ = nullptr;                          // the writer connection, while ApplyGroup runs
  int64_t group_committed_seq_ = 0;  // writer thread: the last group's largest change number
  std::atomic<bool> any_logs_{false};
  std::atomic<int64_t> trace_count_{0};
  std::atomic<int64_t> span_count_{0};

  // Created by Init; its writer thread calls ApplyGroup. Stopped by Shutdown (the destructor
  // calls it), before anything ApplyGroup uses goes away.
  std::unique_ptr<GroupCommitQueue> queue_;
};

}  // namespace tracelake::storage::sqlite
