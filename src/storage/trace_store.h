// TraceStore: traces and their spans: ingest, reads, search, deletion, tags and metadata. One
// role of a storage backend (storage/backend.h); SQLite now, PostgreSQL later.
//
// Safe for concurrent use. Writes of spans and log records go through one writer thread that
// commits many callers' batches per transaction (storage/group_commit.h); Ingest() returns only
// after the caller's batch is durable (or failed), so a 2xx to an exporter means "committed".
// Every committed change of a trace is numbered in the backend's ChangeFeed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/ids.h"
#include "model/log_record.h"
#include "model/span.h"
#include "model/trace.h"
#include "query/filter.h"
#include "tracelake/status.h"

namespace tracelake::storage {

// Where a batch's spans come from. A copy of lower fidelity never replaces a stored span:
// MLflow's traces.json artifact (span dicts without resource, scope, kind or links) fills in
// only spans that no OTLP export delivered, while an OTLP copy replaces whatever is stored.
enum class SpanSource { kOtlp, kTraceData };

// One unit of ingest: spans and/or log records routed to one experiment.
struct IngestBatch {
  std::string experiment_id = "0";
  SpanSource source = SpanSource::kOtlp;
  std::vector<model::Span> spans;             // already normalized (model::NormalizeSpan)
  std::vector<model::LogRecord> log_records;  // only records linked to a span are kept
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

// What the lake sink reads of one trace (docs/lake.md, "Lake sink"): the spans exactly as they
// were sent (not normalized, log records not merged in) whose current copy was stored by one of
// the trace's ingest batches [from_batch, to_batch), the log records with
// after_log < log id <= to_log, and the trace's info with its assessments. to_batch and to_log
// below 0 mean "up to what is stored now"; the answer's next_batch and last_log say where that
// was, so the next read starts there. Batch numbers and log ids only grow within a trace, and a
// span sent again moves to the batch that stored the new copy.
struct TraceSliceRequest {
  int64_t from_batch = 0;
  int64_t to_batch = -1;
  int64_t after_log = 0;
  int64_t to_log = -1;
};
struct TraceSlice {
  model::TraceInfo info;
  std::vector<model::Span> spans;      // in span id order
  std::vector<model::LogRecord> logs;  // in log id order
  std::vector<int64_t> log_ids;        // logs[i]'s id
  int64_t next_batch = 0;
  int64_t last_log = 0;
};

class TraceStore {
 public:
  virtual ~TraceStore() = default;

  // Blocks until the batch is committed. kResourceExhausted when the writer queue is full
  // (caller answers 429/RESOURCE_EXHAUSTED), kUnavailable after Shutdown, kNotFound when the
  // experiment does not exist (or is deleted). A SpanSource::kTraceData batch fails with
  // kAlreadyExists, storing nothing, when any of its spans is already stored; the caller drops
  // those spans and submits the rest again.
  virtual Status Ingest(IngestBatch batch) = 0;

  // MLflow StartTraceV3 / StartTrace: creates or merges a trace's info (client-provided
  // metadata, tags, previews, state) with whatever spans already arrived. Returns the merged info.
  virtual Result<model::TraceInfo> UpsertTraceInfo(const model::TraceInfo& info) = 0;
  virtual Result<model::TraceInfo> GetTraceInfo(const TraceId& id) = 0;  // with assessments
  virtual Result<model::Trace> GetTrace(const TraceId& id) = 0;          // info + spans
  // kNotFound when the trace does not exist; kUnimplemented where the backend has no lake sink.
  virtual Result<TraceSlice> ReadTraceSlice(const TraceId& id, const TraceSliceRequest& req) {
    (void)id;
    (void)req;
    return UnimplementedError("This store cannot feed the lake sink");
  }
  // A filter field the backend cannot serve is kInvalidArgument naming it (never approximated).
  virtual Result<TracePage> SearchTraces(const TraceSearchRequest& req) = 0;
  // Returns the number of traces deleted.
  virtual Result<int64_t> DeleteTraces(const DeleteTracesRequest& req) = 0;
  virtual Status SetTraceTag(const TraceId& id, const std::string& key,
                             const std::string& value) = 0;
  virtual Status DeleteTraceTag(const TraceId& id, const std::string& key) = 0;
  virtual Status SetTraceMetadata(const TraceId& id, const std::string& key,
                                  const std::string& value) = 0;
};

}  // namespace tracelake::storage
