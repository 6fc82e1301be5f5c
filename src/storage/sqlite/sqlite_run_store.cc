// SqliteRunStore (MLflow semantics, after mlflow/store/tracking/sqlalchemy_store.py: run ids are
// uuid4 hex, params immutable, metric histories with the latest point per key kept beside them,
// soft delete, offset paging for search).
#include "storage/sqlite/sqlite_run_store.h"

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "storage/page_token.h"
#include "storage/run_names.h"
#include "storage/span_codec.h"
#include "storage/sql/run_filter.h"
#include "storage/sqlite/sqlite_dialect.h"
#include "storage/sqlite/store_util.h"
#include "storage/sqlite/trace_rows.h"

namespace tracelake::storage::sqlite {
namespace {

constexpr const char* kRunColumns =
    "r.run_uuid, r.experiment_id, r.name, r.user_id, r.status, r.start_time, r.end_time, "
    "r.lifecycle_stage, r.artifact_uri";

model::RunStatus StatusFromText(std::string_view s) {
  if (s == "SCHEDULED") return model::RunStatus::kScheduled;
  if (s == "FINISHED") return model::RunStatus::kFinished;
  if (s == "FAILED") return model::RunStatus::kFailed;
  if (s == "KILLED") return model::RunStatus::kKilled;
  return model::RunStatus::kRunning;
}

Status NoRun(const std::string& run_id) {
  return NotFoundError("Run with id=" + run_id + " not found");
}

// MLflow's _RUN_ID_REGEX: ^[a-zA-Z0-9][\w\-]{0,255}$.
Status ValidateRunId(const std::string& run_id) {
  bool ok = !run_id.empty() && run_id.size() <= 256 &&
            std::isalnum(static_cast<unsigned char>(run_id[0])) != 0;
  for (char c : run_id)
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-');
  if (!ok)
    return InvalidArgumentError("Invalid value '" + run_id.substr(0, 64) +
                                "' for parameter 'run_id' supplied");
  return OkStatus();
}

// MLflow's key checks (validation.py): present, at most 250 characters, and unchanged by
// posixpath.normpath (names may become file names).
Status ValidateKey(const std::string& key, const char* what) {
  if (key.empty())
    return InvalidArgumentError(std::string("Invalid value '' for parameter '") + what +
                                "' supplied: the key must not be empty");
  if (key.size() > kMaxEntityKeyLength)
    return InvalidArgumentError(std::string(what) + " '" + key.substr(0, 64) + "...' had length " +
                                std::to_string(key.size()) + ", which exceeded length limit of " +
                                std::to_string(kMaxEntityKeyLength));
  bool unique = key.front() != '/' && key.back() != '/' && key.find("//") == std::string::npos;
  size_t start = 0;
  while (unique && start <= key.size()) {
    size_t end = key.find('/', start);
    if (end == std::string::npos) end = key.size();
    const std::string_view part(key.data() + start, end - start);
    unique = part != "." && part != "..";
    start = end + 1;
  }
  if (!unique)
    return InvalidArgumentError("Invalid value '" + key.substr(0, 64) + "' for parameter '" + what +
                                "' supplied: Names may be treated as files in certain cases, and "
                                "must not resolve to other names when treated as such.");
  return OkStatus();
}

Status ValidateValue(const std::string& key, const std::string& value, size_t limit,
                     const char* what) {
  if (value.size() > limit)
    return InvalidArgumentError(std::string(what) + " value '" + value.substr(0, 32) +
                                "...' for key '" + key + "' had length " +
                                std::to_string(value.size()) + ", which exceeded length limit of " +
                                std::to_string(limit));
  return OkStatus();
}

void ReadInfo(Stmt& s, model::RunInfo& info) {
  info.run_id = std::string(s.Text(0));
  info.experiment_id = std::to_string(s.Int(1));
  info.run_name = std::string(s.Text(2));
  info.user_id = std::string(s.Text(3));
  info.status = StatusFromText(s.Text(4));
  info.start_time_ms = s.Int(5);
  if (!s.IsNull(6)) info.end_time_ms = s.Int(6);
  info.lifecycle_stage =
      s.Text(7) == "deleted" ? model::LifecycleStage::kDeleted : model::LifecycleStage::kActive;
  info.artifact_uri = std::string(s.Text(8));
}

Result<model::RunInfo> LoadInfo(Db& db, const std::string& run_id) {
  static const std::string kSql =
      std::string("SELECT ") + kRunColumns + " FROM runs r WHERE r.run_uuid = ?";
  ASSIGN_OR_RETURN(Stmt * s, db.Cached(kSql.c_str()));
  s->Bind(1, run_id);
  bool row = false;
  RETURN_IF_ERROR(s->Step(&row));
  if (!row) {
    s->Reset();
    return NoRun(run_id);
  }
  model::RunInfo info;
  ReadInfo(*s, info);
  s->Reset();
  return info;
}

double MetricValue(Stmt& s, int value_col, int nan_col) {
  return s.Int(nan_col) != 0 ? std::nan("") : s.Double(value_col);
}

Status LoadData(Db& db, model::Run& run) {
  const std::string& id = run.info.run_id;
  ASSIGN_OR_RETURN(Stmt * p, db.Cached("SELECT key, value FROM run_params WHERE run_uuid = ?"));
  p->Bind(1, id);
  while (p->Next()) run.params[std::string(p->Text(0))] = std::string(p->Text(1));
  RETURN_IF_ERROR(p->error());
  p->Reset();
  ASSIGN_OR_RETURN(Stmt * t, db.Cached("SELECT key, value FROM run_tags WHERE run_uuid = ?"));
  t->Bind(1, id);
  while (t->Next()) run.tags[std::string(t->Text(0))] = std::string(t->Text(1));
  RETURN_IF_ERROR(t->error());
  t->Reset();
  ASSIGN_OR_RETURN(Stmt * m, db.Cached("SELECT key, value, is_nan, timestamp, step FROM "
                                       "run_latest_metrics WHERE run_uuid = ? ORDER BY key"));
  m->Bind(1, id);
  while (m->Next())
    run.metrics.push_back({std::string(m->Text(0)), MetricValue(*m, 1, 2), m->Int(3), m->Int(4)});
  RETURN_IF_ERROR(m->error());
  m->Reset();
  ASSIGN_OR_RETURN(Stmt * d, db.Cached("SELECT name, digest, source_type, source, schema, profile, "
                                       "tags_json FROM run_dataset_inputs WHERE run_uuid = ? "
                                       "ORDER BY name, digest"));
  d->Bind(1, id);
  while (d->Next()) {
    model::RunDatasetInput in{std::string(d->Text(0)),
                              std::string(d->Text(1)),
                              std::string(d->Text(2)),
                              std::string(d->Text(3)),
                              std::string(d->Text(4)),
                              std::string(d->Text(5)),
                              {}};
    const auto tags = nlohmann::json::parse(d->Text(6), nullptr, /*allow_exceptions=*/false);
    if (tags.is_object())
      for (const auto& [k, v] : tags.items())
        if (v.is_string()) in.tags[k] = v.get<std::string>();
    run.dataset_inputs.push_back(std::move(in));
  }
  RETURN_IF_ERROR(d->error());
  d->Reset();
  return OkStatus();
}

Result<model::Run> LoadRun(Db& db, const std::string& run_id) {
  model::Run run;
  ASSIGN_OR_RETURN(run.info, LoadInfo(db, run_id));
  RETURN_IF_ERROR(LoadData(db, run));
  return run;
}

// The run exists and is active (MLflow's _check_run_is_active).
Result<model::RunInfo> ActiveRun(Db& db, const std::string& run_id) {
  ASSIGN_OR_RETURN(model::RunInfo info, LoadInfo(db, run_id));
  if (info.lifecycle_stage != model::LifecycleStage::kActive)
    return InvalidArgumentError("The run " + run_id +
                                " must be in the 'active' state. Current state is deleted.");
  return info;
}

// The experiment exists (kNotFound) and is active (kInvalidArgument, as MLflow's
// _check_experiment_is_active); returns its artifact location.
Result<std::string> ActiveExperiment(Db& db, const std::string& experiment_id) {
  ASSIGN_OR_RETURN(int64_t id, ParseExperimentId(experiment_id));
  ASSIGN_OR_RETURN(Stmt * s, db.Cached("SELECT lifecycle_stage, artifact_location FROM "
                                       "experiments WHERE experiment_id = ?"));
  s->Bind(1, id);
  bool row = false;
  RETURN_IF_ERROR(s->Step(&row));
  if (!row) {
    s->Reset();
    return NotFoundError("No Experiment with id=" + experiment_id + " exists");
  }
  const std::string stage(s->Text(0));
  std::string location(s->Text(1));
  s->Reset();
  if (stage != "active")
    return InvalidArgumentError("The experiment " + experiment_id +
                                " must be in the 'active' state. Current state is " + stage + ".");
  return location;
}

Status SetTag(Db& db, const std::string& run_id, const std::string& key, const std::string& value) {
  ASSIGN_OR_RETURN(Stmt * s, db.Cached("INSERT OR REPLACE INTO run_tags(run_uuid, key, value) "
                                       "VALUES(?, ?, ?)"));
  RETURN_IF_ERROR(s->Bind(1, run_id).Bind(2, key).Bind(3, value).Run());
  // The run's name and its mlflow.runName tag stay in step, as in MLflow's set_tag.
  if (key == kRunNameTag) {
    ASSIGN_OR_RETURN(Stmt * n, db.Cached("UPDATE runs SET name = ? WHERE run_uuid = ?"));
    RETURN_IF_ERROR(n->Bind(1, value).Bind(2, run_id).Run());
  }
  return OkStatus();
}

Status LogMetric(Db& db, const std::string& run_id, const model::RunMetric& m) {
  const bool is_nan = std::isnan(m.value);
  const double value = is_nan ? 0.0 : m.value;
  ASSIGN_OR_RETURN(Stmt * ins,
                   db.Cached("INSERT OR IGNORE INTO run_metrics(run_uuid, key, step, timestamp, "
                             "value, is_nan) VALUES(?, ?, ?, ?, ?, ?)"));
  RETURN_IF_ERROR(ins->Bind(1, run_id)
                      .Bind(2, m.key)
                      .Bind(3, m.step)
                      .Bind(4, m.timestamp_ms)
                      .Bind(5, value)
                      .Bind(6, int64_t{is_nan ? 1 : 0})
                      .Run());
  // The latest point is the greatest (step, timestamp, value), as MLflow's latest_metrics.
  ASSIGN_OR_RETURN(
      Stmt * latest,
      db.Cached("INSERT INTO run_latest_metrics(run_uuid, key, step, timestamp, value, is_nan) "
                "VALUES(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(run_uuid, key) DO UPDATE SET "
                "step = ?3, timestamp = ?4, value = ?5, is_nan = ?6 WHERE "
                "(?3, ?4, ?5) >= (step, timestamp, value)"));
  return latest->Bind(1, run_id)
      .Bind(2, m.key)
      .Bind(3, m.step)
      .Bind(4, m.timestamp_ms)
      .Bind(5, value)
      .Bind(6, int64_t{is_nan ? 1 : 0})
      .Run();
}

Status ValidateBatch(const std::vector<model::RunMetric>& metrics,
                     const std::vector<std::pair<std::string, std::string>>& params,
                     const std::vector<std::pair<std::string, std::string>>& tags) {
  auto limit = [](const char* what, size_t n, size_t max) -> Status {
    if (n <= max) return OkStatus();
    return InvalidArgumentError("A batch logging request can contain at most " +
                                std::to_string(max) + " " + what + ". Got " + std::to_string(n) +
                                " " + what + ". Please split up " + what +
                                " across multiple requests and try again.");
  };
  RETURN_IF_ERROR(limit("metrics", metrics.size(), kMaxMetricsPerBatch));
  RETURN_IF_ERROR(limit("params", params.size(), kMaxParamsTagsPerBatch));
  RETURN_IF_ERROR(limit("tags", tags.size(), kMaxParamsTagsPerBatch));
  RETURN_IF_ERROR(limit("metrics, params, and tags", metrics.size() + params.size() + tags.size(),
                        kMaxMetricsPerBatch));
  for (const auto& m : metrics) RETURN_IF_ERROR(ValidateKey(m.key, "key"));
  std::map<std::string, std::string> seen;
  std::set<std::string> duplicates;
  for (const auto& [k, v] : params) {
    RETURN_IF_ERROR(ValidateKey(k, "key"));
    RETURN_IF_ERROR(ValidateValue(k, v, kMaxParamValueLength, "Param"));
    auto [it, inserted] = seen.emplace(k, v);
    if (!inserted && it->second != v) duplicates.insert(k);
  }
  if (!duplicates.empty()) {
    std::string keys;
    for (const auto& k : duplicates) keys += (keys.empty() ? "'" : ", '") + k + "'";
    return InvalidArgumentError("Duplicate parameter keys have been submitted: [" + keys +
                                "]. Please ensure the request contains only one param value per "
                                "param key.");
  }
  for (const auto& [k, v] : tags) {
    RETURN_IF_ERROR(ValidateKey(k, "key"));
    RETURN_IF_ERROR(ValidateValue(k, v, kMaxTagValueLength, "Tag"));
  }
  return OkStatus();
}

Status ParamChanged(const std::string& run_id, const std::string& key, const std::string& old,
                    const std::string& value) {
  std::string msg = "Changing param values is not allowed. Param with key='";
  msg += key;
  msg += "' was already logged with value='";
  msg += old;
  msg += "' for run ID='";
  msg += run_id;
  msg += "'. Attempted logging new value '";
  msg += value;
  msg += "'.";
  return InvalidArgumentError(msg);
}

}  // namespace

Status SetRunLifecycle(SqliteDatabase& database, Db& db, const std::string& run_id, bool deleted) {
  ASSIGN_OR_RETURN(Stmt * s, db.Cached("UPDATE runs SET lifecycle_stage = ?, deleted_time = ? "
                                       "WHERE run_uuid = ?"));
  s->Bind(1, std::string_view(deleted ? "deleted" : "active"));
  if (deleted)
    s->Bind(2, NowMs());
  else
    s->BindNull(2);
  RETURN_IF_ERROR(s->Bind(3, run_id).Run());
  if (!deleted) return OkStatus();
  // MLflow's _mark_run_deleted also deletes the assessments the run logged (an evaluation's
  // verdicts); each trace that loses one takes a change number, as any assessment write does.
  ASSIGN_OR_RETURN(Stmt * traces,
                   db.Cached("SELECT DISTINCT trace_key FROM assessments WHERE "
                             "json_extract(metadata_json, '$.\"mlflow.assessment.sourceRunId\"') "
                             "= ?"));
  traces->Bind(1, run_id);
  std::vector<int64_t> keys;
  while (traces->Next()) keys.push_back(traces->Int(0));
  traces->Reset();
  RETURN_IF_ERROR(traces->error());
  if (keys.empty()) return OkStatus();
  ASSIGN_OR_RETURN(Stmt * del,
                   db.Cached("DELETE FROM assessments WHERE json_extract(metadata_json, "
                             "'$.\"mlflow.assessment.sourceRunId\"') = ?"));
  RETURN_IF_ERROR(del->Bind(1, run_id).Run());
  for (int64_t key : keys) RETURN_IF_ERROR(TouchTraceRow(db, key, database.NextChangeSeq()));
  return OkStatus();
}

namespace {

Status SetLifecycle(SqliteDatabase& database, const std::string& run_id, bool deleted) {
  RETURN_IF_ERROR(ValidateRunId(run_id));
  return database.WithWriteTxn([&](Db& db) -> Status {
    RETURN_IF_ERROR(LoadInfo(db, run_id).status());
    return SetRunLifecycle(database, db, run_id, deleted);
  });
}

}  // namespace

std::string RunIdSource::NewHexId() {
  MutexLock lock(mu_);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(32, '0');
  for (size_t i = 0; i < out.size(); i += 16) {
    uint64_t r = rng_();
    for (size_t j = 0; j < 16; ++j, r >>= 4) out[i + j] = kHex[r & 15];
  }
  return out;
}

std::string RunIdSource::NewUuid() {
  std::string hex = NewHexId();
  hex[12] = '4';  // version 4, as uuid.uuid4()
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

std::string RunIdSource::NewRunName() {
  MutexLock lock(mu_);
  return RandomRunName(rng_);
}

Result<model::Run> SqliteRunStore::CreateRun(const CreateRunRequest& req) {
  std::string tag_name;
  for (const auto& [k, v] : req.tags) {
    RETURN_IF_ERROR(ValidateKey(k, "key"));
    RETURN_IF_ERROR(ValidateValue(k, v, kMaxTagValueLength, "Tag"));
    if (k == kRunNameTag) tag_name = v;
  }
  if (req.tags.size() > kMaxParamsTagsPerBatch)
    return InvalidArgumentError("A run can be created with at most " +
                                std::to_string(kMaxParamsTagsPerBatch) + " tags");
  if (!req.run_name.empty() && !tag_name.empty() && req.run_name != tag_name)
    return InvalidArgumentError(
        "Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different "
        "values (run_name='" +
        req.run_name + "', mlflow.runName='" + tag_name + "').");
  const std::string run_id = ids_.NewHexId();
  const std::string name = !req.run_name.empty() ? req.run_name
                           : !tag_name.empty()   ? tag_name
                                                 : ids_.NewRunName();
  const int64_t start = req.start_time_ms.value_or(NowMs());
  return db_.WithWriteTxn([&](Db& db) -> Result<model::Run> {
    ASSIGN_OR_RETURN(std::string location, ActiveExperiment(db, req.experiment_id));
    while (!location.empty() && location.back() == '/') location.pop_back();
    ASSIGN_OR_RETURN(int64_t experiment, ParseExperimentId(req.experiment_id));
    ASSIGN_OR_RETURN(Stmt * ins,
                     db.Cached("INSERT INTO runs(run_uuid, experiment_id, name, user_id, status, "
                               "start_time, end_time, deleted_time, lifecycle_stage, artifact_uri) "
                               "VALUES(?, ?, ?, ?, 'RUNNING', ?, NULL, NULL, 'active', ?)"));
    RETURN_IF_ERROR(ins->Bind(1, run_id)
                        .Bind(2, experiment)
                        .Bind(3, name)
                        .Bind(4, req.user_id)
                        .Bind(5, start)
                        .Bind(6, location + "/" + run_id + "/artifacts")
                        .Run());
    for (const auto& [k, v] : req.tags) RETURN_IF_ERROR(SetTag(db, run_id, k, v));
    if (tag_name.empty()) RETURN_IF_ERROR(SetTag(db, run_id, kRunNameTag, name));
    return LoadRun(db, run_id);
  });
}

Result<model::Run> SqliteRunStore::GetRun(const std::string& run_id) {
  RETURN_IF_ERROR(ValidateRunId(run_id));
  return db_.WithReader([&](Db& db) { return LoadRun(db, run_id); });
}

Result<model::RunInfo> SqliteRunStore::UpdateRun(const std::string& run_id,
                                                 const UpdateRunRequest& req) {
  RETURN_IF_ERROR(ValidateRunId(run_id));
  return db_.WithWriteTxn([&](Db& db) -> Result<model::RunInfo> {
    RETURN_IF_ERROR(ActiveRun(db, run_id).status());
    if (req.status) {
      ASSIGN_OR_RETURN(Stmt * s, db.Cached("UPDATE runs SET status = ? WHERE run_uuid = ?"));
      RETURN_IF_ERROR(
          s->Bind(1, std::string_view(model::RunStatusName(*req.status))).Bind(2, run_id).Run());
    }
    if (req.end_time_ms) {
      ASSIGN_OR_RETURN(Stmt * s, db.Cached("UPDATE runs SET end_time = ? WHERE run_uuid = ?"));
      RETURN_IF_ERROR(s->Bind(1, *req.end_time_ms).Bind(2, run_id).Run());
    }
    if (req.run_name && !req.run_name->empty())
      RETURN_IF_ERROR(SetTag(db, run_id, kRunNameTag, *req.run_name));
    return LoadInfo(db, run_id);
  });
}

Status SqliteRunStore::DeleteRun(const std::string& run_id) {
  return SetLifecycle(db_, run_id, /*deleted=*/true);
}

Status SqliteRunStore::RestoreRun(const std::string& run_id) {
  return SetLifecycle(db_, run_id, /*deleted=*/false);
}

Status SqliteRunStore::LogBatch(const std::string& run_id,
                                const std::vector<model::RunMetric>& metrics,
                                const std::vector<std::pair<std::string, std::string>>& params,
                                const std::vector<std::pair<std::string, std::string>>& tags) {
  RETURN_IF_ERROR(ValidateRunId(run_id));
  RETURN_IF_ERROR(ValidateBatch(metrics, params, tags));
  return db_.WithWriteTxn([&](Db& db) -> Status {
    RETURN_IF_ERROR(ActiveRun(db, run_id).status());
    ASSIGN_OR_RETURN(Stmt * get,
                     db.Cached("SELECT value FROM run_params WHERE run_uuid = ? AND key = ?"));
    ASSIGN_OR_RETURN(Stmt * put, db.Cached("INSERT OR IGNORE INTO run_params(run_uuid, key, "
                                           "value) VALUES(?, ?, ?)"));
    for (const auto& [k, v] : params) {
      get->Bind(1, run_id).Bind(2, k);
      bool row = false;
      RETURN_IF_ERROR(get->Step(&row));
      const std::string old = row ? std::string(get->Text(0)) : std::string();
      get->Reset();
      if (row && old != v) return ParamChanged(run_id, k, old, v);
      if (!row) RETURN_IF_ERROR(put->Bind(1, run_id).Bind(2, k).Bind(3, v).Run());
    }
    for (const auto& m : metrics) RETURN_IF_ERROR(LogMetric(db, run_id, m));
    for (const auto& [k, v] : tags) RETURN_IF_ERROR(SetTag(db, run_id, k, v));
    return OkStatus();
  });
}

Status SqliteRunStore::LogInputs(const std::string& run_id,
                                 const std::vector<model::RunDatasetInput>& datasets) {
  RETURN_IF_ERROR(ValidateRunId(run_id));
  if (datasets.size() > kMaxMetricsPerBatch)
    return InvalidArgumentError("A log_inputs request can contain at most " +
                                std::to_string(kMaxMetricsPerBatch) + " datasets");
  for (const auto& d : datasets) {
    if (d.name.empty() || d.digest.empty())
      return InvalidArgumentError("A dataset input needs a name and a digest");
    if (d.name.size() > 500 || d.digest.size() > 36 || d.source.size() > 65535 ||
        d.schema.size() > 1048575 || d.profile.size() > 16777215)
      return InvalidArgumentError("Dataset '" + d.name.substr(0, 64) +
                                  "' exceeds MLflow's length limits");
  }
  return db_.WithWriteTxn([&](Db& db) -> Status {
    RETURN_IF_ERROR(ActiveRun(db, run_id).status());
    ASSIGN_OR_RETURN(Stmt * ins,
                     db.Cached("INSERT OR REPLACE INTO run_dataset_inputs(run_uuid, name, digest, "
                               "source_type, source, schema, profile, tags_json) "
                               "VALUES(?, ?, ?, ?, ?, ?, ?, ?)"));
    for (const auto& d : datasets) {
      nlohmann::json tags = nlohmann::json::object();
      for (const auto& [k, v] : d.tags) tags[k] = v;
      RETURN_IF_ERROR(
          ins->Bind(1, run_id)
              .Bind(2, d.name)
              .Bind(3, d.digest)
              .Bind(4, d.source_type)
              .Bind(5, d.source)
              .Bind(6, d.schema)
              .Bind(7, d.profile)
              .Bind(8, tags.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
              .Run());
    }
    return OkStatus();
  });
}

Status SqliteRunStore::DeleteTag(const std::string& run_id, const std::string& key) {
  RETURN_IF_ERROR(ValidateRunId(run_id));
  return db_.WithWriteTxn([&](Db& db) -> Status {
    RETURN_IF_ERROR(ActiveRun(db, run_id).status());
    ASSIGN_OR_RETURN(Stmt * s, db.Cached("DELETE FROM run_tags WHERE run_uuid = ? AND key = ?"));
    RETURN_IF_ERROR(s->Bind(1, run_id).Bind(2, key).Run());
    if (db.Changes() == 0)
      return NotFoundError("No tag with name: " + key + " in run with id " + run_id);
    return OkStatus();
  });
}

Result<MetricHistoryPage> SqliteRunStore::GetMetricHistory(const std::string& run_id,
                                                           const std::string& key, int max_results,
                                                           const std::string& page_token) {
  RETURN_IF_ERROR(ValidateRunId(run_id));
  if (max_results < 0) return InvalidArgumentError("max_results must not be negative");
  const uint64_t fingerprint = ContentHash("metric-history|" + run_id + "|" + key);
  int64_t offset = 0;
  if (!page_token.empty()) {
    ASSIGN_OR_RETURN(PageToken token, DecodePageToken(page_token, fingerprint));
    if (token.values.size() != 1 || !std::holds_alternative<int64_t>(token.values[0]) ||
        std::get<int64_t>(token.values[0]) < 0)
      return InvalidArgumentError("Invalid page_token");
    offset = std::get<int64_t>(token.values[0]);
  }
  const int64_t limit = max_results == 0 ? -1 : int64_t{max_results} + 1;
  return db_.WithReader([&](Db& db) -> Result<MetricHistoryPage> {
    RETURN_IF_ERROR(LoadInfo(db, run_id).status());
    ASSIGN_OR_RETURN(Stmt * s,
                     db.Cached("SELECT value, is_nan, timestamp, step FROM run_metrics WHERE "
                               "run_uuid = ? AND key = ? ORDER BY step, timestamp, value "
                               "LIMIT ? OFFSET ?"));
    s->Bind(1, run_id).Bind(2, key).Bind(3, limit).Bind(4, offset);
    MetricHistoryPage page;
    while (s->Next()) {
      if (max_results > 0 && page.metrics.size() == static_cast<size_t>(max_results)) {
        page.next_page_token = EncodePageToken(PageToken{fingerprint, {offset + max_results}});
        break;
      }
      page.metrics.push_back({key, MetricValue(*s, 0, 1), s->Int(2), s->Int(3)});
    }
    s->Reset();
    RETURN_IF_ERROR(s->error());
    return page;
  });
}

Result<RunPage> SqliteRunStore::SearchRuns(const SearchRunsRequest& req) {
  if (req.max_results < 1 || req.max_results > kMaxRunsPerPage)
    return InvalidArgumentError("Invalid value " + std::to_string(req.max_results) +
                                " for parameter 'max_results' supplied. It must be at most " +
                                std::to_string(kMaxRunsPerPage));
  std::vector<int64_t> experiments;
  for (const auto& id : req.experiment_ids) {
    ASSIGN_OR_RETURN(int64_t e, ParseExperimentId(id));
    experiments.push_back(e);
  }
  if (experiments.empty()) return RunPage{};
  const sql::Dialect& dialect = SqliteDialect::Instance();
  SqlFragment query;
  {
    sql::SqlWriter w(dialect, query);
    w.sql() = std::string("SELECT ") + kRunColumns + " FROM runs r WHERE r.experiment_id IN (";
    for (size_t i = 0; i < experiments.size(); ++i) {
      if (i > 0) w.sql() += ", ";
      w.AppendParam(experiments[i]);
    }
    w.sql() += ")";
    using ViewType = SearchRunsRequest::ViewType;
    if (req.view_type == ViewType::kActiveOnly) w.sql() += " AND r.lifecycle_stage = 'active'";
    if (req.view_type == ViewType::kDeletedOnly) w.sql() += " AND r.lifecycle_stage = 'deleted'";
  }
  RETURN_IF_ERROR(sql::RunFilterToSql(dialect, req.filter, query));
  query.sql += " ORDER BY ";
  RETURN_IF_ERROR(sql::RunOrderByToSql(dialect, req.order_by, query));
  // Offset paging, as MLflow's search_runs.
  std::string shape = std::to_string(static_cast<int>(req.view_type)) + "|" + req.filter;
  for (const auto& id : req.experiment_ids) shape += "|e" + id;
  for (const auto& o : req.order_by) shape += "|o" + o;
  const uint64_t fingerprint = ContentHash(shape);
  int64_t offset = 0;
  if (!req.page_token.empty()) {
    ASSIGN_OR_RETURN(PageToken token, DecodePageToken(req.page_token, fingerprint));
    if (token.values.size() != 1 || !std::holds_alternative<int64_t>(token.values[0]) ||
        std::get<int64_t>(token.values[0]) < 0)
      return InvalidArgumentError("Invalid page_token");
    offset = std::get<int64_t>(token.values[0]);
  }
  {
    sql::SqlWriter w(dialect, query);
    w.sql() += " LIMIT ";
    w.AppendParam(static_cast<int64_t>(req.max_results) + 1);
    w.sql() += " OFFSET ";
    w.AppendParam(offset);
  }
  return db_.WithReader([&](Db& db) -> Result<RunPage> {
    ASSIGN_OR_RETURN(Stmt s, db.Prepare(query.sql));
    BindParams(s, query.params);
    RunPage page;
    while (s.Next()) {
      if (page.runs.size() == static_cast<size_t>(req.max_results)) {
        page.next_page_token = EncodePageToken(PageToken{fingerprint, {offset + req.max_results}});
        break;
      }
      model::Run run;
      ReadInfo(s, run.info);
      page.runs.push_back(std::move(run));
    }
    RETURN_IF_ERROR(s.error());
    for (auto& run : page.runs) RETURN_IF_ERROR(LoadData(db, run));
    return page;
  });
}

}  // namespace tracelake::storage::sqlite
