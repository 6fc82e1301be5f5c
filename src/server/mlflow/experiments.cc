// Experiments: create, get, get-by-name, search (GET and POST), update (rename), delete,
// restore, set-experiment-tag, delete-experiment-tag. All MLflow 2.0 endpoints.
#include "server/mlflow/messages.h"
#include "server/mlflow/routes.h"

namespace tracelake::server {
namespace {

struct ExperimentDeps {
  storage::ExperimentStore& store;
  int max_experiment_page_size;  // largest max_results for search
};

Result<Json> CreateExperiment(const HttpRequest& req, const ExperimentDeps& ctx) {
  ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
  ParamReader p(params);
  ASSIGN_OR_RETURN(std::string name, p.RequiredString("name"));
  ASSIGN_OR_RETURN(std::string location, p.StringOr("artifact_location"));
  // MLflow clients send tags as [{key, value}]; the TypeScript SDK sends an object.
  ASSIGN_OR_RETURN(auto tags, p.StringMap("tags"));
  ASSIGN_OR_RETURN(std::string id, ctx.store.CreateExperiment(name, location, tags));
  return Json{{"experiment_id", id}};
}

Result<Json> GetExperiment(const HttpRequest& req, const ExperimentDeps& ctx) {
  ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
  ParamReader p(params);
  ASSIGN_OR_RETURN(std::string id, p.RequiredString("experiment_id", /*allow_number=*/true));
  auto e = ctx.store.GetExperiment(id);
  if (!e.ok() && e.status().code() == StatusCode::kNotFound) return ExperimentNotFoundError(id);
  if (!e.ok()) return e.status();
  return Json{{"experiment", ExperimentToJson(*e)}};
}

Result<Json> GetExperimentByName(const HttpRequest& req, const ExperimentDeps& ctx) {
  ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
  ParamReader p(params);
  ASSIGN_OR_RETURN(std::string name, p.RequiredString("experiment_name"));
  auto e = ctx.store.GetExperimentByName(name);
  // MLflow clients look an experiment up by name before creating it: this 404 is expected.
  if (!e.ok() && e.status().code() == StatusCode::kNotFound)
    return ExperimentNameNotFoundError(name);
  if (!e.ok()) return e.status();
  return Json{{"experiment", ExperimentToJson(*e)}};
}

Result<storage::SearchExperimentsRequest::ViewType> ParseViewType(const ParamReader& p) {
  using ViewType = storage::SearchExperimentsRequest::ViewType;
  const Json* v = p.Get("view_type");
  if (v == nullptr) return ViewType::kActiveOnly;
  const std::string s = v->is_string()           ? v->get<std::string>()
                        : v->is_number_integer() ? v->dump()
                                                 : "";
  if (s == "ACTIVE_ONLY" || s == "1") return ViewType::kActiveOnly;
  if (s == "DELETED_ONLY" || s == "2") return ViewType::kDeletedOnly;
  if (s == "ALL" || s == "3") return ViewType::kAll;
  return p.Invalid("view_type", *v, "expected one of ACTIVE_ONLY, DELETED_ONLY, ALL.");
}

Result<Json> SearchExperiments(const HttpRequest& req, const ExperimentDeps& ctx) {
  ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
  ParamReader p(params);
  storage::SearchExperimentsRequest sreq;
  ASSIGN_OR_RETURN(auto max_results, p.OptInt("max_results", 1, ctx.max_experiment_page_size));
  sreq.max_results = static_cast<int>(max_results.value_or(1000));
  ASSIGN_OR_RETURN(sreq.filter, p.StringOr("filter"));
  ASSIGN_OR_RETURN(sreq.order_by, p.StringList("order_by"));
  ASSIGN_OR_RETURN(sreq.page_token, p.StringOr("page_token"));
  ASSIGN_OR_RETURN(sreq.view_type, ParseViewType(p));
  ASSIGN_OR_RETURN(storage::ExperimentPage page, ctx.store.SearchExperiments(sreq));
  Json list = Json::array();
  for (const auto& e : page.experiments) list.push_back(ExperimentToJson(e));
  Json out = {{"experiments", std::move(list)}};
  if (!page.next_page_token.empty()) out["next_page_token"] = page.next_page_token;
  return out;
}

// update / delete / restore / set-tag / delete-tag: experiment_id plus a store call.
using ExperimentAction = std::function<Status(const ParamReader&, const std::string& experiment_id,
                                              const ExperimentDeps&)>;

BoundRoutes<ExperimentDeps>::JsonHandler ExperimentCall(ExperimentAction action) {
  return [action = std::move(action)](const HttpRequest& req,
                                      const ExperimentDeps& ctx) -> Result<Json> {
    ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
    ParamReader p(params);
    ASSIGN_OR_RETURN(std::string id, p.RequiredString("experiment_id", /*allow_number=*/true));
    Status st = action(p, id, ctx);
    // Unknown ids: MLflow's wording, whatever the store said.
    if (st.code() == StatusCode::kNotFound) RETURN_IF_ERROR(CheckExperimentExists(ctx.store, id));
    RETURN_IF_ERROR(st);
    return Json::object();
  };
}

}  // namespace

void RegisterExperimentRoutes(MlflowRouteTable& table, storage::ExperimentStore& store,
                              int max_page_size) {
  BoundRoutes<ExperimentDeps> routes(table, ExperimentDeps{store, max_page_size});
  routes.Add({"POST"}, 2, "/mlflow/experiments/create", Scope::kWrite, CreateExperiment);
  routes.Add({"GET"}, 2, "/mlflow/experiments/get", Scope::kRead, GetExperiment);
  routes.Add({"GET"}, 2, "/mlflow/experiments/get-by-name", Scope::kRead, GetExperimentByName);
  routes.Add({"GET", "POST"}, 2, "/mlflow/experiments/search", Scope::kRead, SearchExperiments);
  routes.Add({"POST"}, 2, "/mlflow/experiments/update", Scope::kWrite,
             ExperimentCall([](const ParamReader& p, const std::string& id,
                               const ExperimentDeps& ctx) -> Status {
               ASSIGN_OR_RETURN(std::string name, p.RequiredString("new_name"));
               return ctx.store.RenameExperiment(id, name);
             }));
  routes.Add(
      {"POST"}, 2, "/mlflow/experiments/delete", Scope::kWrite,
      ExperimentCall([](const ParamReader&, const std::string& id, const ExperimentDeps& ctx) {
        return ctx.store.DeleteExperiment(id);
      }));
  routes.Add(
      {"POST"}, 2, "/mlflow/experiments/restore", Scope::kWrite,
      ExperimentCall([](const ParamReader&, const std::string& id, const ExperimentDeps& ctx) {
        return ctx.store.RestoreExperiment(id);
      }));
  routes.Add({"POST"}, 2, "/mlflow/experiments/set-experiment-tag", Scope::kWrite,
             ExperimentCall([](const ParamReader& p, const std::string& id,
                               const ExperimentDeps& ctx) -> Status {
               ASSIGN_OR_RETURN(std::string key, p.RequiredString("key"));
               ASSIGN_OR_RETURN(std::string value, p.StringOr("value"));
               return ctx.store.SetExperimentTag(id, key, value);
             }));
  routes.Add({"POST"}, 2, "/mlflow/experiments/delete-experiment-tag", Scope::kWrite,
             ExperimentCall([](const ParamReader& p, const std::string& id,
                               const ExperimentDeps& ctx) -> Status {
               ASSIGN_OR_RETURN(std::string key, p.RequiredString("key"));
               return ctx.store.DeleteExperimentTag(id, key);
             }));
}

}  // namespace tracelake::server
