#include "storage/sqlite/schema.h"

namespace tracelake::storage::sqlite {
namespace {

constexpr const char* kV1 = R"sql(
CREATE TABLE experiments(
  experiment_id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  artifact_location TEXT NOT NULL,
  lifecycle_stage TEXT NOT NULL DEFAULT 'active',
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
  client_state INTEGER,
  root_span_id INTEGER,
  root_name TEXT,
  min_start INTEGER,
  max_end INTEGER,
  span_count INTEGER NOT NULL DEFAULT 0,
  error_spans INTEGER NOT NULL DEFAULT 0,
  input_tokens INTEGER, output_tokens INTEGER, total_tokens INTEGER, cached_tokens INTEGER,
  request_preview TEXT, response_preview TEXT,
  client_previews INTEGER NOT NULL DEFAULT 0,
  client_request_id TEXT);
CREATE INDEX traces_by_time ON traces(experiment_id, request_time DESC);
CREATE TABLE trace_tags(
  trace_key INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY(trace_key, key)) WITHOUT ROWID;
CREATE TABLE trace_metadata(
  trace_key INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY(trace_key, key)) WITHOUT ROWID;
CREATE TABLE resources(
  resource_id INTEGER PRIMARY KEY,
  hash INTEGER NOT NULL,
  body BLOB NOT NULL);
CREATE INDEX resources_by_hash ON resources(hash);
CREATE TABLE spans(
  trace_key INTEGER NOT NULL,
  span_id INTEGER NOT NULL,
  parent_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  start_ns INTEGER NOT NULL,
  end_ns INTEGER NOT NULL,
  status INTEGER NOT NULL,
  resource_id INTEGER,
  input_tokens INTEGER, output_tokens INTEGER, total_tokens INTEGER, cached_tokens INTEGER,
  body BLOB NOT NULL,
  PRIMARY KEY(trace_key, span_id)) WITHOUT ROWID;
CREATE TABLE span_logs(
  trace_id BLOB NOT NULL, span_id INTEGER NOT NULL, seq INTEGER NOT NULL,
  body BLOB NOT NULL,
  PRIMARY KEY(trace_id, span_id, seq)) WITHOUT ROWID;
CREATE TABLE assessments(
  assessment_id TEXT PRIMARY KEY,
  trace_key INTEGER NOT NULL,
  span_id TEXT NOT NULL DEFAULT '',
  name TEXT NOT NULL,
  source_type INTEGER NOT NULL,
  source_id TEXT NOT NULL DEFAULT '',
  create_time INTEGER NOT NULL,
  last_update_time INTEGER NOT NULL,
  kind INTEGER NOT NULL,
  value_json TEXT,
  error_json TEXT,
  rationale TEXT NOT NULL DEFAULT '',
  metadata_json TEXT NOT NULL DEFAULT '{}',
  overrides TEXT NOT NULL DEFAULT '',
  valid INTEGER NOT NULL DEFAULT 1,
  extra_json TEXT NOT NULL DEFAULT '{}');
CREATE INDEX assessments_by_trace ON assessments(trace_key);
)sql";

}  // namespace

Status MigrateSchema(Db& db, int64_t now_ms) {
  ASSIGN_OR_RETURN(Stmt v, db.Prepare("PRAGMA user_version"));
  bool row = false;
  RETURN_IF_ERROR(v.Step(&row));
  int64_t version = row ? v.Int(0) : 0;
  v = Stmt();
  if (version == kSchemaVersion) return OkStatus();
  if (version > kSchemaVersion) {
    return FailedPreconditionError("Database schema version " + std::to_string(version) +
                                   " is newer than this tracelake (" +
                                   std::to_string(kSchemaVersion) + "); upgrade tracelake");
  }
  RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  Status st = OkStatus();
  if (version < 1) {
    st = db.Exec(kV1);
    if (st.ok()) {
      auto ins = db.Prepare(
          "INSERT INTO experiments(experiment_id,name,artifact_location,lifecycle_stage,"
          "creation_time,last_update_time) VALUES(0,'Default','mlflow-artifacts:/0','active',?,?)");
      st = ins.ok() ? ins->Bind(1, now_ms).Bind(2, now_ms).Run() : ins.status();
    }
  }
  // Future migrations: if (version < 2) { ... } each in this same transaction.
  if (st.ok()) st = db.Exec("PRAGMA user_version = " + std::to_string(kSchemaVersion));
  if (!st.ok()) {
    db.Exec("ROLLBACK").IgnoreError();
    return st;
  }
  return db.Exec("COMMIT");
}

}  // namespace tracelake::storage::sqlite
