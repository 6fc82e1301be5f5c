#include "storage/sqlite/schema.h"

#include <string>

#include "storage/sqlite/rollup_tables.h"

namespace tracelake::storage::sqlite {
namespace {

// Version 1. Times are ns for traces and spans, ms for experiments and assessments (MLflow's
// units). Keep in step with docs/schema.md.
constexpr const char* kCreateV1 = R"sql(
CREATE TABLE experiments(
  experiment_id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  artifact_location TEXT NOT NULL,
  lifecycle_stage TEXT NOT NULL,
  creation_time INTEGER NOT NULL,
  last_update_time INTEGER NOT NULL);
CREATE TABLE experiment_tags(
  experiment_id INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY(experiment_id, key)) WITHOUT ROWID;
CREATE TABLE traces(
  trace_key INTEGER PRIMARY KEY,
  trace_id BLOB NOT NULL UNIQUE,
  experiment_id INTEGER NOT NULL,
  request_time INTEGER NOT NULL,
  duration INTEGER NOT NULL,
  state INTEGER NOT NULL,
  fragmented INTEGER NOT NULL,
  span_count INTEGER NOT NULL,
  error_spans INTEGER NOT NULL,
  root_name TEXT,
  preview_span_id INTEGER,
  preview_span_start INTEGER,
  min_start INTEGER,
  max_end INTEGER,
  input_tokens INTEGER,
  output_tokens INTEGER,
  total_tokens INTEGER,
  cached_tokens INTEGER,
  client_state INTEGER,
  client_request_time INTEGER,
  client_duration INTEGER,
  client_previews INTEGER NOT NULL,
  client_request_id TEXT,
  next_chunk INTEGER NOT NULL);
CREATE INDEX traces_by_time ON traces(experiment_id, request_time);
CREATE TABLE trace_previews(
  trace_key INTEGER PRIMARY KEY,
  request_preview TEXT NOT NULL,
  response_preview TEXT NOT NULL);
CREATE TABLE trace_tags(
  trace_key INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY(trace_key, key)) WITHOUT ROWID;
CREATE TABLE trace_metadata(
  trace_key INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY(trace_key, key)) WITHOUT ROWID;
CREATE TABLE resources(
  resource_hash INTEGER PRIMARY KEY,
  body BLOB NOT NULL);
CREATE TABLE spans(
  trace_key INTEGER NOT NULL,
  span_id INTEGER NOT NULL,
  parent_id INTEGER NOT NULL,
  start_ns INTEGER NOT NULL,
  duration_ns INTEGER NOT NULL,
  status INTEGER NOT NULL,
  chunk INTEGER NOT NULL,
  name TEXT NOT NULL,
  type TEXT,
  PRIMARY KEY(trace_key, span_id)) WITHOUT ROWID;
CREATE TABLE span_chunks(
  chunk_id INTEGER PRIMARY KEY,
  body BLOB NOT NULL);
CREATE TABLE span_logs(
  log_id INTEGER PRIMARY KEY,
  trace_id BLOB NOT NULL,
  span_id INTEGER NOT NULL,
  body BLOB NOT NULL);
CREATE INDEX span_logs_by_span ON span_logs(trace_id, span_id);
CREATE TABLE assessments(
  assessment_id TEXT PRIMARY KEY,
  trace_key INTEGER NOT NULL,
  span_id TEXT NOT NULL,
  name TEXT NOT NULL,
  kind INTEGER NOT NULL,
  source_type INTEGER NOT NULL,
  source_id TEXT NOT NULL,
  create_time INTEGER NOT NULL,
  last_update_time INTEGER NOT NULL,
  value_json TEXT NOT NULL,
  error_json TEXT NOT NULL,
  rationale TEXT NOT NULL,
  metadata_json TEXT NOT NULL,
  overrides TEXT NOT NULL,
  valid INTEGER NOT NULL,
  extra_json TEXT NOT NULL);
CREATE INDEX assessments_by_trace ON assessments(trace_key);
)sql";

// One step per schema version: migration i takes a database at version i-1 to version i.
// Later issues append steps; a step never changes once released.
Status MigrateTo1(Db& db, int64_t now_ms) {
  RETURN_IF_ERROR(db.Exec(kCreateV1));
  ASSIGN_OR_RETURN(
      Stmt ins,
      db.Prepare("INSERT INTO experiments(experiment_id, name, artifact_location, lifecycle_stage, "
                 "creation_time, last_update_time) VALUES(0, 'Default', 'mlflow-artifacts:/0', "
                 "'active', ?, ?)"));
  return ins.Bind(1, now_ms).Bind(2, now_ms).Run();
}

// Version 2: metrics (docs/metrics.md). span_facts keeps what raw metric queries need of a span
// beyond its columns; the rollups are per experiment and minute (period 1) or hour (period 60).
constexpr const char* kCreateV2 = R"sql(
CREATE TABLE span_facts(
  trace_key INTEGER NOT NULL,
  span_id INTEGER NOT NULL,
  model TEXT NOT NULL,
  error_type TEXT NOT NULL,
  input_tokens INTEGER,
  output_tokens INTEGER,
  cached_tokens INTEGER,
  total_tokens INTEGER,
  PRIMARY KEY(trace_key, span_id)) WITHOUT ROWID;
CREATE TABLE rollup_traces(
  experiment_id INTEGER NOT NULL,
  period INTEGER NOT NULL,
  time_ms INTEGER NOT NULL,
  state INTEGER NOT NULL,
  trace_count INTEGER NOT NULL,
  latency BLOB NOT NULL,
  PRIMARY KEY(experiment_id, period, time_ms, state)) WITHOUT ROWID;
CREATE TABLE rollup_spans(
  experiment_id INTEGER NOT NULL,
  period INTEGER NOT NULL,
  time_ms INTEGER NOT NULL,
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  status INTEGER NOT NULL,
  model TEXT NOT NULL,
  error_type TEXT NOT NULL,
  span_count INTEGER NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  cached_tokens INTEGER NOT NULL,
  total_tokens INTEGER NOT NULL,
  latency BLOB NOT NULL,
  PRIMARY KEY(experiment_id, period, time_ms, name, type, status, model, error_type))
  WITHOUT ROWID;
)sql";

