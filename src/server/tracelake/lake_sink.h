// The lake sink: the store's traces appended to three Delta tables, `<prefix>_otel_spans`,
// `<prefix>_otel_logs` and `<prefix>_otel_annotations`, under a lake location (docs/lake.md,
// "Lake sink"). `tracelake server --lake-location DIR` runs it continuously in the background;
// `tracelake lake export` runs the same sink once over a store file, until it has caught up.
//
// It follows the store's change feed, never the ingest path: ingest commits, wakes the sink, and
// returns; a slow or full lake disk only makes the sink fall behind (the lag and the last error
// are in /metrics and GET /api/2.0/tracelake/lake), and it catches up when it can write again.
//
// Exactly once, across crashes and restarts. The sink keeps per trace what it has written
// (ChangeFeed::SaveTraceStates): the ingest batches of the trace whose spans are in the lake,
// its last log record, and a digest of each annotation. A batch of changes is published in two
// phases: (1) its new per-trace states are saved as the sink's pending intent, with the feed
// position P it reaches; (2) each table gets one Delta commit carrying txn{appId, version P};
// (3) the intent replaces the saved states and the cursor becomes P, in one store transaction.
// After a crash between (1) and (3), the restarted sink re-derives, for each table whose Delta
// txn version is below P, the rows between the saved and the pending states, commits them with
// version P, and finishes (3). A table that already has P is never written twice, so nothing is
// lost and nothing is duplicated. Spans sent again (exporter retries) replace the stored copy in
// a newer ingest batch and are appended again, as a newer row with the same record_id.
//
// Thread-safety: LakeSink is confined to one thread; LakeSinkService runs one on its own thread
// and its StatusJson/MetricsText are safe from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "lake/compression.h"
#include "lake/delta_table.h"
#include "lake/otel_tables.h"
#include "server/http/router.h"
#include "server/mlflow/params.h"
#include "storage/backend.h"
#include "tracelake/status.h"

namespace tracelake::server {

struct LakeSinkOptions {
  std::filesystem::path location;  // the lake directory; created when missing
  std::string prefix = "tracelake";
  // The change-feed consumer whose cursor and per-trace states the sink keeps; it names the
  // Delta txn appId too. Each lake location + prefix gets its own (LakeConsumerName).
  std::string consumer;
  lake::Codec codec = lake::Codec::kZstd;
  // portable (Delta (1,2), attribute maps of strings) or uc-exact (Delta (3,7), VARIANT).
  lake::LakeSchema schema = lake::LakeSchema::kPortable;
  // A Delta commit is made every `interval`, or as soon as `batch_spans` spans are waiting.
  std::chrono::milliseconds interval{std::chrono::seconds(5)};
  int64_t batch_spans = 100000;
  // Table upkeep (the server's sink only): every `maintenance_interval` (0: never) the small
  // files of each table are compacted into files of about `compact_target_bytes` (Delta
  // OPTIMIZE), then files no version younger than `vacuum_retention` uses are deleted (VACUUM).
  std::chrono::milliseconds maintenance_interval{std::chrono::hours(1)};
  int64_t compact_target_bytes = int64_t{128} << 20;
  std::chrono::milliseconds vacuum_retention{std::chrono::hours(24 * 7)};
  int page_size = 500;  // changes read at once
  // Export filters: only traces of these experiments (empty: all) that started at or after
  // `since_ms` (0: any). Traces outside are passed by, never written.
  std::set<std::string> experiment_ids;
  int64_t since_ms = 0;
  // Tests: a batch fails (kAborted) after this many tables got their commit, as a crash would
  // leave it; -1: never.
  int fail_after_tables_for_testing = -1;
};

// The three tables' Delta configurations (name, columns, partitioning, codec, protocol): spans,
// logs, annotations, in that order.
std::vector<lake::DeltaTableConfig> LakeTableConfigs(
    const std::string& prefix, lake::Codec codec,
    lake::LakeSchema schema = lake::LakeSchema::kPortable);

// "lake-sink:" + the absolute location + ":" + prefix, cut to fit a consumer name.
std::string LakeConsumerName(const std::string& kind, const std::filesystem::path& location,
                             const std::string& prefix);

struct LakeSinkProgress {
  int64_t cursor = 0;  // the feed position everything before which is in the lake
  int64_t head = 0;    // the newest feed position seen
  int64_t traces = 0;  // traces written from (cumulative, this process)
  int64_t rows_spans = 0, rows_logs = 0, rows_annotations = 0;
  int64_t commits = 0, bytes = 0, errors = 0;
  std::string last_error;  // empty after a success
  int64_t last_commit_unix_ms = 0;
  // Upkeep (LakeSink::Maintain): runs, files compacted away and written, files vacuumed.
  int64_t maintenance_runs = 0, files_compacted = 0, files_compacted_into = 0;
  int64_t files_vacuumed = 0, maintenance_errors = 0;
  int64_t last_maintenance_unix_ms = 0;
};

class LakeSink {
 public:
  // Borrowed backend; must outlive the sink.
  LakeSink(storage::Backend& backend, LakeSinkOptions options);
  ~LakeSink();

  // Opens (or creates) the three tables and finishes a batch a crash left half published.
  Status Open();
  // Reads what the feed holds after the cursor (up to about batch_spans spans) and publishes it.
  // Sets *traces to the number of traces written from; returns whether more was waiting (the
  // batch was full). A failed batch is finished by the next call (or the next Open).
  Result<bool> PublishOnce(int64_t* traces);
  // Compacts each table's small files, then vacuums files older than the retention that no
  // version uses. Every table is tried; the first error is returned (and counted).
  Status Maintain(int64_t compact_target_bytes, std::chrono::milliseconds vacuum_retention);
  // PublishOnce until caught up; `progress` (may be empty) is called after each batch.
  Status Drain(const std::function<void(const LakeSinkProgress&)>& progress);

  LakeSinkProgress progress() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// The sink on a background thread of the server.
class LakeSinkService {
 public:
  LakeSinkService(storage::Backend& backend, LakeSinkOptions options);
  ~LakeSinkService();  // Stop()

  // Opens the tables (errors here are the caller's: a bad --lake-location stops the server) and
  // starts the worker.
  Status Start();
  // Publishes what is committed so far (bounded by `deadline`), then joins.
  void Stop();

  // {"enabled", "location", "prefix", "tables", "cursor", "head", "lag_changes", "traces",
  //  "rows": {spans, logs, annotations}, "commits", "bytes", "errors", "last_error",
  //  "last_commit_time"}
  Json StatusJson();
  // Prometheus text lines (tracelake_lake_sink_*).
  std::string MetricsText();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// GET /api/2.0/tracelake/lake: the sink's status ({"enabled": false} without one).
void RegisterLakeRoutes(Router& router, LakeSinkService* service);

}  // namespace tracelake::server
