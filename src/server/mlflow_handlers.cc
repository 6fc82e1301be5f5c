// MLflow REST endpoints: experiments, traces (V3 and the V2 forms older clients use) and
// assessments. Handlers parse and validate, call the TraceStore, and write MLflow's JSON.
#include <random>

#include "server/errors.h"
#include "server/mlflow_api.h"
#include "server/mlflow_json.h"

namespace tracelake::server {
namespace {

using storage::TraceStore;

// A handler body returns the JSON answer or an error status.
using JsonHandler = std::function<Result<Json>(HttpRequest&)>;

Handler Wrap(JsonHandler fn) {
  return [fn = std::move(fn)](HttpRequest& req, HttpResponse& res) {
    Result<Json> out = fn(req);
    if (!out.ok()) {
      SetMlflowError(res, out.status());
      return;
    }
    res.status = 200;
    res.content_type = "application/json";
    res.body = out->dump(-1, ' ', false, Json::error_handler_t::replace);
  };
}

// Request parameters: the JSON body for POST/PATCH/DELETE, merged over query parameters.
Result<Json> Params(const HttpRequest& req) {
  Json j = Json::object();
  for (const auto& [k, v] : req.query) {
    if (j.contains(k)) {
      if (!j[k].is_array()) j[k] = Json::array({j[k]});
      j[k].push_back(v);
    } else {
      j[k] = v;
    }
  }
  bool blank = req.body.find_first_not_of(" \t\r\n") == std::string::npos;
  if (!blank) {
    Json body = Json::parse(req.body, nullptr, false);
    if (body.is_discarded()) return InvalidArgumentError("Malformed JSON in request body");
    if (!body.is_object()) return InvalidArgumentError("Request body must be a JSON object");
    for (auto& [k, v] : body.items()) j[k] = v;
  }
  return j;
}

// String parameter; numbers are accepted in their decimal form (experiment ids).
Result<std::string> Str(const Json& j, const char* key, bool required) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (required) return InvalidArgumentError(std::string("Missing value for required parameter '") + key + "'.");
    return std::string();
  }
  if (it->is_string()) {
    if (required && it->get_ref<const std::string&>().empty())
      return InvalidArgumentError(std::string("Missing value for required parameter '") + key + "'.");
    return it->get<std::string>();
  }
  if (it->is_number_integer()) return std::to_string(it->get<int64_t>());
  return InvalidArgumentError(std::string("Invalid value for parameter '") + key + "': expected a string");
}

Result<std::optional<int64_t>> Int(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::optional<int64_t>();
  if (it->is_number_integer()) return std::optional<int64_t>(it->get<int64_t>());
  if (it->is_string()) {
    const auto& s = it->get_ref<const std::string&>();
    if (!s.empty() && s.size() < 19 && s.find_first_not_of("-0123456789") == std::string::npos)
      return std::optional<int64_t>(std::stoll(s));
  }
  return InvalidArgumentError(std::string("Invalid value for parameter '") + key + "': expected an integer");
}

Result<std::vector<std::string>> StrList(const Json& j, const char* key) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return out;
  if (it->is_string()) {
    out.push_back(it->get<std::string>());
    return out;
  }
  if (!it->is_array()) return InvalidArgumentError(std::string("Parameter '") + key + "' must be a list of strings");
  for (const auto& v : *it) {
    if (v.is_string()) out.push_back(v.get<std::string>());
    else if (v.is_number_integer()) out.push_back(std::to_string(v.get<int64_t>()));
    else return InvalidArgumentError(std::string("Parameter '") + key + "' must be a list of strings");
  }
  return out;
}

Result<TraceId> ParseTraceIdParam(const std::string& s) {
  auto id = ParseMlflowTraceId(s);
  if (!id) return InvalidArgumentError("Invalid trace id '" + s.substr(0, 80) + "': expected tr-<32 hex digits>");
  return *id;
}