Status MigrateTo2(Db& db, int64_t) {
  RETURN_IF_ERROR(db.Exec(kCreateV2));
  return BackfillRollups(db);
}

// Version 3: the change feed (storage/change_feed.h, docs/change-feed.md). Each write of a trace
// stamps its row with the next change_seq; deletions leave a tombstone with theirs; consumers
// keep their cursors in feed_cursors. Existing traces get seqs in the order they were created.
constexpr const char* kCreateV3 = R"sql(
ALTER TABLE traces ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
UPDATE traces SET change_seq = trace_key;
CREATE INDEX traces_by_change ON traces(change_seq);
CREATE TABLE trace_tombstones(
  change_seq INTEGER PRIMARY KEY,
  trace_id BLOB NOT NULL,
  experiment_id INTEGER NOT NULL);
CREATE TABLE feed_cursors(
  consumer TEXT PRIMARY KEY,
  seq INTEGER NOT NULL,
  update_time INTEGER NOT NULL) WITHOUT ROWID;
)sql";

Status MigrateTo3(Db& db, int64_t) { return db.Exec(kCreateV3); }

// Version 4: MLflow's cost and complete token usage (docs/metrics.md, "Cost"). span_facts and
// traces keep the mlflow.llm.cost of each span and its sum per trace (NULL: not priced);
// span_facts keeps the span's provider for the span_model_provider dimension ('' for spans
// stored before, whose provider only their bodies hold).
// Stored spans keep no cost (they were stored before the ingestor priced spans, and MLflow does
// not price stored spans again either), so the new columns start NULL. Usage is completed as
// MLflow stores it (model::TokenUsage::Complete) in span_facts and traces, and the rollups are
// built again from them.
constexpr const char* kCreateV4 = R"sql(
ALTER TABLE span_facts ADD COLUMN input_cost REAL;
ALTER TABLE span_facts ADD COLUMN output_cost REAL;
ALTER TABLE span_facts ADD COLUMN total_cost REAL;
ALTER TABLE span_facts ADD COLUMN provider TEXT NOT NULL DEFAULT '';
ALTER TABLE traces ADD COLUMN input_cost REAL;
ALTER TABLE traces ADD COLUMN output_cost REAL;
ALTER TABLE traces ADD COLUMN total_cost REAL;
UPDATE span_facts SET
  input_tokens = COALESCE(input_tokens, 0),
  output_tokens = COALESCE(output_tokens, 0),
  total_tokens = COALESCE(total_tokens, COALESCE(input_tokens, 0) + COALESCE(output_tokens, 0))
  WHERE input_tokens IS NOT NULL OR output_tokens IS NOT NULL OR total_tokens IS NOT NULL;
