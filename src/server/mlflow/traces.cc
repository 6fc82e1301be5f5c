// Reading traces: GetTraceInfoV3, the V2 GetTraceInfo, GetTrace (with spans), BatchGetTraces,
// BatchGetTraceInfos, SearchTracesV3 and the V2 SearchTraces.
#include <algorithm>

#include "query/filter.h"
#include "server/http/errors.h"
#include "server/mlflow/routes.h"
#include "server/mlflow/span_json.h"

namespace tracelake::server {
namespace {

struct TraceReadDeps {
  storage::TraceStore& store;
  TraceReadOptions options;
};

Json TraceJson(const model::Trace& t, const TraceReadDeps& ctx) {
  Json spans = Json::array();
  for (const auto& s : t.spans) spans.push_back(SpanToOtlpJson(s));
  return {{"trace_info", TraceInfoV3ToJson(t.info, ctx.options.artifact_root)},
          {"spans", std::move(spans)}};
}

Result<Json> GetTraceInfoV3(const HttpRequest& req, const TraceReadDeps& ctx) {
  ASSIGN_OR_RETURN(std::string raw, PathParam(req, "trace_id"));
  ASSIGN_OR_RETURN(TraceId id, ParseTraceIdParam(raw, "trace_id"));
  ASSIGN_OR_RETURN(model::TraceInfo info, ctx.store.GetTraceInfo(id));
  return Json{{"trace", {{"trace_info", TraceInfoV3ToJson(info, ctx.options.artifact_root)}}}};
}

Result<Json> GetTraceInfoV2(const HttpRequest& req, const TraceReadDeps& ctx) {
  ASSIGN_OR_RETURN(std::string raw, PathParam(req, "request_id"));
  ASSIGN_OR_RETURN(TraceId id, ParseTraceIdParam(raw, "request_id"));
  ASSIGN_OR_RETURN(model::TraceInfo info, ctx.store.GetTraceInfo(id));
  return Json{{"trace_info", TraceInfoV2ToJson(info, ctx.options.artifact_root)}};
}

Result<model::Trace> ReadGetTrace(const HttpRequest& req, const TraceReadDeps& ctx) {
  ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
  ParamReader p(params);
  ASSIGN_OR_RETURN(std::string raw, p.RequiredString("trace_id"));
  ASSIGN_OR_RETURN(TraceId id, ParseTraceIdParam(raw, "trace_id"));
  // allow_partial: tracelake always answers with the spans stored so far.
  ASSIGN_OR_RETURN(std::optional<bool> allow_partial, p.OptBool("allow_partial"));
  (void)allow_partial;
  return ctx.store.GetTrace(id);
}

// {"trace": {"spans": [...], "trace_info": {...}}}, the text DumpJson would make of TraceJson,
// written span by span: a 100,000-span trace never becomes one Json tree.
void GetTrace(const HttpRequest& req, HttpResponse& res, const TraceReadDeps& ctx) {
  Result<model::Trace> trace = ReadGetTrace(req, ctx);
  if (!trace.ok()) return SetMlflowError(res, trace.status());
  std::string body;
  body.reserve(256 + trace->spans.size() * 512);
  body += "{\"trace\":{\"spans\":[";
  for (size_t i = 0; i < trace->spans.size(); ++i) {
    if (i != 0) body += ',';
    AppendSpanOtlpJson(trace->spans[i], body);
  }
  body += "],\"trace_info\":";
  body += DumpJson(TraceInfoV3ToJson(trace->info, ctx.options.artifact_root));
  body += "}}";
  res.status = 200;
  res.content_type = "application/json";
  res.body = std::move(body);
}

// trace_ids (required, at most max_batch_trace_ids) and the optional experiment_ids scope.
struct BatchRequest {
  std::vector<TraceId> ids;
  std::vector<std::string> experiment_ids;
  bool InScope(const std::string& experiment_id) const {
    return experiment_ids.empty() || std::find(experiment_ids.begin(), experiment_ids.end(),
                                               experiment_id) != experiment_ids.end();
  }
};

Result<BatchRequest> ReadBatch(const HttpRequest& req, const TraceReadDeps& ctx) {
  ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
  ParamReader p(params);
  BatchRequest b;
  ASSIGN_OR_RETURN(std::vector<std::string> raw, p.StringList("trace_ids", /*required=*/true));
  if (raw.size() > static_cast<size_t>(ctx.options.max_batch_trace_ids))
    return InvalidArgumentError("Too many trace_ids: at most " +
                                std::to_string(ctx.options.max_batch_trace_ids) +
                                " per request, got " + std::to_string(raw.size()) + ".");
  for (const auto& s : raw) {
    ASSIGN_OR_RETURN(TraceId id, ParseTraceIdParam(s, "trace_ids"));
    if (std::find(b.ids.begin(), b.ids.end(), id) == b.ids.end()) b.ids.push_back(id);
  }
  ASSIGN_OR_RETURN(b.experiment_ids, p.StringList("experiment_ids", false, /*allow_number=*/true));
  return b;
}

// Unknown trace ids are left out of the answer, as MLflow's batch_get_traces does.
Result<Json> BatchGetTraces(const HttpRequest& req, const TraceReadDeps& ctx) {
  ASSIGN_OR_RETURN(BatchRequest b, ReadBatch(req, ctx));
  Json traces = Json::array();
  for (const TraceId& id : b.ids) {
    auto trace = ctx.store.GetTrace(id);
    if (!trace.ok() && trace.status().code() == StatusCode::kNotFound) continue;
    if (!trace.ok()) return trace.status();
    if (b.InScope(trace->info.experiment_id)) traces.push_back(TraceJson(*trace, ctx));
  }
  return Json{{"traces", std::move(traces)}};
}

Result<Json> BatchGetTraceInfos(const HttpRequest& req, const TraceReadDeps& ctx) {
  ASSIGN_OR_RETURN(BatchRequest b, ReadBatch(req, ctx));
  Json infos = Json::array();
  for (const TraceId& id : b.ids) {
    auto info = ctx.store.GetTraceInfo(id);
    if (!info.ok() && info.status().code() == StatusCode::kNotFound) continue;
    if (!info.ok()) return info.status();
    if (b.InScope(info->experiment_id))
      infos.push_back(TraceInfoV3ToJson(*info, ctx.options.artifact_root));
  }
  return Json{{"trace_infos", std::move(infos)}};
}

// Search over experiment_ids with MLflow's filter / order_by / paging parameters. An unknown
// experiment matches nothing (as in MLflow); a bad filter, order_by or page token is a 400.
Result<storage::TracePage> Search(const ParamReader& p, std::vector<std::string> experiment_ids,
                                  const TraceReadDeps& ctx) {
  ASSIGN_OR_RETURN(std::string filter, p.StringOr("filter"));
  ASSIGN_OR_RETURN(std::vector<std::string> order_by, p.StringList("order_by"));
  ASSIGN_OR_RETURN(auto max_results, p.OptInt("max_results", 1, ctx.options.max_trace_page_size));
  ASSIGN_OR_RETURN(std::string page_token, p.StringOr("page_token"));
  ASSIGN_OR_RETURN(std::unique_ptr<query::Expr> expr, query::ParseFilter(filter));
  ASSIGN_OR_RETURN(std::vector<query::OrderBy> order, query::ParseOrderBy(order_by));
  storage::TraceSearchRequest sreq;
  sreq.experiment_ids = std::move(experiment_ids);
  sreq.filter = expr.get();
  sreq.order_by = std::move(order);
  sreq.max_results = static_cast<int>(max_results.value_or(100));
  sreq.page_token = std::move(page_token);
  return ctx.store.SearchTraces(sreq);
}

Result<Json> SearchTracesV3(const HttpRequest& req, const TraceReadDeps& ctx) {
  ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
  ParamReader p(params);
  std::vector<std::string> experiments;
  if (const Json* locations = p.Get("locations")) {
    if (!locations->is_array()) return p.Invalid("locations", *locations);
    for (size_t i = 0; i < locations->size(); ++i) {
      const Json& loc = (*locations)[i];
      const std::string path = "locations[" + std::to_string(i) + "]";
      if (!loc.is_object()) return ParamReader(params).Invalid(path, loc);
      ParamReader l(loc, path);
      ASSIGN_OR_RETURN(std::optional<ParamReader> exp, l.OptObject("mlflow_experiment"));
      if (!exp) continue;  // MLflow's handler skips non-experiment locations
      ASSIGN_OR_RETURN(std::string id, exp->RequiredString("experiment_id", /*allow_number=*/true));
      experiments.push_back(std::move(id));
    }
  }
  ASSIGN_OR_RETURN(std::vector<std::string> by_id, p.StringList("experiment_ids", false, true));
  experiments.insert(experiments.end(), by_id.begin(), by_id.end());
  if (experiments.empty()) {
    if (p.Has("locations"))
      return InvalidArgumentError(
          "Invalid value for parameter 'locations' supplied: at least one MLFLOW_EXPERIMENT "
          "location with an experiment_id is required.");
    return p.Missing("locations");
  }
  ASSIGN_OR_RETURN(storage::TracePage page, Search(p, std::move(experiments), ctx));
  Json traces = Json::array();
  for (const auto& t : page.traces)
    traces.push_back(TraceInfoV3ToJson(t, ctx.options.artifact_root));
  Json out = {{"traces", std::move(traces)}};
  if (!page.next_page_token.empty()) out["next_page_token"] = page.next_page_token;
  return out;
}

Result<Json> SearchTracesV2(const HttpRequest& req, const TraceReadDeps& ctx) {
  ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
  ParamReader p(params);
  ASSIGN_OR_RETURN(std::vector<std::string> experiments,
                   p.StringList("experiment_ids", /*required=*/true, /*allow_number=*/true));
  if (experiments.empty()) return p.Missing("experiment_ids");
  ASSIGN_OR_RETURN(storage::TracePage page, Search(p, std::move(experiments), ctx));
  Json traces = Json::array();
  for (const auto& t : page.traces)
    traces.push_back(TraceInfoV2ToJson(t, ctx.options.artifact_root));
  Json out = {{"traces", std::move(traces)}};
  if (!page.next_page_token.empty()) out["next_page_token"] = page.next_page_token;
  return out;
}

}  // namespace

void RegisterTraceReadRoutes(MlflowRouteTable& table, storage::TraceStore& store,
                             const TraceReadOptions& options) {
  BoundRoutes<TraceReadDeps> routes(table, TraceReadDeps{store, options});
  routes.Add({"GET"}, 3, "/mlflow/traces/{trace_id}", Scope::kRead, GetTraceInfoV3);
  routes.Add({"GET"}, 2, "/mlflow/traces/{request_id}/info", Scope::kRead, GetTraceInfoV2);
  routes.AddRaw({"GET"}, 3, "/mlflow/traces/get", Scope::kRead, GetTrace);
  routes.Add({"GET"}, 3, "/mlflow/traces/batchGet", Scope::kRead, BatchGetTraces);
  routes.Add({"POST"}, 3, "/mlflow/traces/batchGetInfos", Scope::kRead, BatchGetTraceInfos);
  routes.Add({"POST"}, 3, "/mlflow/traces/search", Scope::kRead, SearchTracesV3);
  routes.Add({"GET"}, 2, "/mlflow/traces", Scope::kRead, SearchTracesV2);
}

}  // namespace tracelake::server
