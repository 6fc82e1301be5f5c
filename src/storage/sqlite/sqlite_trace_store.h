// SqliteTraceStore: the embedded default TraceStore (layout and reasons: docs/schema.md).
//
// One writer connection, used by one writer thread that merges queued ingest batches into one
// transaction (group commit) and by the other write methods under the same lock; a small pool
// of reader connections that run beside it (WAL: readers never wait for the writer). Spans are
// encoded and compressed on the calling thread, so the writer only binds bytes.
//
// Safe for concurrent use.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <span>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "storage/sqlite/sqlite_db.h"
#include "storage/change_feed.h"
#include "storage/group_commit.h"
#include "storage/prepared_batch.h"
#include "storage/rollup_delta.h"
#include "storage/trace_store.h"

namespace tracelake::storage::sqlite {

struct TraceRow;

class SqliteTraceStore final : public TraceStore, public ChangeFeed, private GroupApplier {
 public:
  // path: a file (parent directories are created), or ":memory:" for an in-memory database
  // that lives as long as this store and is shared by its connections.
  static Result<std::unique_ptr<SqliteTraceStore>> Open(const std::string& path,
                                                        const StoreOptions& options);
  ~SqliteTraceStore() override;

  Status Ingest(IngestBatch batch) override;

  Result<std::string> CreateExperiment(const std::string& name, const std::string& artifact_location,
                                       const std::map<std::string, std::string>& tags) override;
  Result<model::Experiment> GetExperiment(const std::string& experiment_id) override;
  Result<model::Experiment> GetExperimentByName(const std::string& name) override;
  Result<ExperimentPage> SearchExperiments(const SearchExperimentsRequest& req) override;
  Status RenameExperiment(const std::string& experiment_id, const std::string& new_name) override;
  Status DeleteExperiment(const std::string& experiment_id) override;
  Status RestoreExperiment(const std::string& experiment_id) override;
  Status SetExperimentTag(const std::string& experiment_id, const std::string& key,
                          const std::string& value) override;
  Status DeleteExperimentTag(const std::string& experiment_id, const std::string& key) override;

  Result<model::TraceInfo> UpsertTraceInfo(const model::TraceInfo& info) override;
  Result<model::TraceInfo> GetTraceInfo(const TraceId& id) override;
  Result<model::Trace> GetTrace(const TraceId& id) override;
  Result<TracePage> SearchTraces(const TraceSearchRequest& req) override;
  Result<int64_t> DeleteTraces(const DeleteTracesRequest& req) override;
  Status SetTraceTag(const TraceId& id, const std::string& key, const std::string& value) override;
  Status DeleteTraceTag(const TraceId& id, const std::string& key) override;
  Status SetTraceMetadata(const TraceId& id, const std::string& key,
                          const std::string& value) override;

  Result<model::Assessment> CreateAssessment(const model::Assessment& a) override;
  Result<model::Assessment> GetAssessment(const TraceId& trace,
                                          const std::string& assessment_id) override;
  Result<model::Assessment> UpdateAssessment(const TraceId& trace, const std::string& assessment_id,
                                             const AssessmentUpdate& update) override;
  Status DeleteAssessment(const TraceId& trace, const std::string& assessment_id) override;

  Result<MetricTable> QueryMetrics(const MetricQuery& q) override;
  Result<std::vector<std::vector<ModelUsage>>> GetModelUsage(
      const std::vector<TraceId>& ids) override;
  Result<ValueTable> QueryMetricValues(const ValueMetricQuery& q) override;

  // Change feed (sqlite_change_feed.cc).
  Result<ChangePage> ReadChanges(int64_t after, int limit) override;
  Result<int64_t> LoadCursor(const std::string& consumer) override;
  Status SaveCursor(const std::string& consumer, int64_t seq) override;
  void AddListener(CommitListener* listener) override { notifier_.Add(listener); }
  void RemoveListener(CommitListener* listener) override { notifier_.Remove(listener); }

  StoreStats Stats() override;
  Status Shutdown(std::chrono::milliseconds deadline) override;

  // While paused, the writer thread takes nothing from the queue (queue-full and shutdown
  // tests). Shutdown unpauses.
  void PauseWriterForTesting(bool paused);

 private:
  SqliteTraceStore(std::string path, StoreOptions options);
  Status Init();
  Result<std::unique_ptr<Db>> OpenConnection(bool writer);

  // Ingest (sqlite_ingest.cc): the GroupApplier that queue_ calls on its writer thread.
  void ApplyGroup(std::span<PreparedBatch* const> group, std::span<Status> results) override;
  void AfterGroup() noexcept override;
  // One transaction for the group; results get each batch's outcome. Without isolate, any
  // failure rolls everything back and returns false (unless the batch is alone, whose failure is
  // then final); with isolate, each batch has a savepoint and a failing one is undone alone.
  // REQUIRES: write_mu_ held.
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

  // The change feed's next sequence number, for one trace write of the current transaction.
  // REQUIRES: write_mu_ held, inside a write transaction.
  int64_t NextChangeSeq() {
    txn_max_seq_ = next_change_seq_;
    return next_change_seq_++;
  }

  // Runs f(Db&) in one read transaction on a pooled reader connection.
  template <typename F>
  auto WithReader(F&& f) -> decltype(f(std::declval<Db&>()));
  // Runs f(Db&) in a write transaction on the writer connection; rolls back on error. After a
  // COMMIT that changed traces, wakes the change feed's listeners (without write_mu_).
  template <typename F>
  auto WithWriteTxn(F&& f) -> decltype(f(std::declval<Db&>()));

