// SqliteTraceStore: opening (counters, the ingest queue), stats and shutdown.
#include "storage/sqlite/sqlite_trace_store.h"

namespace tracelake::storage::sqlite {

Result<std::unique_ptr<SqliteTraceStore>> SqliteTraceStore::Open(SqliteDatabase& db,
                                                                 const StoreOptions& options) {
  std::unique_ptr<SqliteTraceStore> store(new SqliteTraceStore(db, options));
  RETURN_IF_ERROR(store->Init());
  return store;
}

SqliteTraceStore::~SqliteTraceStore() { Shutdown(std::chrono::seconds(30)).IgnoreError(); }

Status SqliteTraceStore::Init() {
  RETURN_IF_ERROR(db_.WithWriter([this](Db& db) -> Status {
    ASSIGN_OR_RETURN(
        Stmt s, db.Prepare("SELECT (SELECT count(*) FROM traces), (SELECT count(*) FROM spans), "
                           "(SELECT coalesce(max(trace_key), 0) FROM traces), "
                           "(SELECT count(*) FROM (SELECT 1 FROM span_logs LIMIT 1))"));
    bool row = false;
    RETURN_IF_ERROR(s.Step(&row));
    if (row) {
      trace_count_ = s.Int(0);
      span_count_ = s.Int(1);
      next_trace_key_ = s.Int(2) + 1;
      any_logs_ = s.Int(3) > 0;
    }
    return OkStatus();
  }));
  GroupCommitQueue::Options queue_options;
  queue_options.max_queued_batches = options_.max_queued_batches;
  queue_options.max_batch_spans = options_.max_batch_spans;
  GroupApplier& applier = *this;  // (a private base: convert here, not inside make_unique)
  queue_ = std::make_unique<GroupCommitQueue>(queue_options, applier);
  return OkStatus();
}

Status SqliteTraceStore::Shutdown(std::chrono::milliseconds deadline) {
  // The queue's writer finishes the group it is applying and commits what is queued.
  return queue_ ? queue_->Shutdown(deadline) : OkStatus();
}

StoreStats SqliteTraceStore::Stats() const {
  StoreStats s;
  s.traces = trace_count_.load();
  s.spans = span_count_.load();
  if (queue_) {
    s.rejected_batches = queue_->rejected();
    s.queue_depth = queue_->depth();
  }
  return s;
}

}  // namespace tracelake::storage::sqlite
