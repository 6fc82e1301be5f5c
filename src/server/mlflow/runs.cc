// Runs: MLflow's classic tracking RPCs that its client uses for mlflow.start_run, log_* and
// mlflow.genai.evaluate: runs/create, get, update, delete, restore, search, log-batch,
// log-metric, log-parameter, set-tag, delete-tag, log-inputs and metrics/get-history. All
// MLflow 2.0 endpoints; JSON shapes as service.proto's Run, RunInfo, RunData, Metric.
#include <cmath>
#include <limits>

#include "server/mlflow/messages.h"
#include "server/mlflow/routes.h"

namespace tracelake::server {
namespace {

struct RunDeps {
  storage::RunStore& store;
  storage::ExperimentStore& experiments;
};

Result<model::RunStatus> ParseRunStatus(const ParamReader& p, std::string_view key) {
  const Json* v = p.Get(key);
  const std::string s = v->is_string()           ? v->get<std::string>()
                        : v->is_number_integer() ? v->dump()
                                                 : "";
  if (s == "RUNNING" || s == "1") return model::RunStatus::kRunning;
  if (s == "SCHEDULED" || s == "2") return model::RunStatus::kScheduled;
  if (s == "FINISHED" || s == "3") return model::RunStatus::kFinished;
  if (s == "FAILED" || s == "4") return model::RunStatus::kFailed;
  if (s == "KILLED" || s == "5") return model::RunStatus::kKilled;
  return p.Invalid(key, *v, "expected one of RUNNING, SCHEDULED, FINISHED, FAILED, KILLED.");
}

// A double as protobuf's JSON writes it: non-finite values as the strings "NaN", "Infinity",
// "-Infinity" (JSON has no such numbers).
Json DoubleToJson(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  return v;
}

Result<double> ParseDouble(const ParamReader& p, std::string_view key) {
  const Json* v = p.Get(key);
  if (v == nullptr) return p.Missing(key);
  if (v->is_number()) return v->get<double>();
  if (v->is_string()) {
    const std::string& s = v->get_ref<const std::string&>();
    if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
    if (s == "Infinity") return std::numeric_limits<double>::infinity();
    if (s == "-Infinity") return -std::numeric_limits<double>::infinity();
    char* end = nullptr;
    const double d = std::strtod(s.c_str(), &end);
    if (!s.empty() && end == s.c_str() + s.size()) return d;
  }
  return p.Invalid(key, *v, "expected a number.");
}

Json MetricToJson(const model::RunMetric& m) {
  return Json{{"key", m.key},
              {"value", DoubleToJson(m.value)},
              {"timestamp", m.timestamp_ms},
              {"step", m.step}};
}

Json KeyValues(const std::map<std::string, std::string>& kv) {
  Json out = Json::array();
  for (const auto& [k, v] : kv) out.push_back(Json{{"key", k}, {"value", v}});
  return out;
}

Json RunInfoToJson(const model::RunInfo& info) {
  Json out = {{"run_id", info.run_id},
              {"run_uuid", info.run_id},
              {"run_name", info.run_name},
              {"experiment_id", info.experiment_id},
              {"user_id", info.user_id},
              {"status", model::RunStatusName(info.status)},
              {"start_time", info.start_time_ms},
              {"artifact_uri", info.artifact_uri},
              {"lifecycle_stage",
               info.lifecycle_stage == model::LifecycleStage::kDeleted ? "deleted" : "active"}};
  if (info.end_time_ms) out["end_time"] = *info.end_time_ms;
  return out;
}

Json RunToJson(const model::Run& run) {
  Json metrics = Json::array();
  for (const auto& m : run.metrics) metrics.push_back(MetricToJson(m));
  Json datasets = Json::array();
  for (const auto& d : run.dataset_inputs) {
    Json dataset = {{"name", d.name},     {"digest", d.digest}, {"source_type", d.source_type},
                    {"source", d.source}, {"schema", d.schema}, {"profile", d.profile}};
    datasets.push_back(Json{{"tags", KeyValues(d.tags)}, {"dataset", std::move(dataset)}});
  }
  return Json{{"info", RunInfoToJson(run.info)},
              {"data",
               {{"metrics", std::move(metrics)},
                {"params", KeyValues(run.params)},
                {"tags", KeyValues(run.tags)}}},
              {"inputs", {{"dataset_inputs", std::move(datasets)}}},
              {"outputs", Json::object()}};
}

// MLflow's clients send both run_id and its older name run_uuid; either will do.
Result<std::string> RunIdParam(const ParamReader& p) {
  ASSIGN_OR_RETURN(std::optional<std::string> id, p.OptString("run_id"));
  if (!id || id->empty()) {
    ASSIGN_OR_RETURN(id, p.OptString("run_uuid"));
  }
  if (!id || id->empty()) return p.Missing("run_id");
  return *id;
}

// [{key, value}] as ordered pairs (tags and params keep their order; duplicates are the
// store's to judge).
Result<std::vector<std::pair<std::string, std::string>>> KeyValueList(const ParamReader& p,
                                                                      std::string_view key) {
  std::vector<std::pair<std::string, std::string>> out;
  const Json* list = p.Get(key);
  if (list == nullptr) return out;
  if (!list->is_array()) return p.Invalid(key, *list, "expected a list of {key, value}.");
  for (size_t i = 0; i < list->size(); ++i) {
    const Json& item = (*list)[i];
    if (!item.is_object()) return p.Invalid(key, item, "expected a list of {key, value}.");
    ParamReader r(item, p.PathOf(key) + "[" + std::to_string(i) + "]");
    ASSIGN_OR_RETURN(std::string k, r.RequiredString("key"));
    const Json* v = r.Get("value");
    std::string value;
    if (v != nullptr) value = v->is_string() ? v->get<std::string>() : v->dump();
    out.emplace_back(std::move(k), std::move(value));
  }
  return out;
}

Result<model::RunMetric> MetricFromJson(const ParamReader& r) {
  model::RunMetric m;
  ASSIGN_OR_RETURN(m.key, r.RequiredString("key"));
  ASSIGN_OR_RETURN(m.value, ParseDouble(r, "value"));
  ASSIGN_OR_RETURN(auto ts, r.OptInt("timestamp"));
  if (!ts) return r.Missing("timestamp");
  m.timestamp_ms = *ts;
  ASSIGN_OR_RETURN(auto step, r.OptInt("step"));
  m.step = step.value_or(0);
  return m;
}

// A store's kNotFound for the run's experiment becomes MLflow's wording.
Status ExperimentOr(const RunDeps& ctx, const std::string& experiment_id, Status st) {
  if (st.code() == StatusCode::kNotFound && !experiment_id.empty())
    RETURN_IF_ERROR(CheckExperimentExists(ctx.experiments, experiment_id));
  return st;
}

Result<Json> CreateRun(const HttpRequest& req, const RunDeps& ctx) {
  ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
  ParamReader p(params);
  storage::CreateRunRequest create;
  ASSIGN_OR_RETURN(create.experiment_id, p.StringOr("experiment_id", "0"));
  if (create.experiment_id.empty()) create.experiment_id = "0";
  ASSIGN_OR_RETURN(create.user_id, p.StringOr("user_id"));
  ASSIGN_OR_RETURN(create.run_name, p.StringOr("run_name"));
  ASSIGN_OR_RETURN(create.start_time_ms, p.OptInt("start_time", 0));
  ASSIGN_OR_RETURN(create.tags, KeyValueList(p, "tags"));
  auto run = ctx.store.CreateRun(create);
  if (!run.ok()) return ExperimentOr(ctx, create.experiment_id, run.status());
  return Json{{"run", RunToJson(*run)}};
}

Result<Json> GetRun(const HttpRequest& req, const RunDeps& ctx) {
  ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
  ParamReader p(params);
  ASSIGN_OR_RETURN(std::string id, RunIdParam(p));
  ASSIGN_OR_RETURN(model::Run run, ctx.store.GetRun(id));
  return Json{{"run", RunToJson(run)}};
}

Result<Json> UpdateRun(const HttpRequest& req, const RunDeps& ctx) {
  ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
  ParamReader p(params);
  ASSIGN_OR_RETURN(std::string id, RunIdParam(p));
  storage::UpdateRunRequest update;
  if (p.Has("status")) {
    ASSIGN_OR_RETURN(update.status, ParseRunStatus(p, "status"));
  }
  ASSIGN_OR_RETURN(update.end_time_ms, p.OptInt("end_time", 0));
  ASSIGN_OR_RETURN(update.run_name, p.OptString("run_name"));
  ASSIGN_OR_RETURN(model::RunInfo info, ctx.store.UpdateRun(id, update));
  return Json{{"run_info", RunInfoToJson(info)}};
}

Result<storage::SearchRunsRequest::ViewType> ParseViewType(const ParamReader& p) {
  using ViewType = storage::SearchRunsRequest::ViewType;
  const Json* v = p.Get("run_view_type");
  if (v == nullptr) return ViewType::kActiveOnly;
  const std::string s = v->is_string()           ? v->get<std::string>()
                        : v->is_number_integer() ? v->dump()
                                                 : "";
  if (s == "ACTIVE_ONLY" || s == "1") return ViewType::kActiveOnly;
  if (s == "DELETED_ONLY" || s == "2") return ViewType::kDeletedOnly;
  if (s == "ALL" || s == "3") return ViewType::kAll;
  return p.Invalid("run_view_type", *v, "expected one of ACTIVE_ONLY, DELETED_ONLY, ALL.");
}

Result<Json> SearchRuns(const HttpRequest& req, const RunDeps& ctx) {
  ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
  ParamReader p(params);
  storage::SearchRunsRequest search;
  ASSIGN_OR_RETURN(search.experiment_ids,
                   p.StringList("experiment_ids", /*required=*/false, /*allow_number=*/true));
  ASSIGN_OR_RETURN(search.filter, p.StringOr("filter"));
  ASSIGN_OR_RETURN(search.view_type, ParseViewType(p));
  ASSIGN_OR_RETURN(auto max_results, p.OptInt("max_results", 1, storage::kMaxRunsPerPage));
  search.max_results = static_cast<int>(max_results.value_or(1000));
  ASSIGN_OR_RETURN(search.order_by, p.StringList("order_by"));
  ASSIGN_OR_RETURN(search.page_token, p.StringOr("page_token"));
  ASSIGN_OR_RETURN(storage::RunPage page, ctx.store.SearchRuns(search));
  Json runs = Json::array();
  for (const auto& r : page.runs) runs.push_back(RunToJson(r));
  Json out = {{"runs", std::move(runs)}};
  if (!page.next_page_token.empty()) out["next_page_token"] = page.next_page_token;
  return out;
}

Result<Json> LogBatch(const HttpRequest& req, const RunDeps& ctx) {
  ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
  ParamReader p(params);
  ASSIGN_OR_RETURN(std::string id, RunIdParam(p));
  std::vector<model::RunMetric> metrics;
  if (const Json* list = p.Get("metrics"); list != nullptr) {
    if (!list->is_array()) return p.Invalid("metrics", *list, "expected a list of metrics.");
    for (size_t i = 0; i < list->size(); ++i) {
      const Json& item = (*list)[i];
      if (!item.is_object()) return p.Invalid("metrics", item, "expected a list of metrics.");
      ASSIGN_OR_RETURN(model::RunMetric m,
                       MetricFromJson(ParamReader(item, "metrics[" + std::to_string(i) + "]")));
      metrics.push_back(std::move(m));
    }
  }
  ASSIGN_OR_RETURN(auto run_params, KeyValueList(p, "params"));
  ASSIGN_OR_RETURN(auto tags, KeyValueList(p, "tags"));
  RETURN_IF_ERROR(ctx.store.LogBatch(id, metrics, run_params, tags));
  return Json::object();
}

Result<Json> LogMetric(const HttpRequest& req, const RunDeps& ctx) {
  ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
  ParamReader p(params);
  ASSIGN_OR_RETURN(std::string id, RunIdParam(p));
  ASSIGN_OR_RETURN(model::RunMetric m, MetricFromJson(p));
  RETURN_IF_ERROR(ctx.store.LogBatch(id, {m}, {}, {}));
  return Json::object();
}

// log-parameter and set-tag: one key and value.
Result<std::pair<std::string, std::pair<std::string, std::string>>> OneKeyValue(
    const HttpRequest& req) {
  ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
  ParamReader p(params);
  ASSIGN_OR_RETURN(std::string id, RunIdParam(p));
  ASSIGN_OR_RETURN(std::string key, p.RequiredString("key"));
  const Json* v = p.Get("value");
  std::string value;
  if (v != nullptr) value = v->is_string() ? v->get<std::string>() : v->dump();
  return std::pair{std::move(id), std::pair{std::move(key), std::move(value)}};
}

Result<Json> LogParam(const HttpRequest& req, const RunDeps& ctx) {
  ASSIGN_OR_RETURN(auto kv, OneKeyValue(req));
  RETURN_IF_ERROR(ctx.store.LogBatch(kv.first, {}, {kv.second}, {}));
  return Json::object();
}

Result<Json> SetTag(const HttpRequest& req, const RunDeps& ctx) {
  ASSIGN_OR_RETURN(auto kv, OneKeyValue(req));
  RETURN_IF_ERROR(ctx.store.LogBatch(kv.first, {}, {}, {kv.second}));
  return Json::object();
}

Result<Json> DeleteTag(const HttpRequest& req, const RunDeps& ctx) {
  ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
  ParamReader p(params);
  ASSIGN_OR_RETURN(std::string id, RunIdParam(p));
  ASSIGN_OR_RETURN(std::string key, p.RequiredString("key"));
  RETURN_IF_ERROR(ctx.store.DeleteTag(id, key));
  return Json::object();
}

Result<Json> LogInputs(const HttpRequest& req, const RunDeps& ctx) {
  ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
  ParamReader p(params);
  ASSIGN_OR_RETURN(std::string id, RunIdParam(p));
  std::vector<model::RunDatasetInput> datasets;
  if (const Json* list = p.Get("datasets"); list != nullptr) {
    if (!list->is_array()) return p.Invalid("datasets", *list, "expected a list.");
    for (size_t i = 0; i < list->size(); ++i) {
      const Json& item = (*list)[i];
      if (!item.is_object()) return p.Invalid("datasets", item, "expected a DatasetInput.");
      ParamReader in(item, "datasets[" + std::to_string(i) + "]");
      ASSIGN_OR_RETURN(ParamReader d, in.RequiredObject("dataset"));
      model::RunDatasetInput input;
      ASSIGN_OR_RETURN(input.name, d.RequiredString("name"));
      ASSIGN_OR_RETURN(input.digest, d.RequiredString("digest"));
      ASSIGN_OR_RETURN(input.source_type, d.StringOr("source_type"));
      ASSIGN_OR_RETURN(input.source, d.StringOr("source"));
      ASSIGN_OR_RETURN(input.schema, d.StringOr("schema"));
      ASSIGN_OR_RETURN(input.profile, d.StringOr("profile"));
      ASSIGN_OR_RETURN(auto tags, KeyValueList(in, "tags"));
      for (auto& [k, v] : tags) input.tags[k] = std::move(v);
      datasets.push_back(std::move(input));
    }
  }
  // Logged models (models[]) belong to MLflow's model registry, which tracelake does not keep.
  RETURN_IF_ERROR(ctx.store.LogInputs(id, datasets));
  return Json::object();
}

Result<Json> GetMetricHistory(const HttpRequest& req, const RunDeps& ctx) {
  ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
  ParamReader p(params);
  ASSIGN_OR_RETURN(std::string id, RunIdParam(p));
  ASSIGN_OR_RETURN(std::string key, p.RequiredString("metric_key"));
  ASSIGN_OR_RETURN(auto max_results, p.OptInt("max_results", 0, 25000));
  ASSIGN_OR_RETURN(std::string token, p.StringOr("page_token"));
  ASSIGN_OR_RETURN(
      storage::MetricHistoryPage page,
      ctx.store.GetMetricHistory(id, key, static_cast<int>(max_results.value_or(0)), token));
  Json metrics = Json::array();
  for (const auto& m : page.metrics) metrics.push_back(MetricToJson(m));
  Json out = {{"metrics", std::move(metrics)}};
  if (!page.next_page_token.empty()) out["next_page_token"] = page.next_page_token;
  return out;
}

// delete / restore: run_id plus a store call.
BoundRoutes<RunDeps>::JsonHandler RunCall(Status (storage::RunStore::*action)(const std::string&)) {
  return [action](const HttpRequest& req, const RunDeps& ctx) -> Result<Json> {
    ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
    ParamReader p(params);
    ASSIGN_OR_RETURN(std::string id, RunIdParam(p));
    RETURN_IF_ERROR((ctx.store.*action)(id));
    return Json::object();
  };
}

}  // namespace

void RegisterRunRoutes(MlflowRouteTable& table, storage::RunStore& store,
                       storage::ExperimentStore& experiments) {
  BoundRoutes<RunDeps> routes(table, RunDeps{store, experiments});
  routes.Add({"POST"}, 2, "/mlflow/runs/create", Scope::kWrite, CreateRun);
  routes.Add({"GET"}, 2, "/mlflow/runs/get", Scope::kRead, GetRun);
  routes.Add({"POST"}, 2, "/mlflow/runs/update", Scope::kWrite, UpdateRun);
  routes.Add({"POST"}, 2, "/mlflow/runs/delete", Scope::kWrite,
             RunCall(&storage::RunStore::DeleteRun));
  routes.Add({"POST"}, 2, "/mlflow/runs/restore", Scope::kWrite,
             RunCall(&storage::RunStore::RestoreRun));
  routes.Add({"POST"}, 2, "/mlflow/runs/search", Scope::kRead, SearchRuns);
  routes.Add({"POST"}, 2, "/mlflow/runs/log-batch", Scope::kWrite, LogBatch);
  routes.Add({"POST"}, 2, "/mlflow/runs/log-metric", Scope::kWrite, LogMetric);
  routes.Add({"POST"}, 2, "/mlflow/runs/log-parameter", Scope::kWrite, LogParam);
  routes.Add({"POST"}, 2, "/mlflow/runs/set-tag", Scope::kWrite, SetTag);
  routes.Add({"POST"}, 2, "/mlflow/runs/delete-tag", Scope::kWrite, DeleteTag);
  routes.Add({"POST"}, 2, "/mlflow/runs/log-inputs", Scope::kWrite, LogInputs);
  routes.Add({"GET"}, 2, "/mlflow/metrics/get-history", Scope::kRead, GetMetricHistory);
}

}  // namespace tracelake::server
