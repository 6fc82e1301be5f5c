// TraceStore: the one storage interface. SQLite now, PostgreSQL later, behind the same API.
//
// Safe for concurrent use. Writes of spans and log records go through one writer thread that
// commits many callers' batches per transaction; Ingest() returns only after the caller's
// batch is durable (or failed), so a 2xx to an exporter means "committed".
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/ids.h"
#include "model/assessment.h"
#include "model/experiment.h"
#include "model/log_record.h"
#include "model/span.h"
#include "model/trace.h"
#include "query/filter.h"
#include "storage/metric_query.h"
#include "storage/metric_values.h"
#include "tracelake/status.h"

namespace tracelake::storage {

// One unit of ingest: spans and/or log records routed to one experiment.
struct IngestBatch {
  std::string experiment_id = "0";
  std::vector<model::Span> spans;           // already normalized (model::NormalizeSpan)
  std::vector<model::LogRecord> log_records;  // only records linked to a span are kept
};

struct SearchExperimentsRequest {
  enum class ViewType { kActiveOnly, kDeletedOnly, kAll };
  ViewType view_type = ViewType::kActiveOnly;
  std::string filter;  // MLflow experiment filter: name LIKE/=, tags.<k> =; may be empty
  int max_results = 1000;
  std::vector<std::string> order_by;  // "name ASC", "creation_time DESC", ...
  std::string page_token;
};
struct ExperimentPage {
  std::vector<model::Experiment> experiments;
  std::string next_page_token;  // empty at the end
};

struct TraceSearchRequest {
  std::vector<std::string> experiment_ids;  // empty = all experiments
  const query::Expr* filter = nullptr;      // nullable: match all
  std::vector<query::OrderBy> order_by;     // empty = newest first
  int max_results = 100;
  std::string page_token;  // opaque; malformed -> kInvalidArgument
  bool include_assessments = true;
};
struct TracePage {
  std::vector<model::TraceInfo> traces;
  std::string next_page_token;
};

struct DeleteTracesRequest {
  std::string experiment_id;
  std::optional<int64_t> max_timestamp_millis;  // delete traces with request_time <= this
  std::optional<int64_t> max_traces;            // at most this many, oldest first
  std::vector<TraceId> trace_ids;               // or exactly these
};

// What an assessment update may change (MLflow update_mask paths).
struct AssessmentUpdate {
  std::optional<std::string> assessment_name;
  std::optional<model::Feedback> feedback;
  std::optional<model::Expectation> expectation;
  std::optional<std::string> rationale;
  std::optional<std::map<std::string, std::string>> metadata;
  std::optional<bool> valid;
};

struct StoreStats {
  int64_t traces = 0;
  int64_t spans = 0;
  int64_t bytes_on_disk = 0;
  int64_t queue_depth = 0;     // batches waiting for the writer
  int64_t rejected_batches = 0;  // Ingest calls refused because the queue was full
};

class TraceStore {
 public:
  virtual ~TraceStore() = default;

  // --- ingest -------------------------------------------------------------------------
  // Blocks until the batch is committed. kResourceExhausted when the writer queue is full
  // (caller answers 429/RESOURCE_EXHAUSTED), kUnavailable after Shutdown, kNotFound when the
  // experiment does not exist (or is deleted).
  virtual Status Ingest(IngestBatch batch) = 0;

  // --- experiments --------------------------------------------------------------------
  // kAlreadyExists if an experiment (active or deleted) has that name; kInvalidArgument if empty.
  virtual Result<std::string> CreateExperiment(const std::string& name,
                                               const std::string& artifact_location,
                                               const std::map<std::string, std::string>& tags) = 0;
  virtual Result<model::Experiment> GetExperiment(const std::string& experiment_id) = 0;
  virtual Result<model::Experiment> GetExperimentByName(const std::string& name) = 0;
  virtual Result<ExperimentPage> SearchExperiments(const SearchExperimentsRequest& req) = 0;
  virtual Status RenameExperiment(const std::string& experiment_id, const std::string& new_name) = 0;
  virtual Status DeleteExperiment(const std::string& experiment_id) = 0;   // soft delete
  virtual Status RestoreExperiment(const std::string& experiment_id) = 0;
  virtual Status SetExperimentTag(const std::string& experiment_id, const std::string& key,
                                  const std::string& value) = 0;
  virtual Status DeleteExperimentTag(const std::string& experiment_id, const std::string& key) = 0;

