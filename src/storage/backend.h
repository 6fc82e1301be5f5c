// Backend: one storage backend opened from one URI, seen through narrow role interfaces.
//
// Each consumer takes only the roles it uses (Jaeger's tracestore/depstore split): the OTLP
// ingestor a TraceStore&, the assessment routes an AssessmentStore&, the dashboards a
// MetricStore&, the lake sink and online monitor a ChangeFeed& (+ TraceStore&). A fake or a new
// backend implements the roles, not one 30-method interface. The roles of the evaluation issue
// (datasets, rules) and of auth (users, tokens) join as further accessors here,
// each its own interface.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<Backend> backend, OpenBackend("sqlite:///traces.db"));
//   RETURN_IF_ERROR(backend->traces().Ingest(std::move(batch)));
//   ...
//   backend->Shutdown(std::chrono::seconds(10)).IgnoreError();
//
// Safe for concurrent use; the role objects live as long as the Backend.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "storage/assessment_store.h"
#include "storage/change_feed.h"
#include "storage/dataset_store.h"
#include "storage/experiment_store.h"
#include "storage/metric_store.h"
#include "storage/run_store.h"
#include "storage/trace_store.h"
#include "tracelake/status.h"

namespace tracelake::storage {

struct StoreOptions {
  int max_queued_batches = 256;  // bounded ingest queue (batches waiting for the writer)
  int max_batch_spans = 20000;   // the writer merges queued batches up to this many spans
};

struct StoreStats {
  int64_t traces = 0;
  int64_t spans = 0;
  int64_t bytes_on_disk = 0;
  int64_t wal_bytes = 0;         // SQLite: the WAL file now (included in bytes_on_disk)
  int64_t peak_wal_bytes = 0;    // SQLite: the most the WAL held since the store opened
  int64_t queue_depth = 0;       // batches waiting for the writer
  int64_t rejected_batches = 0;  // Ingest calls refused because the queue was full
};

class Backend {
 public:
  virtual ~Backend() = default;

  virtual ExperimentStore& experiments() = 0;
  virtual TraceStore& traces() = 0;
  virtual AssessmentStore& assessments() = 0;
  virtual MetricStore& metrics() = 0;
  virtual ChangeFeed& changes() = 0;
  virtual RunStore& runs() = 0;
  virtual ScorerStore& scorers() = 0;
  virtual DatasetStore& datasets() = 0;

  virtual StoreStats Stats() = 0;
  // Stops accepting ingest, commits what is queued until the deadline, stops the backend's
  // threads. Reads keep working. kDeadlineExceeded when queued batches were abandoned.
  // Idempotent.
  virtual Status Shutdown(std::chrono::milliseconds deadline) = 0;
};

// Opens the backend named by an MLflow-style URI: "sqlite:///relative.db",
// "sqlite:////abs/path.db", "sqlite:///:memory:". kInvalidArgument for an unknown scheme,
// kUnimplemented for postgresql:// (not in this build yet), kUnavailable when the file cannot be
// opened, kFailedPrecondition for a database of a newer tracelake.
Result<std::unique_ptr<Backend>> OpenBackend(const std::string& uri,
                                             const StoreOptions& options = {});

}  // namespace tracelake::storage