Result<int> MaxResults(const Json& j, int default_value) {
  ASSIGN_OR_RETURN(auto v, Int(j, "max_results"));
  if (!v) return default_value;
  if (*v < 1 || *v > 50000) return InvalidArgumentError("Invalid value for max_results: must be between 1 and 50000");
  return static_cast<int>(*v);
}

std::map<std::string, std::string> KvListToMap(const Json& j) {
  std::map<std::string, std::string> out;
  if (j.is_array()) {
    for (const auto& e : j)
      if (e.is_object() && e.contains("key") && e["key"].is_string()) out[e["key"].get<std::string>()] = e.value("value", "");
  } else if (j.is_object()) {
    for (auto& [k, v] : j.items()) out[k] = v.is_string() ? v.get<std::string>() : v.dump();
  }
  return out;
}

Result<Json> TraceWithSpans(TraceStore& store, const TraceId& id) {
  ASSIGN_OR_RETURN(model::Trace t, store.GetTrace(id));
  Json spans = Json::array();
  for (const auto& s : t.spans) spans.push_back(SpanToJson(s));
  return Json{{"trace_info", TraceInfoV3ToJson(t.info)}, {"spans", spans}};
}

class MlflowRoutes {
 public:
  MlflowRoutes(Router& router, TraceStore& store, MlflowApiOptions options)
      : router_(router), store_(store), options_(std::move(options)) {}

  void Register();

 private:
  void Add(std::initializer_list<std::string> methods, const std::string& path, JsonHandler fn,
           std::initializer_list<const char*> versions = {"2.0", "3.0"}) {
    Handler h = Wrap(std::move(fn));
    for (const char* v : versions)
      for (const char* prefix : {"/api/", "/ajax-api/"})
        for (const auto& m : methods) router_.Add(m, prefix + std::string(v) + path, h);
  }

  Result<Json> Search(HttpRequest& req, bool v3);
  Result<Json> StartTrace(HttpRequest& req);

  Router& router_;
  TraceStore& store_;
  MlflowApiOptions options_;
};

Result<Json> MlflowRoutes::Search(HttpRequest& req, bool v3) {
  ASSIGN_OR_RETURN(Json p, Params(req));
  ASSIGN_OR_RETURN(std::vector<std::string> experiments, StrList(p, "experiment_ids"));
  if (p.contains("locations")) {
    if (!p["locations"].is_array()) return InvalidArgumentError("'locations' must be a list");
    for (const auto& loc : p["locations"]) {
      if (!loc.is_object() || !loc.contains("mlflow_experiment"))
        return InvalidArgumentError("Only MLFLOW_EXPERIMENT trace locations are supported");
      ASSIGN_OR_RETURN(std::string id, Str(loc["mlflow_experiment"], "experiment_id", true));
      experiments.push_back(id);
    }
  }
  if (experiments.empty())
    return InvalidArgumentError("Missing value for required parameter 'locations' (or 'experiment_ids').");
  for (const auto& id : experiments) RETURN_IF_ERROR(store_.GetExperiment(id));
  ASSIGN_OR_RETURN(std::string filter, Str(p, "filter", false));
  if (filter.empty()) {
    ASSIGN_OR_RETURN(filter, Str(p, "filter_string", false));
  }
  ASSIGN_OR_RETURN(std::vector<std::string> order_by, StrList(p, "order_by"));
  ASSIGN_OR_RETURN(auto expr, query::ParseFilter(filter));
  ASSIGN_OR_RETURN(auto order, query::ParseOrderBy(order_by));
  storage::TraceSearchRequest sreq;
  sreq.experiment_ids = experiments;
  sreq.filter = expr.get();
  sreq.order_by = order;
  ASSIGN_OR_RETURN(sreq.max_results, MaxResults(p, 100));
  ASSIGN_OR_RETURN(sreq.page_token, Str(p, "page_token", false));
  ASSIGN_OR_RETURN(storage::TracePage page, store_.SearchTraces(sreq));
  Json traces = Json::array();
  for (const auto& t : page.traces) traces.push_back(v3 ? TraceInfoV3ToJson(t) : TraceInfoV2ToJson(t));
  Json out = {{"traces", traces}};
  if (!page.next_page_token.empty()) out["next_page_token"] = page.next_page_token;
  return out;
}