  // Metrics (sqlite_metrics.cc).
  Result<MetricTable> QueryRollups(Db& db, const MetricQuery& q);
  Result<MetricTable> QueryRawTraces(Db& db, const MetricQuery& q);
  Result<MetricTable> QueryRawSpans(Db& db, const MetricQuery& q);

  // Reads (sqlite_trace_reads.cc).
  Result<model::TraceInfo> LoadTraceInfo(Db& db, int64_t trace_key, bool with_assessments);
  Result<std::vector<model::Span>> LoadSpans(Db& db, int64_t trace_key, const TraceId& id);
  Result<std::vector<model::Assessment>> LoadAssessments(Db& db, int64_t trace_key,
                                                         const std::string* assessment_id);
  Status CheckExperimentActive(Db& db, const std::string& experiment_id);
  Result<model::Experiment> LoadExperiment(Db& db, Stmt& stmt);

  const std::string path_;  // file path, or the memdb URI
  const StoreOptions options_;
  const bool memory_;

  std::mutex write_mu_;
  std::unique_ptr<Db> writer_db_;             // GUARDED_BY(write_mu_)
  int64_t next_trace_key_ = 1;                // GUARDED_BY(write_mu_)
  // Change feed numbers: the next to hand out, the largest handed out in the open transaction,
  // and the largest committed by the writer thread's last group (announced by AfterGroup).
  // Numbers of rolled-back transactions are skipped, never reused.
  int64_t next_change_seq_ = 1;               // GUARDED_BY(write_mu_)
  int64_t txn_max_seq_ = 0;                   // GUARDED_BY(write_mu_)
  int64_t group_committed_seq_ = 0;           // writer thread only
  CommitNotifier notifier_;
  std::unordered_set<uint64_t> known_resources_;  // GUARDED_BY(write_mu_)
  std::atomic<bool> any_logs_{false};

  std::mutex readers_mu_;
  std::vector<std::unique_ptr<Db>> idle_readers_;  // GUARDED_BY(readers_mu_)

  // Created by Init once the writer connection is open; its writer thread calls ApplyGroup.
  std::unique_ptr<GroupCommitQueue> queue_;

  // Background WAL checkpoints (file databases only).
  // A frame holds one page: 16 KiB in files this version creates (4 KiB in older ones), so
  // 4,096 frames are 64 MiB.
  static constexpr int kCheckpointFrames = 4096;
  // PASSIVE checkpoints never let the WAL wrap around while the writer commits without pause
  // (and a checkpointer waiting for the write lock starves), so past this size the writer itself
  // truncates the WAL between groups (CommitGroup). 512 MiB of 16 KiB pages.
  static constexpr int kTruncateFrames = 32768;
  static int OnWalCommit(void* self, sqlite3* db, const char* name, int frames);
  void CheckpointLoop();
  std::unique_ptr<Db> checkpoint_db_;  // used only by checkpointer_
  std::mutex checkpoint_mu_;
  std::condition_variable checkpoint_cv_;
  bool checkpoint_wanted_ = false;  // GUARDED_BY(checkpoint_mu_)
  std::atomic<int> wal_frames_{0};  // frames in the WAL after the writer's last commit
  bool checkpoint_stop_ = false;    // GUARDED_BY(checkpoint_mu_)
  std::thread checkpointer_;
  std::mutex shutdown_mu_;  // serializes Shutdown calls

  std::atomic<int64_t> trace_count_{0};
  std::atomic<int64_t> span_count_{0};
};

template <typename F>
auto SqliteTraceStore::WithReader(F&& f) -> decltype(f(std::declval<Db&>())) {
  std::unique_ptr<Db> db;
  {
    std::lock_guard<std::mutex> lock(readers_mu_);
    if (!idle_readers_.empty()) {
      db = std::move(idle_readers_.back());
      idle_readers_.pop_back();
    }
  }
  if (!db) {
    auto opened = OpenConnection(/*writer=*/false);
    if (!opened.ok()) return opened.status();
    db = std::move(*opened);
  }
  // One snapshot for the whole unit of work: an info read of several tables never mixes two
  // commits of the writer.
  Status begin = db->Exec("BEGIN");
  if (!begin.ok()) return begin;
  auto result = f(*db);
  db->ResetAll();
  const bool healthy = db->Exec("COMMIT").ok();
  if (healthy) {
    std::lock_guard<std::mutex> lock(readers_mu_);
    if (idle_readers_.size() < 8) idle_readers_.push_back(std::move(db));
  }
  return result;
}

template <typename F>
auto SqliteTraceStore::WithWriteTxn(F&& f) -> decltype(f(std::declval<Db&>())) {
  int64_t committed_seq = 0;
  auto result = [&]() -> decltype(f(std::declval<Db&>())) {
    std::lock_guard<std::mutex> lock(write_mu_);
    Db& db = *writer_db_;
    RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
    txn_max_seq_ = 0;
    auto out = f(db);
    db.ResetAll();
    if (!internal::AsStatus(out).ok()) {
      db.Exec("ROLLBACK").IgnoreError();
      known_resources_.clear();
      return out;
    }
    Status commit = db.Exec("COMMIT");
    if (!commit.ok()) {
      db.Exec("ROLLBACK").IgnoreError();
      known_resources_.clear();
      return commit;
    }
    committed_seq = txn_max_seq_;
    return out;
  }();
  if (committed_seq > 0) notifier_.Notify(committed_seq);
  return result;
}

}  // namespace tracelake::storage::sqlite