UPDATE traces SET (input_tokens, output_tokens, total_tokens) = (
  SELECT SUM(f.input_tokens), SUM(f.output_tokens), SUM(f.total_tokens)
  FROM span_facts f WHERE f.trace_key = traces.trace_key)
  WHERE input_tokens IS NOT NULL OR output_tokens IS NOT NULL OR total_tokens IS NOT NULL;
)sql";

Status MigrateTo4(Db& db, int64_t) {
  RETURN_IF_ERROR(db.Exec(kCreateV4));
  return RebuildRollups(db);
}

// Version 5: MLflow runs and registered scorers (storage/run_store.h). Times in ms. A run's
// metric history is run_metrics (an identical point is kept once); run_latest_metrics keeps
// the latest point per key (max step, then timestamp, then value) for RunData and search.
// SQLite stores a NaN REAL as NULL, so NaN values are stored as 0 with is_nan = 1.
// Self-contained: creates only its own tables.
constexpr const char* kCreateV5 = R"sql(
CREATE TABLE runs(
  run_uuid TEXT PRIMARY KEY,
  experiment_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  user_id TEXT NOT NULL,
  status TEXT NOT NULL,
  start_time INTEGER NOT NULL,
  end_time INTEGER,
  deleted_time INTEGER,
  lifecycle_stage TEXT NOT NULL,
  artifact_uri TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX runs_by_experiment ON runs(experiment_id, start_time);
CREATE TABLE run_params(
  run_uuid TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY(run_uuid, key)) WITHOUT ROWID;
CREATE TABLE run_tags(
  run_uuid TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY(run_uuid, key)) WITHOUT ROWID;
CREATE TABLE run_metrics(
  run_uuid TEXT NOT NULL,
  key TEXT NOT NULL,
  step INTEGER NOT NULL,
  timestamp INTEGER NOT NULL,
  value REAL NOT NULL,
  is_nan INTEGER NOT NULL,
  PRIMARY KEY(run_uuid, key, step, timestamp, value, is_nan)) WITHOUT ROWID;
CREATE TABLE run_latest_metrics(
  run_uuid TEXT NOT NULL,
  key TEXT NOT NULL,
  step INTEGER NOT NULL,
  timestamp INTEGER NOT NULL,
  value REAL NOT NULL,
  is_nan INTEGER NOT NULL,
  PRIMARY KEY(run_uuid, key)) WITHOUT ROWID;
CREATE TABLE run_dataset_inputs(
  run_uuid TEXT NOT NULL,
  name TEXT NOT NULL,
  digest TEXT NOT NULL,
  source_type TEXT NOT NULL,
  source TEXT NOT NULL,
  schema TEXT NOT NULL,
  profile TEXT NOT NULL,
  tags_json TEXT NOT NULL,
  PRIMARY KEY(run_uuid, name, digest)) WITHOUT ROWID;
CREATE TABLE scorers(
  scorer_id TEXT PRIMARY KEY,
  experiment_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  UNIQUE(experiment_id, name)) WITHOUT ROWID;
CREATE TABLE scorer_versions(
  scorer_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  serialized_scorer TEXT NOT NULL,
  creation_time INTEGER NOT NULL,
  PRIMARY KEY(scorer_id, version)) WITHOUT ROWID;
CREATE TABLE online_scoring_configs(
  scorer_id TEXT PRIMARY KEY,
  online_scoring_config_id TEXT NOT NULL,
  experiment_id INTEGER NOT NULL,
  sample_rate REAL NOT NULL,
  filter_string TEXT) WITHOUT ROWID;
)sql";

// Version 6: MLflow evaluation datasets (storage/dataset_store.h). A dataset's records are
// deduplicated on input_hash, the SHA-256 of their inputs' canonical JSON; record_key keeps
// insertion order for paging. Self-contained: nothing else refers to these tables.
constexpr const char* kCreateV6 = R"sql(
CREATE TABLE datasets(
  dataset_key INTEGER PRIMARY KEY,
  dataset_id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  schema_json TEXT,
  profile_json TEXT,
  digest TEXT NOT NULL,
  created_time INTEGER NOT NULL,
  last_update_time INTEGER NOT NULL,
  created_by TEXT,
  last_updated_by TEXT);
