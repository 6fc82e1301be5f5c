// SqliteExperimentStore (MLflow semantics: ids are increasing integers as decimal text,
// names unique among active and deleted experiments, soft delete).
#include "storage/sqlite/sqlite_experiment_store.h"

#include "storage/page_token.h"
#include "storage/span_codec.h"
#include "storage/sqlite/sqlite_dialect.h"
#include "storage/sqlite/sqlite_run_store.h"
#include "storage/sqlite/store_util.h"

namespace tracelake::storage::sqlite {
namespace {

constexpr int kMaxSearchResults = 50000;  // MLflow's SEARCH_MAX_RESULTS_THRESHOLD
constexpr size_t kMaxNameBytes = 500;

Status NoExperiment(const std::string& id) {
  return NotFoundError("No Experiment with id=" + id + " exists");
}

constexpr const char* kColumns =
    "e.experiment_id, e.name, e.artifact_location, e.lifecycle_stage, e.creation_time, "
    "e.last_update_time";

// The lifecycle stage of an experiment, or kNotFound.
Result<std::string> Stage(Db& db, int64_t id) {
  ASSIGN_OR_RETURN(Stmt * s,
                   db.Cached("SELECT lifecycle_stage FROM experiments WHERE experiment_id = ?"));
  s->Bind(1, id);
  bool row = false;
  RETURN_IF_ERROR(s->Step(&row));
  std::string stage = row ? std::string(s->Text(0)) : std::string();
  s->Reset();
  if (!row) return NoExperiment(std::to_string(id));
  return stage;
}

Status RequireActiveForUpdate(Db& db, int64_t id) {
  ASSIGN_OR_RETURN(std::string stage, Stage(db, id));
  if (stage != "active")
    return InvalidArgumentError("The experiment " + std::to_string(id) +
                                " must be in the 'active' state. Current state is " + stage + ".");
  return OkStatus();
}

Status Touch(Db& db, int64_t id, const char* set_sql, const std::string* text) {
  ASSIGN_OR_RETURN(Stmt s, db.Prepare(std::string("UPDATE experiments SET ") + set_sql +
                                      "last_update_time = ? WHERE experiment_id = ?"));
  int i = 1;
  if (text != nullptr) s.Bind(i++, *text);
  return s.Bind(i, NowMs()).Bind(i + 1, id).Run();
}

// Deleting an experiment deletes its runs (and their assessments) and restoring it restores
// them all, as MLflow's delete_experiment / restore_experiment do.
Status SetRunsLifecycle(SqliteDatabase& database, Db& db, int64_t id, bool deleted) {
  ASSIGN_OR_RETURN(Stmt * s, db.Cached("SELECT run_uuid FROM runs WHERE experiment_id = ?"));
  s->Bind(1, id);
  std::vector<std::string> runs;
  while (s->Next()) runs.emplace_back(s->Text(0));
  s->Reset();
  RETURN_IF_ERROR(s->error());
  for (const auto& run : runs) RETURN_IF_ERROR(SetRunLifecycle(database, db, run, deleted));
  return OkStatus();
}

}  // namespace

Status CheckExperimentActive(Db& db, const std::string& experiment_id) {
  ASSIGN_OR_RETURN(int64_t id, ParseExperimentId(experiment_id));
  ASSIGN_OR_RETURN(std::string stage, Stage(db, id));
  if (stage != "active")
    return NotFoundError("Experiment " + experiment_id + " is deleted; restore it to log traces");
  return OkStatus();
}

static Result<model::Experiment> LoadExperiment(Db& db, Stmt& s) {
  model::Experiment e;
  e.experiment_id = std::to_string(s.Int(0));
  e.name = std::string(s.Text(1));
  e.artifact_location = std::string(s.Text(2));
  e.lifecycle_stage =
      s.Text(3) == "deleted" ? model::LifecycleStage::kDeleted : model::LifecycleStage::kActive;
  e.creation_time_ms = s.Int(4);
  e.last_update_time_ms = s.Int(5);
  ASSIGN_OR_RETURN(Stmt * t,
                   db.Cached("SELECT key, value FROM experiment_tags WHERE experiment_id = ?"));
  t->Bind(1, s.Int(0));
  while (t->Next()) e.tags[std::string(t->Text(0))] = std::string(t->Text(1));
  RETURN_IF_ERROR(t->error());
  t->Reset();
  return e;
}

Result<std::string> SqliteExperimentStore::CreateExperiment(
    const std::string& name, const std::string& artifact_location,
    const std::map<std::string, std::string>& tags) {
  if (name.empty()) return InvalidArgumentError("Invalid experiment name: '' (must not be empty)");
  if (name.size() > kMaxNameBytes)
    return InvalidArgumentError("Experiment name exceeds " + std::to_string(kMaxNameBytes) +
                                " bytes");
  for (const auto& [k, v] : tags)
    if (k.empty()) return InvalidArgumentError("Experiment tag keys must not be empty");
  return db_.WithWriteTxn([&](Db& db) -> Result<std::string> {
    ASSIGN_OR_RETURN(Stmt * exists, db.Cached("SELECT 1 FROM experiments WHERE name = ?"));
    exists->Bind(1, name);
    bool row = false;
    RETURN_IF_ERROR(exists->Step(&row));
    exists->Reset();
    if (row) return AlreadyExistsError("Experiment(name=" + name + ") already exists.");
    ASSIGN_OR_RETURN(Stmt * next,
                     db.Cached("SELECT coalesce(max(experiment_id), 0) + 1 FROM experiments"));
    RETURN_IF_ERROR(next->Step(&row));
    const int64_t id = next->Int(0);
    next->Reset();
    const int64_t now = NowMs();
    ASSIGN_OR_RETURN(
        Stmt * ins,
        db.Cached(
            "INSERT INTO experiments(experiment_id, name, artifact_location, lifecycle_stage, "
            "creation_time, last_update_time) VALUES(?, ?, ?, 'active', ?, ?)"));
    RETURN_IF_ERROR(ins->Bind(1, id)
                        .Bind(2, name)
                        .Bind(3, artifact_location.empty()
                                     ? "mlflow-artifacts:/" + std::to_string(id)
                                     : artifact_location)
                        .Bind(4, now)
                        .Bind(5, now)
                        .Run());
    ASSIGN_OR_RETURN(
        Stmt * tag,
        db.Cached(
            "INSERT OR REPLACE INTO experiment_tags(experiment_id, key, value) VALUES(?,?,?)"));
    for (const auto& [k, v] : tags) RETURN_IF_ERROR(tag->Bind(1, id).Bind(2, k).Bind(3, v).Run());
    return std::to_string(id);
  });
}

Result<model::Experiment> SqliteExperimentStore::GetExperiment(const std::string& experiment_id) {
  ASSIGN_OR_RETURN(int64_t id, ParseExperimentId(experiment_id));
  return db_.WithReader([&](Db& db) -> Result<model::Experiment> {
    static const std::string kSql =
        std::string("SELECT ") + kColumns + " FROM experiments e WHERE e.experiment_id = ?";
    ASSIGN_OR_RETURN(Stmt * s, db.Cached(kSql.c_str()));
    s->Bind(1, id);
    bool row = false;
    RETURN_IF_ERROR(s->Step(&row));
    if (!row) return NoExperiment(experiment_id);
    return LoadExperiment(db, *s);
  });
}

Result<model::Experiment> SqliteExperimentStore::GetExperimentByName(const std::string& name) {
  return db_.WithReader([&](Db& db) -> Result<model::Experiment> {
    static const std::string kSql =
        std::string("SELECT ") + kColumns + " FROM experiments e WHERE e.name = ?";
    ASSIGN_OR_RETURN(Stmt * s, db.Cached(kSql.c_str()));
    s->Bind(1, name);
    bool row = false;
    RETURN_IF_ERROR(s->Step(&row));
    if (!row) return NotFoundError("Could not find experiment with name '" + name + "'");
    return LoadExperiment(db, *s);
  });
}

Result<ExperimentPage> SqliteExperimentStore::SearchExperiments(
    const SearchExperimentsRequest& req) {
  if (req.max_results < 1 || req.max_results > kMaxSearchResults)
    return InvalidArgumentError("Invalid value for max_results: it must be between 1 and " +
                                std::to_string(kMaxSearchResults) + ", got " +
                                std::to_string(req.max_results));
  SqlFragment where;
  where.sql = req.view_type == SearchExperimentsRequest::ViewType::kAll ? "1"
              : req.view_type == SearchExperimentsRequest::ViewType::kDeletedOnly
                  ? "e.lifecycle_stage = 'deleted'"
                  : "e.lifecycle_stage = 'active'";
  RETURN_IF_ERROR(sql::ExperimentFilterToSql(SqliteDialect::Instance(), req.filter, where));
  ASSIGN_OR_RETURN(std::string order, sql::ExperimentOrderBy(req.order_by));
  // Offset paging, as MLflow: experiments are few and rarely change while a client pages.
  const uint64_t fingerprint =
      ContentHash(std::to_string(static_cast<int>(req.view_type)) + "|" + req.filter + "|" + order);
  int64_t offset = 0;
  if (!req.page_token.empty()) {
    ASSIGN_OR_RETURN(PageToken token, DecodePageToken(req.page_token, fingerprint));
    if (token.values.size() != 1 || !std::holds_alternative<int64_t>(token.values[0]) ||
        std::get<int64_t>(token.values[0]) < 0)
      return InvalidArgumentError("Invalid page_token");
    offset = std::get<int64_t>(token.values[0]);
  }
  const std::string sql = std::string("SELECT ") + kColumns + " FROM experiments e WHERE " +
                          where.sql + " ORDER BY " + order + " LIMIT ? OFFSET ?";
  return db_.WithReader([&](Db& db) -> Result<ExperimentPage> {
    ASSIGN_OR_RETURN(Stmt s, db.Prepare(sql));
    BindParams(s, where.params);
    const int i = static_cast<int>(where.params.size()) + 1;
    s.Bind(i, static_cast<int64_t>(req.max_results) + 1).Bind(i + 1, offset);
    ExperimentPage page;
    while (s.Next()) {
      if (page.experiments.size() == static_cast<size_t>(req.max_results)) {
        page.next_page_token = EncodePageToken(PageToken{fingerprint, {offset + req.max_results}});
        break;
      }
      ASSIGN_OR_RETURN(model::Experiment e, LoadExperiment(db, s));
      page.experiments.push_back(std::move(e));
    }
    RETURN_IF_ERROR(s.error());
    return page;
  });
}

Status SqliteExperimentStore::RenameExperiment(const std::string& experiment_id,
                                               const std::string& new_name) {
  ASSIGN_OR_RETURN(int64_t id, ParseExperimentId(experiment_id));
  if (new_name.empty()) return InvalidArgumentError("The new experiment name must not be empty");
  if (new_name.size() > kMaxNameBytes)
    return InvalidArgumentError("Experiment name exceeds " + std::to_string(kMaxNameBytes) +
                                " bytes");
  return db_.WithWriteTxn([&](Db& db) -> Status {
    ASSIGN_OR_RETURN(std::string stage, Stage(db, id));
    if (stage != "active") return FailedPreconditionError("Cannot rename a non-active experiment.");
    ASSIGN_OR_RETURN(Stmt * s, db.Cached("SELECT experiment_id FROM experiments WHERE name = ?"));
    s->Bind(1, new_name);
    bool row = false;
    RETURN_IF_ERROR(s->Step(&row));
    const bool taken = row && s->Int(0) != id;
    s->Reset();
    if (taken) return AlreadyExistsError("Experiment(name=" + new_name + ") already exists.");
    return Touch(db, id, "name = ?, ", &new_name);
  });
}

Status SqliteExperimentStore::DeleteExperiment(const std::string& experiment_id) {
  ASSIGN_OR_RETURN(int64_t id, ParseExperimentId(experiment_id));
  // Traces without an experiment land in 0; deleting it would make them fail.
  if (id == 0) return InvalidArgumentError("Cannot delete the default experiment '0'");
  return db_.WithWriteTxn([&](Db& db) -> Status {
    ASSIGN_OR_RETURN(std::string stage, Stage(db, id));
    if (stage != "active") return NoExperiment(experiment_id);
    RETURN_IF_ERROR(SetRunsLifecycle(db_, db, id, /*deleted=*/true));
    return Touch(db, id, "lifecycle_stage = 'deleted', ", nullptr);
  });
}

Status SqliteExperimentStore::RestoreExperiment(const std::string& experiment_id) {
  ASSIGN_OR_RETURN(int64_t id, ParseExperimentId(experiment_id));
  return db_.WithWriteTxn([&](Db& db) -> Status {
    ASSIGN_OR_RETURN(std::string stage, Stage(db, id));
    if (stage != "deleted") return NoExperiment(experiment_id);
    RETURN_IF_ERROR(SetRunsLifecycle(db_, db, id, /*deleted=*/false));
    return Touch(db, id, "lifecycle_stage = 'active', ", nullptr);
  });
}

Status SqliteExperimentStore::SetExperimentTag(const std::string& experiment_id,
                                               const std::string& key, const std::string& value) {
  ASSIGN_OR_RETURN(int64_t id, ParseExperimentId(experiment_id));
  if (key.empty()) return InvalidArgumentError("Experiment tag key must not be empty");
  return db_.WithWriteTxn([&](Db& db) -> Status {
    RETURN_IF_ERROR(RequireActiveForUpdate(db, id));
    ASSIGN_OR_RETURN(
        Stmt * s,
        db.Cached(
            "INSERT OR REPLACE INTO experiment_tags(experiment_id, key, value) VALUES(?,?,?)"));
    return s->Bind(1, id).Bind(2, key).Bind(3, value).Run();
  });
}

Status SqliteExperimentStore::DeleteExperimentTag(const std::string& experiment_id,
                                                  const std::string& key) {
  ASSIGN_OR_RETURN(int64_t id, ParseExperimentId(experiment_id));
  return db_.WithWriteTxn([&](Db& db) -> Status {
    RETURN_IF_ERROR(RequireActiveForUpdate(db, id));
    ASSIGN_OR_RETURN(Stmt * s,
                     db.Cached("DELETE FROM experiment_tags WHERE experiment_id = ? AND key = ?"));
    RETURN_IF_ERROR(s->Bind(1, id).Bind(2, key).Run());
    if (db.Changes() == 0)
      return NotFoundError("No tag with name: " + key + " in experiment with id " + experiment_id);
    return OkStatus();
  });
}

}  // namespace tracelake::storage::sqlite
