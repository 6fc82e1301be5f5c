#include "storage/sqlite/sqlite_backend.h"

namespace tracelake::storage::sqlite {

SqliteBackend::SqliteBackend(std::unique_ptr<SqliteDatabase> db)
    : db_(std::move(db)),
      experiments_(*db_),
      assessments_(*db_),
      metrics_(*db_),
      changes_(*db_),
      runs_(*db_, run_ids_),
      scorers_(*db_, run_ids_),
      datasets_(*db_) {}

SqliteBackend::~SqliteBackend() { Shutdown(std::chrono::seconds(30)).IgnoreError(); }

Result<std::unique_ptr<SqliteBackend>> SqliteBackend::Open(const std::string& path,
                                                           const StoreOptions& options) {
  if (options.max_queued_batches < 1 || options.max_batch_spans < 1)
    return InvalidArgumentError("StoreOptions limits must be positive");
  ASSIGN_OR_RETURN(std::unique_ptr<SqliteDatabase> db, SqliteDatabase::Open(path));
  std::unique_ptr<SqliteBackend> backend(new SqliteBackend(std::move(db)));
  ASSIGN_OR_RETURN(backend->traces_, SqliteTraceStore::Open(*backend->db_, options));
  return backend;
}

StoreStats SqliteBackend::Stats() {
  StoreStats s = traces_->Stats();
  s.bytes_on_disk = db_->BytesOnDisk();
  s.wal_bytes = db_->WalBytes();
  s.peak_wal_bytes = db_->PeakWalBytes();
  return s;
}

Status SqliteBackend::Shutdown(std::chrono::milliseconds deadline) {
  return traces_ ? traces_->Shutdown(deadline) : OkStatus();
}

}  // namespace tracelake::storage::sqlite
