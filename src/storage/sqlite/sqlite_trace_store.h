// SqliteTraceStore: the embedded default TraceStore. WAL mode; one writer thread commits many
// callers' ingest batches per transaction (group commit); reads use their own connections and
// run concurrently with the writer. Layout and reasons: docs/schema.md.
//
// Safe for concurrent use.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "storage/sqlite/sqlite_db.h"
#include "storage/trace_store.h"

namespace tracelake::storage::sqlite {

// Pragmas and SQL functions every connection needs.
Status ConfigureConnection(Db& db, bool writer);

class SqliteTraceStore final : public TraceStore {
 public:
  // path: a file path, or ":memory:" for a private in-memory database (one connection).
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

  StoreStats Stats() override;
  Status Shutdown(std::chrono::milliseconds deadline) override;

  // Holds the writer thread before its next transaction while paused (queue-full tests).
  void PauseWriterForTesting(bool paused);

 private:
  struct Pending {
    IngestBatch batch;
    // Encoded (and compressed) span bodies, made on the caller's thread so the single writer
    // only binds bytes: compression is the most expensive step of ingest.
    std::vector<std::string> bodies;
    std::vector<std::string> log_bodies;
    std::promise<Status> done;
  };

  SqliteTraceStore(std::string path, StoreOptions options);
  Status Init();
  void WriterLoop();
  Status ApplyBatch(Pending& pending);
  Result<int64_t> ResourceId(const model::Resource& resource);

  // Runs f(Db&) on a reader connection (the writer's, under its lock, for :memory:).
  template <typename F>
  auto WithReader(F&& f) -> decltype(f(std::declval<Db&>()));
  // Runs f(Db&) in a write transaction on the writer connection; rolls back on error.
  template <typename F>
  auto WithWriteTxn(F&& f) -> decltype(f(std::declval<Db&>()));

  Result<model::TraceInfo> LoadTraceInfo(Db& db, int64_t trace_key, bool with_assessments);
  Result<int64_t> TraceKey(Db& db, const TraceId& id);
  Status CheckExperimentActive(Db& db, const std::string& experiment_id);
  Result<model::Experiment> LoadExperiment(Db& db, Stmt& stmt);
  Result<std::vector<model::Assessment>> LoadAssessments(Db& db, int64_t trace_key,
                                                         const std::string* assessment_id);

  const std::string path_;
  const StoreOptions options_;
  const bool memory_;

  std::mutex write_mu_;
  Db writer_db_;  // GUARDED_BY(write_mu_)
  std::unordered_map<uint64_t, int64_t> resource_ids_;  // GUARDED_BY(write_mu_)

  std::mutex readers_mu_;
  std::vector<std::unique_ptr<Db>> idle_readers_;  // GUARDED_BY(readers_mu_)

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<std::unique_ptr<Pending>> queue_;  // GUARDED_BY(queue_mu_)
  bool stopping_ = false;                       // GUARDED_BY(queue_mu_)
  bool paused_ = false;                         // GUARDED_BY(queue_mu_)
  std::jthread writer_;

  std::atomic<int64_t> trace_count_{0};
  std::atomic<int64_t> span_count_{0};
  std::atomic<int64_t> rejected_batches_{0};
};

template <typename F>
auto SqliteTraceStore::WithReader(F&& f) -> decltype(f(std::declval<Db&>())) {
  if (memory_) {
    std::lock_guard<std::mutex> lock(write_mu_);
    auto result = f(writer_db_);
    writer_db_.ResetAll();
    return result;
  }
  std::unique_ptr<Db> db;
  {
    std::lock_guard<std::mutex> lock(readers_mu_);
    if (!idle_readers_.empty()) {
      db = std::move(idle_readers_.back());
      idle_readers_.pop_back();
    }
  }
  if (!db) {
    db = std::make_unique<Db>();
    Status st = db->Open(path_, true);
    if (st.ok()) st = ConfigureConnection(*db, false);
    if (!st.ok()) return st;
  }
  auto result = f(*db);
  db->ResetAll();
  std::lock_guard<std::mutex> lock(readers_mu_);
  if (idle_readers_.size() < 8) idle_readers_.push_back(std::move(db));
  return result;
}

template <typename F>
auto SqliteTraceStore::WithWriteTxn(F&& f) -> decltype(f(std::declval<Db&>())) {
  std::lock_guard<std::mutex> lock(write_mu_);
  RETURN_IF_ERROR(writer_db_.Exec("BEGIN IMMEDIATE"));
  auto result = f(writer_db_);
  writer_db_.ResetAll();
  if (!internal::AsStatus(result).ok()) {
    writer_db_.Exec("ROLLBACK").IgnoreError();
    return result;
  }
  Status commit = writer_db_.Exec("COMMIT");
  if (!commit.ok()) {
    writer_db_.Exec("ROLLBACK").IgnoreError();
    return commit;
  }
  return result;
}

}  // namespace tracelake::storage::sqlite