CREATE TABLE dataset_tags(
  dataset_key INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY(dataset_key, key)) WITHOUT ROWID;
CREATE TABLE dataset_experiments(
  dataset_key INTEGER NOT NULL,
  experiment_id INTEGER NOT NULL,
  created_time INTEGER NOT NULL,
  PRIMARY KEY(dataset_key, experiment_id)) WITHOUT ROWID;
CREATE INDEX dataset_experiments_by_experiment ON dataset_experiments(experiment_id);
CREATE TABLE dataset_records(
  record_key INTEGER PRIMARY KEY,
  dataset_key INTEGER NOT NULL,
  record_id TEXT NOT NULL UNIQUE,
  input_hash TEXT NOT NULL,
  inputs TEXT NOT NULL,
  expectations TEXT,
  outputs TEXT,
  tags TEXT,
  source TEXT,
  source_type TEXT,
  source_id TEXT,
  created_time INTEGER NOT NULL,
  last_update_time INTEGER NOT NULL,
  created_by TEXT,
  last_updated_by TEXT);
CREATE UNIQUE INDEX dataset_records_by_input ON dataset_records(dataset_key, input_hash);
CREATE INDEX dataset_records_by_dataset ON dataset_records(dataset_key, record_key);
)sql";

Status MigrateTo5(Db& db, int64_t) { return db.Exec(kCreateV5); }
Status MigrateTo6(Db& db, int64_t) { return db.Exec(kCreateV6); }

// Schema 7: an evaluation run's feedback found by index (run pages, resume, comparisons), not by
// decoding every assessment's metadata.
Status MigrateTo7(Db& db, int64_t) {
  return db.Exec("CREATE INDEX IF NOT EXISTS assessments_by_source_run ON assessments(" +
                 std::string(kAssessmentSourceRunSql) + ") WHERE kind = 1 AND valid = 1;");
}

// Schema 8: per-trace state of change-feed consumers (ChangeFeed::SaveTraceStates): what the
// lake sink has written of each trace, and its pending intent while it commits to the lake.
Status MigrateTo8(Db& db, int64_t) {
  return db.Exec(
      "CREATE TABLE feed_trace_states(consumer TEXT NOT NULL, trace_id BLOB NOT NULL, "
      "state BLOB NOT NULL, PRIMARY KEY(consumer, trace_id)) WITHOUT ROWID;");
}

using Migration = Status (*)(Db&, int64_t);
constexpr Migration kMigrations[] = {MigrateTo1, MigrateTo2, MigrateTo3, MigrateTo4,
                                     MigrateTo5, MigrateTo6, MigrateTo7, MigrateTo8};
static_assert(std::size(kMigrations) == kSchemaVersion);

}  // namespace

Status MigrateSchema(Db& db, int64_t now_ms) {
  RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  auto fail = [&](Status st) {
    db.Exec("ROLLBACK").IgnoreError();
    return st;
  };
  auto version = [&]() -> Result<int64_t> {
    ASSIGN_OR_RETURN(Stmt v, db.Prepare("PRAGMA user_version"));
    bool row = false;
    RETURN_IF_ERROR(v.Step(&row));
    return row ? v.Int(0) : 0;
  }();
  if (!version.ok()) return fail(version.status());
  if (*version > kSchemaVersion) {
    return fail(FailedPreconditionError("The database has schema version " +
                                        std::to_string(*version) +
                                        ", newer than this tracelake understands (" +
                                        std::to_string(kSchemaVersion) + "); upgrade tracelake"));
  }
  if (*version == 0) {
    // A version-0 file with tables is not ours: refuse rather than mix schemas.
    ASSIGN_OR_RETURN(Stmt t, db.Prepare("SELECT count(*) FROM sqlite_schema"));
    bool row = false;
    Status st = t.Step(&row);
    if (!st.ok()) return fail(st);
    if (row && t.Int(0) > 0)
      return fail(FailedPreconditionError(
          "The database file already holds tables that tracelake did not create"));
  }
  for (int64_t v = *version; v < kSchemaVersion; ++v) {
    Status st = kMigrations[v](db, now_ms);
    if (!st.ok()) return fail(st);
  }
  if (*version != kSchemaVersion) {
    Status st = db.Exec("PRAGMA user_version = " + std::to_string(kSchemaVersion));
    if (!st.ok()) return fail(st);
  }
  return db.Exec("COMMIT");
}

}  // namespace tracelake::storage::sqlite