Result<Json> MlflowRoutes::StartTrace(HttpRequest& req) {
  ASSIGN_OR_RETURN(Json p, Params(req));
  if (p.contains("trace")) {  // V3: {trace: {trace_info: {...}}}
    if (!p["trace"].is_object() || !p["trace"].contains("trace_info"))
      return InvalidArgumentError("Missing value for required parameter 'trace.trace_info'.");
    ASSIGN_OR_RETURN(model::TraceInfo info, TraceInfoV3FromJson(p["trace"]["trace_info"]));
    ASSIGN_OR_RETURN(model::TraceInfo stored, store_.UpsertTraceInfo(info));
    return Json{{"trace", {{"trace_info", TraceInfoV3ToJson(stored)}}}};
  }
  // V2 StartTrace: {experiment_id, timestamp_ms, request_metadata, tags}; the server picks the id.
  ASSIGN_OR_RETURN(std::string experiment_id, Str(p, "experiment_id", true));
  ASSIGN_OR_RETURN(auto ts, Int(p, "timestamp_ms"));
  model::TraceInfo info;
  thread_local std::mt19937_64 rng(std::random_device{}());
  for (auto& b : info.trace_id.bytes) b = static_cast<uint8_t>(rng());
  info.experiment_id = experiment_id;
  info.request_time_ns = ts.value_or(0) * 1000000;
  info.state = model::TraceState::kInProgress;
  if (p.contains("request_metadata")) info.trace_metadata = KvListToMap(p["request_metadata"]);
  if (p.contains("tags")) info.tags = KvListToMap(p["tags"]);
  ASSIGN_OR_RETURN(model::TraceInfo stored, store_.UpsertTraceInfo(info));
  return Json{{"trace_info", TraceInfoV2ToJson(stored)}};
}