  // --- traces -------------------------------------------------------------------------
  // MLflow StartTraceV3 / StartTrace: creates or merges a trace's info (client-provided
  // metadata, tags, previews, state) with whatever spans already arrived. Returns the merged info.
  virtual Result<model::TraceInfo> UpsertTraceInfo(const model::TraceInfo& info) = 0;
  virtual Result<model::TraceInfo> GetTraceInfo(const TraceId& id) = 0;  // with assessments
  virtual Result<model::Trace> GetTrace(const TraceId& id) = 0;          // info + spans
  virtual Result<TracePage> SearchTraces(const TraceSearchRequest& req) = 0;
  // Returns the number of traces deleted.
  virtual Result<int64_t> DeleteTraces(const DeleteTracesRequest& req) = 0;
  virtual Status SetTraceTag(const TraceId& id, const std::string& key, const std::string& value) = 0;
  virtual Status DeleteTraceTag(const TraceId& id, const std::string& key) = 0;
  virtual Status SetTraceMetadata(const TraceId& id, const std::string& key,
                                  const std::string& value) = 0;

  // --- assessments --------------------------------------------------------------------
  // Assigns assessment_id and times when empty; kNotFound for an unknown trace.
  virtual Result<model::Assessment> CreateAssessment(const model::Assessment& a) = 0;
  virtual Result<model::Assessment> GetAssessment(const TraceId& trace,
                                                  const std::string& assessment_id) = 0;
  virtual Result<model::Assessment> UpdateAssessment(const TraceId& trace,
                                                     const std::string& assessment_id,
                                                     const AssessmentUpdate& update) = 0;
  virtual Status DeleteAssessment(const TraceId& trace, const std::string& assessment_id) = 0;

  // --- metrics (docs/metrics.md) ------------------------------------------------------
  // Aggregates of q.level over q.experiment_ids in [start_ms, end_ms): one cell per time bucket,
  // group and (span level) model. Unfiltered, minute-aligned queries over rollup dimensions are
  // answered from rollups kept at ingest (latency as a sketch); others from raw rows (exact).
  // kInvalidArgument for a bad range, a dimension the level lacks, or an unsupported filter.
  virtual Result<MetricTable> QueryMetrics(const MetricQuery& q) = 0;
  // Token usage per model of each trace (same order as ids; unknown ids get an empty list).
  virtual Result<std::vector<std::vector<ModelUsage>>> GetModelUsage(
      const std::vector<TraceId>& ids) = 0;
  // MLflow's trace-metrics API (storage/metric_values.h): the rows of q.view in scope, grouped by
  // bucket and q.dimensions, each counted and with its q.column value; always raw rows (exact).
  // kInvalidArgument for a bad range or bucket, a dimension or column the view lacks, or an
  // unsupported filter.
  virtual Result<ValueTable> QueryMetricValues(const ValueMetricQuery& q) = 0;

  // --- lifecycle ----------------------------------------------------------------------
  virtual StoreStats Stats() = 0;
  // Stops accepting ingest, commits what is queued, stops the writer. Idempotent.
  virtual Status Shutdown(std::chrono::milliseconds deadline) = 0;
};

struct StoreOptions {
  int max_queued_batches = 256;  // bounded ingest queue (batches waiting for the writer)
  int max_batch_spans = 20000;   // the writer merges queued batches up to this many spans
};

// Opens the store named by an MLflow-style URI: "sqlite:///abs/path.db", "sqlite:///:memory:".
// kInvalidArgument for an unknown scheme, kUnavailable when the file cannot be opened.
Result<std::unique_ptr<TraceStore>> OpenTraceStore(const std::string& uri,
                                                   const StoreOptions& options = {});

}  // namespace tracelake::storage
