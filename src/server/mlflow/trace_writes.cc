// Writing traces: StartTraceV3, the V2 StartTrace / EndTrace, delete-traces (V3 and V2),
// trace tags (V3 and V2), link-to-run and link-prompts.
#include <algorithm>

#include "server/mlflow/messages.h"
#include "server/mlflow/routes.h"

namespace tracelake::server {
namespace {

constexpr int kMaxLinkTraceIds = 100;  // MLflow's LinkTracesToRun limit
constexpr char kSourceRunMetadata[] = "mlflow.sourceRun";
constexpr char kLinkedPromptsTag[] = "mlflow.linkedPrompts";

struct TraceWriteDeps {
  storage::TraceStore& store;
  storage::ExperimentStore& experiments;
  TraceWriteOptions options;

  int64_t NowUnixNanos() const { return options.clock->NowUnixNanos(); }
  TraceId NewTraceId() const { return options.new_trace_id(); }
};

// Traces go only to active experiments: unknown -> 404, deleted -> 400 (MLflow's wording).
Status CheckExperimentActive(storage::ExperimentStore& store, const std::string& experiment_id) {
  auto e = store.GetExperiment(experiment_id);
  if (!e.ok() && e.status().code() == StatusCode::kNotFound)
    return ExperimentNotFoundError(experiment_id);
  if (!e.ok()) return e.status();
  if (e->lifecycle_stage != model::LifecycleStage::kActive)
    return InvalidArgumentError("The experiment " + experiment_id +
                                " must be in the 'active' state. Current state is deleted.");
  return OkStatus();
}

Result<Json> StartTraceV3Body(const ParamReader& p, const TraceWriteDeps& ctx) {
  ASSIGN_OR_RETURN(ParamReader trace, p.RequiredObject("trace"));
  ASSIGN_OR_RETURN(ParamReader info_json, trace.RequiredObject("trace_info"));
  ASSIGN_OR_RETURN(model::TraceInfo info, TraceInfoV3FromJson(info_json));
  RETURN_IF_ERROR(CheckExperimentActive(ctx.experiments, info.experiment_id));
  ASSIGN_OR_RETURN(model::TraceInfo stored, ctx.store.UpsertTraceInfo(info));
  return Json{{"trace", {{"trace_info", TraceInfoV3ToJson(stored, ctx.options.artifact_root)}}}};
}

Result<Json> StartTraceV3(const HttpRequest& req, const TraceWriteDeps& ctx) {
  ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
  return StartTraceV3Body(ParamReader(params), ctx);
}

// V2: the server picks the trace id; the trace starts IN_PROGRESS.
Result<Json> StartTraceV2(const HttpRequest& req, const TraceWriteDeps& ctx) {
  ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
  ParamReader p(params);
  if (p.Has("trace")) return StartTraceV3Body(p, ctx);  // a V3 body sent to the V2 path
  model::TraceInfo info;
  ASSIGN_OR_RETURN(info.experiment_id, p.RequiredString("experiment_id", /*allow_number=*/true));
  ASSIGN_OR_RETURN(auto timestamp_ms, p.OptInt("timestamp_ms", 0));
  ASSIGN_OR_RETURN(info.trace_metadata, p.StringMap("request_metadata"));
  ASSIGN_OR_RETURN(info.tags, p.StringMap("tags"));
  RETURN_IF_ERROR(CheckExperimentActive(ctx.experiments, info.experiment_id));
  info.trace_id = ctx.NewTraceId();
  info.request_time_ns = timestamp_ms ? *timestamp_ms * 1000000 : ctx.NowUnixNanos();
  info.state = model::TraceState::kInProgress;
  ASSIGN_OR_RETURN(model::TraceInfo stored, ctx.store.UpsertTraceInfo(info));
  return Json{{"trace_info", TraceInfoV2ToJson(stored, ctx.options.artifact_root)}};
}

Result<Json> EndTraceV2(const HttpRequest& req, const TraceWriteDeps& ctx) {
  ASSIGN_OR_RETURN(std::string raw, PathParam(req, "request_id"));
  ASSIGN_OR_RETURN(TraceId id, ParseTraceIdParam(raw, "request_id"));
  ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
  ParamReader p(params);
  ASSIGN_OR_RETURN(auto timestamp_ms, p.OptInt("timestamp_ms", 0));
  ASSIGN_OR_RETURN(auto metadata, p.StringMap("request_metadata"));
  ASSIGN_OR_RETURN(auto tags, p.StringMap("tags"));
  std::optional<model::TraceState> state;
  if (const Json* status = p.Get("status")) {
    ASSIGN_OR_RETURN(state, ParseTraceState(*status, "status"));
  }
  ASSIGN_OR_RETURN(model::TraceInfo info, ctx.store.GetTraceInfo(id));
  const int64_t end_ns = timestamp_ms ? *timestamp_ms * 1000000 : ctx.NowUnixNanos();
  info.execution_duration_ns = std::max<int64_t>(0, end_ns - info.request_time_ns);
  if (state) info.state = *state;
  for (auto& [k, v] : metadata) info.trace_metadata[k] = v;
  for (auto& [k, v] : tags) info.tags[k] = v;
  // Previews come from spans; only ones a client sets explicitly are stored as given.
  info.request_preview.clear();
  info.response_preview.clear();
  ASSIGN_OR_RETURN(model::TraceInfo stored, ctx.store.UpsertTraceInfo(info));
  return Json{{"trace_info", TraceInfoV2ToJson(stored, ctx.options.artifact_root)}};
}

// V3 and V2 share one body; ids come as request_ids (the proto field of both) or trace_ids.
Result<Json> DeleteTraces(const HttpRequest& req, const TraceWriteDeps& ctx) {
  ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
  ParamReader p(params);
  storage::DeleteTracesRequest d;
  ASSIGN_OR_RETURN(d.experiment_id, p.RequiredString("experiment_id", /*allow_number=*/true));
  ASSIGN_OR_RETURN(d.max_timestamp_millis, p.OptInt("max_timestamp_millis"));
  ASSIGN_OR_RETURN(d.max_traces, p.OptInt("max_traces"));
  ASSIGN_OR_RETURN(std::vector<std::string> ids, p.StringList("request_ids"));
  ASSIGN_OR_RETURN(std::vector<std::string> trace_ids, p.StringList("trace_ids"));
  ids.insert(ids.end(), trace_ids.begin(), trace_ids.end());
  // MLflow's checks (AbstractStore.delete_traces), in its words.
  if (!d.max_timestamp_millis && ids.empty())
    return InvalidArgumentError("Either `max_timestamp_millis` or `trace_ids` must be specified.");
  if (d.max_timestamp_millis && !ids.empty())
    return InvalidArgumentError(
        "Only one of `max_timestamp_millis` and `trace_ids` can be specified.");
  if (!ids.empty() && d.max_traces)
    return InvalidArgumentError("`max_traces` can't be specified if `trace_ids` is specified.");
  if (d.max_traces && *d.max_traces <= 0)
    return InvalidArgumentError("`max_traces` must be a positive integer, received " +
                                std::to_string(*d.max_traces) + ".");
  for (const auto& raw : ids) {
    ASSIGN_OR_RETURN(TraceId id, ParseTraceIdParam(raw, "trace_ids"));
    d.trace_ids.push_back(id);
  }
  RETURN_IF_ERROR(CheckExperimentExists(ctx.experiments, d.experiment_id));
  ASSIGN_OR_RETURN(int64_t n, ctx.store.DeleteTraces(d));
  return Json{{"traces_deleted", n}};
}

BoundRoutes<TraceWriteDeps>::JsonHandler SetTraceTag(const std::string& id_param) {
  return [id_param](const HttpRequest& req, const TraceWriteDeps& ctx) -> Result<Json> {
    ASSIGN_OR_RETURN(std::string raw, PathParam(req, id_param));
    ASSIGN_OR_RETURN(TraceId id, ParseTraceIdParam(raw, id_param));
    ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
    ParamReader p(params);
    ASSIGN_OR_RETURN(std::string key, p.RequiredString("key"));
    ASSIGN_OR_RETURN(std::string value, p.StringOr("value"));
    RETURN_IF_ERROR(ctx.store.SetTraceTag(id, key, value));
    return Json::object();
  };
}

// The key comes in the JSON body (MLflow's clients) or the query string.
BoundRoutes<TraceWriteDeps>::JsonHandler DeleteTraceTag(const std::string& id_param) {
  return [id_param](const HttpRequest& req, const TraceWriteDeps& ctx) -> Result<Json> {
    ASSIGN_OR_RETURN(std::string raw, PathParam(req, id_param));
    ASSIGN_OR_RETURN(TraceId id, ParseTraceIdParam(raw, id_param));
    ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
    ParamReader p(params);
    ASSIGN_OR_RETURN(std::string key, p.RequiredString("key"));
    RETURN_IF_ERROR(ctx.store.DeleteTraceTag(id, key));
    return Json::object();
  };
}

// MLflow keeps run links in a side table; tracelake records the run as the trace's
// mlflow.sourceRun metadata (what the run_id search filter reads) unless one is already set. The
// run must exist, so a run_id search finds only traces of real runs.
Result<Json> LinkTracesToRun(const HttpRequest& req, const TraceWriteDeps& ctx) {
  ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
  ParamReader p(params);
  ASSIGN_OR_RETURN(std::string run_id, p.RequiredString("run_id"));
  ASSIGN_OR_RETURN(std::vector<std::string> raw, p.StringList("trace_ids", /*required=*/true));
  if (raw.size() > kMaxLinkTraceIds)
    return InvalidArgumentError("Cannot link more than " + std::to_string(kMaxLinkTraceIds) +
                                " traces to a run in a single request. Provided " +
                                std::to_string(raw.size()) + " traces.");
  std::vector<TraceId> ids;
  for (const auto& s : raw) {
    ASSIGN_OR_RETURN(TraceId id, ParseTraceIdParam(s, "trace_ids"));
    ids.push_back(id);
  }
  if (ctx.options.runs != nullptr) RETURN_IF_ERROR(ctx.options.runs->GetRun(run_id).status());
  for (const TraceId& id : ids) {
    ASSIGN_OR_RETURN(model::TraceInfo info, ctx.store.GetTraceInfo(id));
    if (!info.trace_metadata.contains(kSourceRunMetadata))
      RETURN_IF_ERROR(ctx.store.SetTraceMetadata(id, kSourceRunMetadata, run_id));
  }
  return Json::object();
}

// Linked prompt versions live in the mlflow.linkedPrompts tag as [{"name", "version"}].
Result<Json> LinkPromptsToTrace(const HttpRequest& req, const TraceWriteDeps& ctx) {
  ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
  ParamReader p(params);
  ASSIGN_OR_RETURN(std::string raw, p.RequiredString("trace_id"));
  ASSIGN_OR_RETURN(TraceId id, ParseTraceIdParam(raw, "trace_id"));
  const Json* versions = p.Get("prompt_versions");
  if (versions == nullptr) return p.Missing("prompt_versions");
  if (!versions->is_array()) return p.Invalid("prompt_versions", *versions);
  ASSIGN_OR_RETURN(model::TraceInfo info, ctx.store.GetTraceInfo(id));
  Json linked = Json::array();
  if (auto it = info.tags.find(kLinkedPromptsTag); it != info.tags.end()) {
    auto existing = ParseJsonBody(it->second);
    if (existing.ok() && existing->is_array()) linked = std::move(*existing);
  }
  for (size_t i = 0; i < versions->size(); ++i) {
    const Json& v = (*versions)[i];
    if (!v.is_object()) return p.Invalid("prompt_versions", v);
    ParamReader r(v, "prompt_versions[" + std::to_string(i) + "]");
    ASSIGN_OR_RETURN(std::string name, r.RequiredString("name"));
    ASSIGN_OR_RETURN(std::string version, r.RequiredString("version", /*allow_number=*/true));
    Json entry = {{"name", name}, {"version", version}};
    if (std::find(linked.begin(), linked.end(), entry) == linked.end()) linked.push_back(entry);
  }
  RETURN_IF_ERROR(ctx.store.SetTraceTag(id, kLinkedPromptsTag, DumpJson(linked)));
  return Json::object();
}

}  // namespace

void RegisterTraceWriteRoutes(MlflowRouteTable& table, storage::TraceStore& store,
                              storage::ExperimentStore& experiments,
                              const TraceWriteOptions& options) {
  BoundRoutes<TraceWriteDeps> routes(table, TraceWriteDeps{store, experiments, options});
  // Trace submission by MLflow's clients is ingest, like OTLP: an agent logging with MLflow's
  // client sends StartTraceV3 (or the V2 StartTrace + EndTrace) and the traces.json upload
  // (artifacts.cc), and an agent's token should carry no more than kIngest. These calls only
  // record the caller's own trace; reading other traces back, tags, links and deletes need more.
  routes.Add({"POST"}, 3, "/mlflow/traces", Scope::kIngest, StartTraceV3);
  routes.Add({"POST"}, 2, "/mlflow/traces", Scope::kIngest, StartTraceV2);
  routes.Add({"PATCH"}, 2, "/mlflow/traces/{request_id}", Scope::kIngest, EndTraceV2);
  routes.Add({"POST"}, 3, "/mlflow/traces/delete-traces", Scope::kWrite, DeleteTraces);
  routes.Add({"POST"}, 2, "/mlflow/traces/delete-traces", Scope::kWrite, DeleteTraces);
  routes.Add({"PATCH"}, 3, "/mlflow/traces/{trace_id}/tags", Scope::kWrite,
             SetTraceTag("trace_id"));
  routes.Add({"DELETE"}, 3, "/mlflow/traces/{trace_id}/tags", Scope::kWrite,
             DeleteTraceTag("trace_id"));
  routes.Add({"PATCH"}, 2, "/mlflow/traces/{request_id}/tags", Scope::kWrite,
             SetTraceTag("request_id"));
  routes.Add({"DELETE"}, 2, "/mlflow/traces/{request_id}/tags", Scope::kWrite,
             DeleteTraceTag("request_id"));
  routes.Add({"POST"}, 2, "/mlflow/traces/link-to-run", Scope::kWrite, LinkTracesToRun);
  routes.Add({"POST"}, 2, "/mlflow/traces/link-prompts", Scope::kWrite, LinkPromptsToTrace);
}

}  // namespace tracelake::server
