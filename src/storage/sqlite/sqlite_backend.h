// SqliteBackend: the embedded default storage backend (layout and reasons: docs/schema.md). One
// SqliteDatabase (the connections: one writer, a reader pool, a checkpointer) shared by one
// object per role. Safe for concurrent use.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "storage/backend.h"
#include "storage/sqlite/sqlite_assessment_store.h"
#include "storage/sqlite/sqlite_change_feed.h"
#include "storage/sqlite/sqlite_database.h"
#include "storage/sqlite/sqlite_dataset_store.h"
#include "storage/sqlite/sqlite_experiment_store.h"
#include "storage/sqlite/sqlite_metric_store.h"
#include "storage/sqlite/sqlite_run_store.h"
#include "storage/sqlite/sqlite_trace_store.h"

namespace tracelake::storage::sqlite {

class SqliteBackend final : public Backend {
 public:
  // path: a file (parent directories are created), or ":memory:" for an in-memory database
  // that lives as long as this backend.
  static Result<std::unique_ptr<SqliteBackend>> Open(const std::string& path,
                                                     const StoreOptions& options);
  ~SqliteBackend() override;

  ExperimentStore& experiments() override { return experiments_; }
  TraceStore& traces() override { return *traces_; }
  AssessmentStore& assessments() override { return assessments_; }
  MetricStore& metrics() override { return metrics_; }
  ChangeFeed& changes() override { return changes_; }
  RunStore& runs() override { return runs_; }
  ScorerStore& scorers() override { return scorers_; }
  DatasetStore& datasets() override { return datasets_; }

  StoreStats Stats() override;

  // The database the roles share (the SQL engine opens its own connections on its path()).
  SqliteDatabase& database() { return *db_; }
  Status Shutdown(std::chrono::milliseconds deadline) override;

  // While paused, the ingest writer takes nothing from its queue (queue-full and shutdown
  // tests). Shutdown unpauses.
  void PauseWriterForTesting(bool paused) { traces_->PauseWriterForTesting(paused); }

 private:
  explicit SqliteBackend(std::unique_ptr<SqliteDatabase> db);

  // Declared first: destroyed last, after every role that uses it.
  std::unique_ptr<SqliteDatabase> db_;
  SqliteExperimentStore experiments_;
  SqliteAssessmentStore assessments_;
  SqliteMetricStore metrics_;
  SqliteChangeFeed changes_;
  RunIdSource run_ids_;
  SqliteRunStore runs_;
  SqliteScorerStore scorers_;
  SqliteDatasetStore datasets_;
  std::unique_ptr<SqliteTraceStore> traces_;
};

}  // namespace tracelake::storage::sqlite
