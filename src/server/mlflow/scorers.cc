// Registered scorers (MLflow 3.0): scorers/register, list, versions, get, delete. The
// serialized_scorer JSON text is stored and returned verbatim; tracelake's evaluation reads it.
#include "server/mlflow/messages.h"
#include "server/mlflow/routes.h"

namespace tracelake::server {
namespace {

struct ScorerDeps {
  storage::ScorerStore& store;
  storage::ExperimentStore& experiments;
};

// service.proto's Scorer message: experiment_id is an int32 there.
Json ScorerToJson(const model::ScorerVersion& v) {
  Json out = {{"scorer_name", v.name},
              {"scorer_version", v.version},
              {"serialized_scorer", v.serialized_scorer},
              {"creation_time", v.creation_time_ms},
              {"scorer_id", v.scorer_id}};
  try {
    out["experiment_id"] = std::stoll(v.experiment_id);
  } catch (const std::exception&) {
    out["experiment_id"] = v.experiment_id;
  }
  return out;
}

Result<std::optional<int64_t>> VersionParam(const ParamReader& p) {
  return p.OptInt("version", 1, INT32_MAX);
}

// Unknown experiments get MLflow's wording whatever the store said.
template <typename T>
Result<T> WithExperimentWording(const ScorerDeps& ctx, const std::string& experiment_id,
                                Result<T> r) {
  if (!r.ok() && r.status().code() == StatusCode::kNotFound)
    RETURN_IF_ERROR(CheckExperimentExists(ctx.experiments, experiment_id));
  return r;
}

Result<Json> RegisterScorer(const HttpRequest& req, const ScorerDeps& ctx) {
  ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
  ParamReader p(params);
  ASSIGN_OR_RETURN(std::string experiment, p.RequiredString("experiment_id", true));
  ASSIGN_OR_RETURN(std::string name, p.RequiredString("name"));
  ASSIGN_OR_RETURN(std::string serialized, p.RequiredString("serialized_scorer"));
  ASSIGN_OR_RETURN(model::ScorerVersion v,
                   WithExperimentWording(ctx, experiment,
                                         ctx.store.RegisterScorer(experiment, name, serialized)));
  return Json{{"version", v.version},
              {"scorer_id", v.scorer_id},
              {"experiment_id", v.experiment_id},
              {"name", v.name},
              {"serialized_scorer", v.serialized_scorer},
              {"creation_time", v.creation_time_ms}};
}

Json ScorerList(const std::vector<model::ScorerVersion>& versions) {
  Json list = Json::array();
  for (const auto& v : versions) list.push_back(ScorerToJson(v));
  return Json{{"scorers", std::move(list)}};
}

Result<Json> ListScorers(const HttpRequest& req, const ScorerDeps& ctx) {
  ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
  ParamReader p(params);
  ASSIGN_OR_RETURN(std::string experiment, p.RequiredString("experiment_id", true));
  ASSIGN_OR_RETURN(auto versions,
                   WithExperimentWording(ctx, experiment, ctx.store.ListScorers(experiment)));
  return ScorerList(versions);
}

Result<Json> ListScorerVersions(const HttpRequest& req, const ScorerDeps& ctx) {
  ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
  ParamReader p(params);
  ASSIGN_OR_RETURN(std::string experiment, p.RequiredString("experiment_id", true));
  ASSIGN_OR_RETURN(std::string name, p.RequiredString("name"));
  ASSIGN_OR_RETURN(
      auto versions,
      WithExperimentWording(ctx, experiment, ctx.store.ListScorerVersions(experiment, name)));
  return ScorerList(versions);
}

Result<Json> GetScorer(const HttpRequest& req, const ScorerDeps& ctx) {
  ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
  ParamReader p(params);
  ASSIGN_OR_RETURN(std::string experiment, p.RequiredString("experiment_id", true));
  ASSIGN_OR_RETURN(std::string name, p.RequiredString("name"));
  ASSIGN_OR_RETURN(std::optional<int64_t> version, VersionParam(p));
  ASSIGN_OR_RETURN(
      model::ScorerVersion v,
      WithExperimentWording(ctx, experiment, ctx.store.GetScorer(experiment, name, version)));
  return Json{{"scorer", ScorerToJson(v)}};
}

Result<Json> DeleteScorer(const HttpRequest& req, const ScorerDeps& ctx) {
  ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
  ParamReader p(params);
  ASSIGN_OR_RETURN(std::string experiment, p.RequiredString("experiment_id", true));
  ASSIGN_OR_RETURN(std::string name, p.RequiredString("name"));
  ASSIGN_OR_RETURN(std::optional<int64_t> version, VersionParam(p));
  Status st = ctx.store.DeleteScorer(experiment, name, version);
  if (st.code() == StatusCode::kNotFound)
    RETURN_IF_ERROR(CheckExperimentExists(ctx.experiments, experiment));
  RETURN_IF_ERROR(st);
  return Json::object();
}

Json OnlineConfigToJson(const model::OnlineScoringConfig& c) {
  Json out = {{"online_scoring_config_id", c.online_scoring_config_id},
              {"scorer_id", c.scorer_id},
              {"sample_rate", c.sample_rate},
              {"experiment_id", c.experiment_id}};
  if (c.filter_string) out["filter_string"] = *c.filter_string;
  return out;
}

// Not in service.proto: MLflow serves these as internal routes with a plain JSON body.
Result<Json> UpsertOnlineConfig(const HttpRequest& req, const ScorerDeps& ctx) {
  ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
  ParamReader p(params);
  ASSIGN_OR_RETURN(std::string experiment, p.RequiredString("experiment_id", true));
  ASSIGN_OR_RETURN(std::string name, p.RequiredString("name"));
  const Json* rate = p.Get("sample_rate");
  if (rate == nullptr) return p.Missing("sample_rate");
  if (!rate->is_number()) return p.Invalid("sample_rate", *rate, "expected a number.");
  ASSIGN_OR_RETURN(std::optional<std::string> filter, p.OptString("filter_string"));
  ASSIGN_OR_RETURN(model::OnlineScoringConfig config,
                   WithExperimentWording(ctx, experiment,
                                         ctx.store.UpsertOnlineScoringConfig(
                                             experiment, name, rate->get<double>(), filter)));
  return Json{{"config", OnlineConfigToJson(config)}};
}

Result<Json> GetOnlineConfigs(const HttpRequest& req, const ScorerDeps& ctx) {
  constexpr size_t kMaxScorerIds = 1000;
  ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
  ParamReader p(params);
  ASSIGN_OR_RETURN(std::vector<std::string> ids, p.StringList("scorer_ids", /*required=*/true));
  if (ids.size() > kMaxScorerIds)
    return InvalidArgumentError("Too many scorer_ids: at most " + std::to_string(kMaxScorerIds));
  ASSIGN_OR_RETURN(auto configs, ctx.store.GetOnlineScoringConfigs(ids));
  Json list = Json::array();
  for (const auto& c : configs) list.push_back(OnlineConfigToJson(c));
  return Json{{"configs", std::move(list)}};
}

}  // namespace

void RegisterScorerRoutes(MlflowRouteTable& table, storage::ScorerStore& store,
                          storage::ExperimentStore& experiments) {
  BoundRoutes<ScorerDeps> routes(table, ScorerDeps{store, experiments});
  routes.Add({"POST"}, 3, "/mlflow/scorers/register", Scope::kWrite, RegisterScorer);
  routes.Add({"GET"}, 3, "/mlflow/scorers/list", Scope::kRead, ListScorers);
  routes.Add({"GET"}, 3, "/mlflow/scorers/versions", Scope::kRead, ListScorerVersions);
  routes.Add({"GET"}, 3, "/mlflow/scorers/get", Scope::kRead, GetScorer);
  routes.Add({"DELETE"}, 3, "/mlflow/scorers/delete", Scope::kWrite, DeleteScorer);
  routes.Add({"PUT"}, 3, "/mlflow/scorers/online-config", Scope::kWrite, UpsertOnlineConfig);
  routes.Add({"GET"}, 3, "/mlflow/scorers/online-configs", Scope::kRead, GetOnlineConfigs);
}

}  // namespace tracelake::server
