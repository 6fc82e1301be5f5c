// SqliteScorerStore (MLflow semantics, after sqlalchemy_store.py register_scorer & co.): one
// scorers row per (experiment, name) with a uuid, one scorer_versions row per registration.
#include <nlohmann/json.hpp>

#include "query/filter.h"
#include "storage/sqlite/sqlite_run_store.h"
#include "storage/sqlite/store_util.h"

namespace tracelake::storage::sqlite {
namespace {

constexpr size_t kMaxScorerNameBytes = 256;
constexpr size_t kMaxSerializedScorerBytes = size_t{1} << 20;

Status NoScorer(const std::string& experiment_id, const std::string& name,
                std::optional<int64_t> version) {
  if (version)
    return NotFoundError("Scorer with name '" + name + "' and version " + std::to_string(*version) +
                         " not found for experiment " + experiment_id + ".");
  return NotFoundError("Scorer with name '" + name + "' not found for experiment " + experiment_id +
                       ".");
}

Status ValidateName(const std::string& name) {
  if (name.find_first_not_of(" \t\r\n") == std::string::npos)
    return InvalidArgumentError("Scorer name cannot be empty or contain only whitespace.");
  if (name.size() > kMaxScorerNameBytes)
    return InvalidArgumentError("Scorer name exceeds " + std::to_string(kMaxScorerNameBytes) +
                                " bytes");
  return OkStatus();
}

// The experiment exists (kNotFound) and is active (kInvalidArgument), as MLflow checks it.
Result<int64_t> ActiveExperimentId(Db& db, const std::string& experiment_id) {
  ASSIGN_OR_RETURN(int64_t id, ParseExperimentId(experiment_id));
  ASSIGN_OR_RETURN(Stmt * s,
                   db.Cached("SELECT lifecycle_stage FROM experiments WHERE experiment_id = ?"));
  s->Bind(1, id);
  bool row = false;
  RETURN_IF_ERROR(s->Step(&row));
  const std::string stage = row ? std::string(s->Text(0)) : std::string();
  s->Reset();
  if (!row) return NotFoundError("No Experiment with id=" + experiment_id + " exists");
  if (stage != "active")
    return InvalidArgumentError("The experiment " + experiment_id +
                                " must be in the 'active' state. Current state is " + stage + ".");
  return id;
}

// The scorer id of a name, or "" when the experiment has no scorer of that name.
Result<std::string> ScorerId(Db& db, int64_t experiment, const std::string& name) {
  ASSIGN_OR_RETURN(Stmt * s,
                   db.Cached("SELECT scorer_id FROM scorers WHERE experiment_id = ? AND name = ?"));
  s->Bind(1, experiment).Bind(2, name);
  bool row = false;
  RETURN_IF_ERROR(s->Step(&row));
  std::string id = row ? std::string(s->Text(0)) : std::string();
  s->Reset();
  return id;
}

constexpr const char* kVersionColumns =
    "s.experiment_id, s.scorer_id, s.name, v.version, v.serialized_scorer, v.creation_time";

model::ScorerVersion ReadVersion(Stmt& s) {
  model::ScorerVersion v;
  v.experiment_id = std::to_string(s.Int(0));
  v.scorer_id = std::string(s.Text(1));
  v.name = std::string(s.Text(2));
  v.version = s.Int(3);
  v.serialized_scorer = std::string(s.Text(4));
  v.creation_time_ms = s.Int(5);
  return v;
}

Result<std::vector<model::ScorerVersion>> ReadAll(Stmt& s) {
  std::vector<model::ScorerVersion> out;
  while (s.Next()) out.push_back(ReadVersion(s));
  s.Reset();
  RETURN_IF_ERROR(s.error());
  return out;
}

}  // namespace

Result<model::ScorerVersion> SqliteScorerStore::RegisterScorer(
    const std::string& experiment_id, const std::string& name,
    const std::string& serialized_scorer) {
  RETURN_IF_ERROR(ValidateName(name));
  if (serialized_scorer.size() > kMaxSerializedScorerBytes)
    return InvalidArgumentError("serialized_scorer exceeds " +
                                std::to_string(kMaxSerializedScorerBytes) + " bytes");
  const auto parsed = nlohmann::json::parse(serialized_scorer, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object())
    return InvalidArgumentError("Invalid serialized_scorer: expected the JSON text of an object");
  const std::string new_id = ids_.NewUuid();
  return db_.WithWriteTxn([&](Db& db) -> Result<model::ScorerVersion> {
    ASSIGN_OR_RETURN(int64_t experiment, ActiveExperimentId(db, experiment_id));
    ASSIGN_OR_RETURN(std::string scorer_id, ScorerId(db, experiment, name));
    if (scorer_id.empty()) {
      scorer_id = new_id;
      ASSIGN_OR_RETURN(Stmt * ins, db.Cached("INSERT INTO scorers(scorer_id, experiment_id, name) "
                                             "VALUES(?, ?, ?)"));
      RETURN_IF_ERROR(ins->Bind(1, scorer_id).Bind(2, experiment).Bind(3, name).Run());
    }
    ASSIGN_OR_RETURN(Stmt * next, db.Cached("SELECT coalesce(max(version), 0) + 1 FROM "
                                            "scorer_versions WHERE scorer_id = ?"));
    next->Bind(1, scorer_id);
    bool row = false;
    RETURN_IF_ERROR(next->Step(&row));
    model::ScorerVersion v;
    v.version = next->Int(0);
    next->Reset();
    v.experiment_id = std::to_string(experiment);
    v.scorer_id = scorer_id;
    v.name = name;
    v.serialized_scorer = serialized_scorer;
    v.creation_time_ms = NowMs();
    ASSIGN_OR_RETURN(Stmt * ins,
                     db.Cached("INSERT INTO scorer_versions(scorer_id, version, serialized_scorer, "
                               "creation_time) VALUES(?, ?, ?, ?)"));
    RETURN_IF_ERROR(ins->Bind(1, v.scorer_id)
                        .Bind(2, v.version)
                        .Bind(3, v.serialized_scorer)
                        .Bind(4, v.creation_time_ms)
                        .Run());
    return v;
  });
}

Result<std::vector<model::ScorerVersion>> SqliteScorerStore::ListScorers(
    const std::string& experiment_id) {
  return db_.WithReader([&](Db& db) -> Result<std::vector<model::ScorerVersion>> {
    ASSIGN_OR_RETURN(int64_t experiment, ActiveExperimentId(db, experiment_id));
    static const std::string kSql =
        std::string("SELECT ") + kVersionColumns +
        " FROM scorers s JOIN scorer_versions v ON v.scorer_id = s.scorer_id WHERE "
        "s.experiment_id = ? AND v.version = (SELECT max(x.version) FROM scorer_versions x "
        "WHERE x.scorer_id = s.scorer_id) ORDER BY s.name";
    ASSIGN_OR_RETURN(Stmt * s, db.Cached(kSql.c_str()));
    s->Bind(1, experiment);
    return ReadAll(*s);
  });
}

Result<std::vector<model::ScorerVersion>> SqliteScorerStore::ListScorerVersions(
    const std::string& experiment_id, const std::string& name) {
  return db_.WithReader([&](Db& db) -> Result<std::vector<model::ScorerVersion>> {
    ASSIGN_OR_RETURN(int64_t experiment, ActiveExperimentId(db, experiment_id));
    static const std::string kSql =
        std::string("SELECT ") + kVersionColumns +
        " FROM scorers s JOIN scorer_versions v ON v.scorer_id = s.scorer_id WHERE "
        "s.experiment_id = ? AND s.name = ? ORDER BY v.version";
    ASSIGN_OR_RETURN(Stmt * s, db.Cached(kSql.c_str()));
    s->Bind(1, experiment).Bind(2, name);
    ASSIGN_OR_RETURN(auto versions, ReadAll(*s));
    if (versions.empty()) return NoScorer(experiment_id, name, std::nullopt);
    return versions;
  });
}

Result<model::ScorerVersion> SqliteScorerStore::GetScorer(const std::string& experiment_id,
                                                          const std::string& name,
                                                          std::optional<int64_t> version) {
  return db_.WithReader([&](Db& db) -> Result<model::ScorerVersion> {
    ASSIGN_OR_RETURN(int64_t experiment, ActiveExperimentId(db, experiment_id));
    static const std::string kSql =
        std::string("SELECT ") + kVersionColumns +
        " FROM scorers s JOIN scorer_versions v ON v.scorer_id = s.scorer_id WHERE "
        "s.experiment_id = ? AND s.name = ? AND (? IS NULL OR v.version = ?) "
        "ORDER BY v.version DESC LIMIT 1";
    ASSIGN_OR_RETURN(Stmt * s, db.Cached(kSql.c_str()));
    s->Bind(1, experiment).Bind(2, name);
    if (version)
      s->Bind(3, *version).Bind(4, *version);
    else
      s->BindNull(3).BindNull(4);
    ASSIGN_OR_RETURN(auto versions, ReadAll(*s));
    if (versions.empty()) return NoScorer(experiment_id, name, version);
    return versions.front();
  });
}

Status SqliteScorerStore::DeleteScorer(const std::string& experiment_id, const std::string& name,
                                       std::optional<int64_t> version) {
  return db_.WithWriteTxn([&](Db& db) -> Status {
    ASSIGN_OR_RETURN(int64_t experiment, ActiveExperimentId(db, experiment_id));
    ASSIGN_OR_RETURN(std::string scorer_id, ScorerId(db, experiment, name));
    if (scorer_id.empty()) return NoScorer(experiment_id, name, std::nullopt);
    ASSIGN_OR_RETURN(Stmt * del, db.Cached("DELETE FROM scorer_versions WHERE scorer_id = ? AND "
                                           "(? IS NULL OR version = ?)"));
    del->Bind(1, scorer_id);
    if (version)
      del->Bind(2, *version).Bind(3, *version);
    else
      del->BindNull(2).BindNull(3);
    RETURN_IF_ERROR(del->Run());
    if (db.Changes() == 0) return NoScorer(experiment_id, name, version);
    // A name without versions is free again; its next registration starts at version 1.
    ASSIGN_OR_RETURN(Stmt * drop,
                     db.Cached("DELETE FROM scorers WHERE scorer_id = ? AND NOT EXISTS (SELECT 1 "
                               "FROM scorer_versions v WHERE v.scorer_id = scorers.scorer_id)"));
    RETURN_IF_ERROR(drop->Bind(1, scorer_id).Run());
    if (db.Changes() == 0) return OkStatus();
    ASSIGN_OR_RETURN(Stmt * config,
                     db.Cached("DELETE FROM online_scoring_configs WHERE scorer_id = ?"));
    return config->Bind(1, scorer_id).Run();
  });
}

Result<model::OnlineScoringConfig> SqliteScorerStore::UpsertOnlineScoringConfig(
    const std::string& experiment_id, const std::string& name, double sample_rate,
    const std::optional<std::string>& filter_string) {
  if (!(sample_rate >= 0.0 && sample_rate <= 1.0))
    return InvalidArgumentError("sample_rate must be between 0.0 and 1.0, got " +
                                std::to_string(sample_rate));
  if (filter_string && !filter_string->empty())
    RETURN_IF_ERROR(query::ParseFilter(*filter_string).status());
  model::OnlineScoringConfig config;
  config.online_scoring_config_id = ids_.NewHexId();
  config.sample_rate = sample_rate;
  config.filter_string = filter_string;
  return db_.WithWriteTxn([&](Db& db) -> Result<model::OnlineScoringConfig> {
    ASSIGN_OR_RETURN(int64_t experiment, ActiveExperimentId(db, experiment_id));
    ASSIGN_OR_RETURN(config.scorer_id, ScorerId(db, experiment, name));
    if (config.scorer_id.empty()) return NoScorer(experiment_id, name, std::nullopt);
    config.experiment_id = std::to_string(experiment);
    ASSIGN_OR_RETURN(Stmt * put, db.Cached("INSERT OR REPLACE INTO online_scoring_configs("
                                           "scorer_id, online_scoring_config_id, experiment_id, "
                                           "sample_rate, filter_string) VALUES(?, ?, ?, ?, ?)"));
    put->Bind(1, config.scorer_id)
        .Bind(2, config.online_scoring_config_id)
        .Bind(3, experiment)
        .Bind(4, sample_rate);
    if (filter_string)
      put->Bind(5, *filter_string);
    else
      put->BindNull(5);
    RETURN_IF_ERROR(put->Run());
    return config;
  });
}

Result<std::vector<model::OnlineScoringConfig>> SqliteScorerStore::GetOnlineScoringConfigs(
    const std::vector<std::string>& scorer_ids) {
  return db_.WithReader([&](Db& db) -> Result<std::vector<model::OnlineScoringConfig>> {
    ASSIGN_OR_RETURN(Stmt * s, db.Cached("SELECT online_scoring_config_id, experiment_id, "
                                         "sample_rate, filter_string FROM online_scoring_configs "
                                         "WHERE scorer_id = ?"));
    std::vector<model::OnlineScoringConfig> out;
    for (const auto& id : scorer_ids) {
      s->Bind(1, id);
      bool row = false;
      Status st = s->Step(&row);
      if (st.ok() && row) {
        model::OnlineScoringConfig c;
        c.online_scoring_config_id = std::string(s->Text(0));
        c.scorer_id = id;
        c.experiment_id = std::to_string(s->Int(1));
        c.sample_rate = s->Double(2);
        if (!s->IsNull(3)) c.filter_string = std::string(s->Text(3));
        out.push_back(std::move(c));
      }
      s->Reset();
      RETURN_IF_ERROR(st);
    }
    return out;
  });
}

Result<std::vector<model::OnlineScorer>> SqliteScorerStore::ListActiveOnlineScorers() {
  return db_.WithReader([&](Db& db) -> Result<std::vector<model::OnlineScorer>> {
    ASSIGN_OR_RETURN(
        Stmt * s,
        db.Cached("SELECT c.scorer_id, c.online_scoring_config_id, c.experiment_id, "
                  "c.sample_rate, c.filter_string, sc.name, v.version, v.serialized_scorer, "
                  "v.creation_time FROM online_scoring_configs c "
                  "JOIN scorers sc ON sc.scorer_id = c.scorer_id "
                  "JOIN experiments e ON e.experiment_id = c.experiment_id "
                  "JOIN scorer_versions v ON v.scorer_id = c.scorer_id AND v.version = "
                  "(SELECT max(version) FROM scorer_versions WHERE scorer_id = c.scorer_id) "
                  "WHERE c.sample_rate > 0 AND e.lifecycle_stage = 'active' "
                  "ORDER BY c.experiment_id, sc.name"));
    std::vector<model::OnlineScorer> out;
    while (s->Next()) {
      model::OnlineScorer o;
      o.config.scorer_id = std::string(s->Text(0));
      o.config.online_scoring_config_id = std::string(s->Text(1));
      o.config.experiment_id = std::to_string(s->Int(2));
      o.config.sample_rate = s->Double(3);
      if (!s->IsNull(4)) o.config.filter_string = std::string(s->Text(4));
      o.scorer.scorer_id = o.config.scorer_id;
      o.scorer.experiment_id = o.config.experiment_id;
      o.scorer.name = std::string(s->Text(5));
      o.scorer.version = s->Int(6);
      o.scorer.serialized_scorer = std::string(s->Text(7));
      o.scorer.creation_time_ms = s->Int(8);
      out.push_back(std::move(o));
    }
    RETURN_IF_ERROR(s->error());
    s->Reset();
    return out;
  });
}

}  // namespace tracelake::storage::sqlite