void MlflowRoutes::Register() {
  TraceStore& store = store_;

  // --- experiments ---------------------------------------------------------------------
  Add({"POST"}, "/mlflow/experiments/create", [&store](HttpRequest& req) -> Result<Json> {
    ASSIGN_OR_RETURN(Json p, Params(req));
    ASSIGN_OR_RETURN(std::string name, Str(p, "name", true));
    ASSIGN_OR_RETURN(std::string location, Str(p, "artifact_location", false));
    auto tags = p.contains("tags") ? KvListToMap(p["tags"]) : std::map<std::string, std::string>();
    ASSIGN_OR_RETURN(std::string id, store.CreateExperiment(name, location, tags));
    return Json{{"experiment_id", id}};
  });
  Add({"GET"}, "/mlflow/experiments/get", [&store](HttpRequest& req) -> Result<Json> {
    ASSIGN_OR_RETURN(Json p, Params(req));
    ASSIGN_OR_RETURN(std::string id, Str(p, "experiment_id", true));
    ASSIGN_OR_RETURN(model::Experiment e, store.GetExperiment(id));
    return Json{{"experiment", ExperimentToJson(e)}};
  });
  Add({"GET"}, "/mlflow/experiments/get-by-name", [&store](HttpRequest& req) -> Result<Json> {
    ASSIGN_OR_RETURN(Json p, Params(req));
    ASSIGN_OR_RETURN(std::string name, Str(p, "experiment_name", true));
    ASSIGN_OR_RETURN(model::Experiment e, store.GetExperimentByName(name));
    return Json{{"experiment", ExperimentToJson(e)}};
  });
  Add({"GET", "POST"}, "/mlflow/experiments/search", [&store](HttpRequest& req) -> Result<Json> {
    ASSIGN_OR_RETURN(Json p, Params(req));
    storage::SearchExperimentsRequest sreq;
    ASSIGN_OR_RETURN(sreq.max_results, MaxResults(p, 1000));
    ASSIGN_OR_RETURN(sreq.filter, Str(p, "filter", false));
    ASSIGN_OR_RETURN(sreq.order_by, StrList(p, "order_by"));
    ASSIGN_OR_RETURN(sreq.page_token, Str(p, "page_token", false));
    ASSIGN_OR_RETURN(std::string view, Str(p, "view_type", false));
    if (view == "DELETED_ONLY" || view == "2") sreq.view_type = storage::SearchExperimentsRequest::ViewType::kDeletedOnly;
    else if (view == "ALL" || view == "3") sreq.view_type = storage::SearchExperimentsRequest::ViewType::kAll;
    else if (!view.empty() && view != "ACTIVE_ONLY" && view != "1")
      return InvalidArgumentError("Invalid view_type '" + view + "': use ACTIVE_ONLY, DELETED_ONLY or ALL");
    ASSIGN_OR_RETURN(storage::ExperimentPage page, store.SearchExperiments(sreq));
    Json list = Json::array();
    for (const auto& e : page.experiments) list.push_back(ExperimentToJson(e));
    Json out = {{"experiments", list}};
    if (!page.next_page_token.empty()) out["next_page_token"] = page.next_page_token;
    return out;
  });
  Add({"POST"}, "/mlflow/experiments/update", [&store](HttpRequest& req) -> Result<Json> {
    ASSIGN_OR_RETURN(Json p, Params(req));
    ASSIGN_OR_RETURN(std::string id, Str(p, "experiment_id", true));
    ASSIGN_OR_RETURN(std::string name, Str(p, "new_name", true));
    RETURN_IF_ERROR(store.RenameExperiment(id, name));
    return Json::object();
  });
  Add({"POST"}, "/mlflow/experiments/delete", [&store](HttpRequest& req) -> Result<Json> {
    ASSIGN_OR_RETURN(Json p, Params(req));
    ASSIGN_OR_RETURN(std::string id, Str(p, "experiment_id", true));
    RETURN_IF_ERROR(store.DeleteExperiment(id));
    return Json::object();
  });
  Add({"POST"}, "/mlflow/experiments/restore", [&store](HttpRequest& req) -> Result<Json> {
    ASSIGN_OR_RETURN(Json p, Params(req));
    ASSIGN_OR_RETURN(std::string id, Str(p, "experiment_id", true));
    RETURN_IF_ERROR(store.RestoreExperiment(id));
    return Json::object();
  });
  Add({"POST"}, "/mlflow/experiments/set-experiment-tag", [&store](HttpRequest& req) -> Result<Json> {
    ASSIGN_OR_RETURN(Json p, Params(req));
    ASSIGN_OR_RETURN(std::string id, Str(p, "experiment_id", true));
    ASSIGN_OR_RETURN(std::string key, Str(p, "key", true));
    ASSIGN_OR_RETURN(std::string value, Str(p, "value", false));
    RETURN_IF_ERROR(store.SetExperimentTag(id, key, value));
    return Json::object();
  });
  Add({"POST"}, "/mlflow/experiments/delete-experiment-tag", [&store](HttpRequest& req) -> Result<Json> {
    ASSIGN_OR_RETURN(Json p, Params(req));
    ASSIGN_OR_RETURN(std::string id, Str(p, "experiment_id", true));
    ASSIGN_OR_RETURN(std::string key, Str(p, "key", true));
    RETURN_IF_ERROR(store.DeleteExperimentTag(id, key));
    return Json::object();
  });

  // --- traces --------------------------------------------------------------------------
  Add({"POST"}, "/mlflow/traces", [this](HttpRequest& req) { return StartTrace(req); });
  Add({"POST"}, "/mlflow/traces/search", [this](HttpRequest& req) { return Search(req, true); });
  Add({"GET"}, "/mlflow/traces", [this](HttpRequest& req) { return Search(req, false); }, {"2.0"});
  Add({"GET"}, "/mlflow/traces/{trace_id}", [&store](HttpRequest& req) -> Result<Json> {
    ASSIGN_OR_RETURN(TraceId id, ParseTraceIdParam(req.path_params["trace_id"]));
    ASSIGN_OR_RETURN(model::TraceInfo info, store.GetTraceInfo(id));
    return Json{{"trace", {{"trace_info", TraceInfoV3ToJson(info)}}}};
  }, {"3.0"});
  Add({"GET"}, "/mlflow/traces/{request_id}/info", [&store](HttpRequest& req) -> Result<Json> {
    ASSIGN_OR_RETURN(TraceId id, ParseTraceIdParam(req.path_params["request_id"]));
    ASSIGN_OR_RETURN(model::TraceInfo info, store.GetTraceInfo(id));
    return Json{{"trace_info", TraceInfoV2ToJson(info)}};
  });
  Add({"PATCH"}, "/mlflow/traces/{request_id}", [&store](HttpRequest& req) -> Result<Json> {
    // V2 EndTrace: {timestamp_ms, status, request_metadata, tags}.
    ASSIGN_OR_RETURN(TraceId id, ParseTraceIdParam(req.path_params["request_id"]));
    ASSIGN_OR_RETURN(Json p, Params(req));
    ASSIGN_OR_RETURN(model::TraceInfo info, store.GetTraceInfo(id));
    ASSIGN_OR_RETURN(auto end_ms, Int(p, "timestamp_ms"));
    if (end_ms && *end_ms * 1000000 >= info.request_time_ns)
      info.execution_duration_ns = *end_ms * 1000000 - info.request_time_ns;
    ASSIGN_OR_RETURN(std::string status, Str(p, "status", false));
    if (status == "OK") info.state = model::TraceState::kOk;
    else if (status == "ERROR") info.state = model::TraceState::kError;
    else if (status == "IN_PROGRESS") info.state = model::TraceState::kInProgress;
    else if (!status.empty() && status != "TRACE_STATUS_UNSPECIFIED")
      return InvalidArgumentError("Invalid status '" + status + "'");
    if (p.contains("request_metadata"))
      for (auto& [k, v] : KvListToMap(p["request_metadata"])) info.trace_metadata[k] = v;
    if (p.contains("tags"))
      for (auto& [k, v] : KvListToMap(p["tags"])) info.tags[k] = v;
    info.request_preview.clear();
    info.response_preview.clear();
    ASSIGN_OR_RETURN(model::TraceInfo stored, store.UpsertTraceInfo(info));
    return Json{{"trace_info", TraceInfoV2ToJson(stored)}};
  }, {"2.0"});
  Add({"GET"}, "/mlflow/traces/get", [&store](HttpRequest& req) -> Result<Json> {
    ASSIGN_OR_RETURN(Json p, Params(req));
    ASSIGN_OR_RETURN(std::string raw, Str(p, "trace_id", true));
    ASSIGN_OR_RETURN(TraceId id, ParseTraceIdParam(raw));
    ASSIGN_OR_RETURN(Json trace, TraceWithSpans(store, id));
    return Json{{"trace", trace}};
  });
  Add({"GET", "POST"}, "/mlflow/traces/batchGet", [&store](HttpRequest& req) -> Result<Json> {
    ASSIGN_OR_RETURN(Json p, Params(req));
    ASSIGN_OR_RETURN(std::vector<std::string> ids, StrList(p, "trace_ids"));
    if (ids.empty()) return InvalidArgumentError("Missing value for required parameter 'trace_ids'.");
    if (ids.size() > 1000) return InvalidArgumentError("At most 1000 trace_ids per request");
    Json traces = Json::array();
    for (const auto& raw : ids) {
      ASSIGN_OR_RETURN(TraceId id, ParseTraceIdParam(raw));
      auto trace = TraceWithSpans(store, id);
      if (!trace.ok() && trace.status().code() == StatusCode::kNotFound) continue;
      if (!trace.ok()) return trace.status();
      traces.push_back(std::move(*trace));
    }
    return Json{{"traces", traces}};
  });
  Add({"POST"}, "/mlflow/traces/delete-traces", [&store](HttpRequest& req) -> Result<Json> {
    ASSIGN_OR_RETURN(Json p, Params(req));
    storage::DeleteTracesRequest d;
    ASSIGN_OR_RETURN(d.experiment_id, Str(p, "experiment_id", true));
    RETURN_IF_ERROR(store.GetExperiment(d.experiment_id));
    ASSIGN_OR_RETURN(d.max_timestamp_millis, Int(p, "max_timestamp_millis"));
    ASSIGN_OR_RETURN(d.max_traces, Int(p, "max_traces"));
    ASSIGN_OR_RETURN(std::vector<std::string> ids, StrList(p, "trace_ids"));
    ASSIGN_OR_RETURN(std::vector<std::string> v2_ids, StrList(p, "request_ids"));
    ids.insert(ids.end(), v2_ids.begin(), v2_ids.end());
    for (const auto& raw : ids) {
      ASSIGN_OR_RETURN(TraceId id, ParseTraceIdParam(raw));
      d.trace_ids.push_back(id);
    }
    ASSIGN_OR_RETURN(int64_t n, store.DeleteTraces(d));
    return Json{{"traces_deleted", n}};
  });
  Add({"PATCH"}, "/mlflow/traces/{trace_id}/tags", [&store](HttpRequest& req) -> Result<Json> {
    ASSIGN_OR_RETURN(TraceId id, ParseTraceIdParam(req.path_params["trace_id"]));
    ASSIGN_OR_RETURN(Json p, Params(req));
    ASSIGN_OR_RETURN(std::string key, Str(p, "key", true));
    ASSIGN_OR_RETURN(std::string value, Str(p, "value", false));
    RETURN_IF_ERROR(store.SetTraceTag(id, key, value));
    return Json::object();
  });
  Add({"DELETE"}, "/mlflow/traces/{trace_id}/tags", [&store](HttpRequest& req) -> Result<Json> {
    ASSIGN_OR_RETURN(TraceId id, ParseTraceIdParam(req.path_params["trace_id"]));
    ASSIGN_OR_RETURN(Json p, Params(req));
    ASSIGN_OR_RETURN(std::string key, Str(p, "key", true));
    RETURN_IF_ERROR(store.DeleteTraceTag(id, key));
    return Json::object();
  });
  Add({"POST"}, "/mlflow/traces/link-to-run", [&store](HttpRequest& req) -> Result<Json> {
    ASSIGN_OR_RETURN(Json p, Params(req));
    ASSIGN_OR_RETURN(std::string run_id, Str(p, "run_id", true));
    ASSIGN_OR_RETURN(std::vector<std::string> ids, StrList(p, "trace_ids"));
    for (const auto& raw : ids) {
      ASSIGN_OR_RETURN(TraceId id, ParseTraceIdParam(raw));
      RETURN_IF_ERROR(store.SetTraceMetadata(id, "mlflow.sourceRun", run_id));
    }
    return Json::object();
  });

  // --- assessments ---------------------------------------------------------------------
  Add({"POST"}, "/mlflow/traces/{trace_id}/assessments", [&store](HttpRequest& req) -> Result<Json> {
    ASSIGN_OR_RETURN(TraceId id, ParseTraceIdParam(req.path_params["trace_id"]));
    ASSIGN_OR_RETURN(Json p, Params(req));
    if (!p.contains("assessment")) return InvalidArgumentError("Missing value for required parameter 'assessment'.");
    ASSIGN_OR_RETURN(model::Assessment a, AssessmentFromJson(p["assessment"]));
    if (!a.trace_id.empty() && ParseMlflowTraceId(a.trace_id) != id)
      return InvalidArgumentError("assessment.trace_id does not match the trace in the path");
    a.trace_id = MlflowTraceId(id);
    ASSIGN_OR_RETURN(model::Assessment stored, store.CreateAssessment(a));
    return Json{{"assessment", AssessmentToJson(stored)}};
  });
  Add({"GET"}, "/mlflow/traces/{trace_id}/assessments/{assessment_id}", [&store](HttpRequest& req) -> Result<Json> {
    ASSIGN_OR_RETURN(TraceId id, ParseTraceIdParam(req.path_params["trace_id"]));
    ASSIGN_OR_RETURN(model::Assessment a, store.GetAssessment(id, req.path_params["assessment_id"]));
    return Json{{"assessment", AssessmentToJson(a)}};
  });
  Add({"PATCH"}, "/mlflow/traces/{trace_id}/assessments/{assessment_id}", [&store](HttpRequest& req) -> Result<Json> {
    ASSIGN_OR_RETURN(TraceId id, ParseTraceIdParam(req.path_params["trace_id"]));
    ASSIGN_OR_RETURN(Json p, Params(req));
    if (!p.contains("assessment")) return InvalidArgumentError("Missing value for required parameter 'assessment'.");
    ASSIGN_OR_RETURN(model::Assessment a, AssessmentFromJson(p["assessment"]));
    // update_mask: FieldMask JSON ("a,b", camelCase or snake_case) or {"paths": [...]}.
    std::vector<std::string> paths;
    if (p.contains("update_mask")) {
      const auto& m = p["update_mask"];
      if (m.is_string()) {
        std::string s = m.get<std::string>();
        size_t start = 0;
        while (start <= s.size()) {
          size_t comma = s.find(',', start);
          if (comma == std::string::npos) comma = s.size();
          if (comma > start) paths.push_back(s.substr(start, comma - start));
          start = comma + 1;
        }
      } else if (m.is_object() && m.contains("paths") && m["paths"].is_array()) {
        for (const auto& x : m["paths"]) if (x.is_string()) paths.push_back(x.get<std::string>());
      }
    }
    const Json& raw = p["assessment"];
    auto wants = [&](const char* snake, const char* camel) {
      if (paths.empty()) return raw.contains(snake);
      return std::find(paths.begin(), paths.end(), snake) != paths.end() ||
             std::find(paths.begin(), paths.end(), camel) != paths.end();
    };
    storage::AssessmentUpdate u;
    if (wants("assessment_name", "assessmentName")) u.assessment_name = a.assessment_name;
    if (wants("feedback", "feedback")) {
      if (!a.feedback) return InvalidArgumentError("update_mask names feedback but the assessment has none");
      u.feedback = a.feedback;
    }
    if (wants("expectation", "expectation")) {
      if (!a.expectation) return InvalidArgumentError("update_mask names expectation but the assessment has none");
      u.expectation = a.expectation;
    }
    if (wants("rationale", "rationale")) u.rationale = a.rationale;
    if (wants("metadata", "metadata")) u.metadata = a.metadata;
    if (wants("valid", "valid")) u.valid = a.valid;
    ASSIGN_OR_RETURN(model::Assessment stored, store.UpdateAssessment(id, req.path_params["assessment_id"], u));
    return Json{{"assessment", AssessmentToJson(stored)}};
  });
  Add({"DELETE"}, "/mlflow/traces/{trace_id}/assessments/{assessment_id}", [&store](HttpRequest& req) -> Result<Json> {
    ASSIGN_OR_RETURN(TraceId id, ParseTraceIdParam(req.path_params["trace_id"]));
    RETURN_IF_ERROR(store.DeleteAssessment(id, req.path_params["assessment_id"]));
    return Json::object();
  });

  // --- server ---------------------------------------------------------------------------
  std::string version = options_.server_version;
  router_.Add("GET", "/version", [version](HttpRequest&, HttpResponse& res) {
    res.content_type = "text/plain";
    res.body = version;
  });
  router_.Add("GET", "/health", [](HttpRequest&, HttpResponse& res) {
    res.content_type = "text/plain";
    res.body = "OK";
  });
}

}  // namespace

void RegisterMlflowRoutes(Router& router, TraceStore& store, const MlflowApiOptions& options) {
  // The route table keeps references into this object for the server's life.
  static std::vector<std::unique_ptr<MlflowRoutes>> keep_alive;
  keep_alive.push_back(std::make_unique<MlflowRoutes>(router, store, options));
  keep_alive.back()->Register();
}

}  // namespace tracelake::server
