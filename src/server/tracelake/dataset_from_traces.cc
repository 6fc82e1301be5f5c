// POST /api/2.0/tracelake/datasets/{dataset_id}/records/from-traces: turns stored traces into
// dataset records the way MLflow's EvaluationDataset.merge_records(traces) does
// (_process_trace_records): inputs and outputs of the root span, the trace's valid expectation
// assessments as expectations (name -> value), source TRACE with the trace id (and the session
// id when the trace has one). Body: either "trace_ids", or "experiment_ids" + "filter" (MLflow's
// trace search language) + "max_results" (default 100, at most 1000).
//
// PATCH /api/2.0/tracelake/datasets/{dataset_id}/records/{record_id}: edits one record in place
// (DatasetStore::ReplaceRecord): "inputs", "expectations", "outputs", "tags" as JSON values, each
// given one replacing the stored value whole. MLflow's upsert can only add expectation keys and
// never change a record's inputs; an editor needs both.
#include <memory>

#include "query/filter.h"
#include "server/mlflow/datasets.h"

namespace tracelake::server {
namespace {

constexpr int64_t kMaxTraces = 1000;
constexpr char kSessionKey[] = "mlflow.trace.session";

struct FromTracesDeps {
  storage::DatasetStore& datasets;
  storage::TraceStore& traces;
};

Json ParseOr(const std::string& text, Json fallback) {
  if (text.empty()) return fallback;
  // The request body's depth limit applies to stored span content too.
  Result<Json> v = ParseJsonBody(text);
  return v.ok() ? *v : Json(text);
}

// The root span: the one without a parent, else (a fragmented trace) the earliest.
const model::Span* RootSpan(const model::Trace& t) {
  for (const auto& s : t.spans)
    if (s.is_root()) return &s;
  return t.spans.empty() ? nullptr : &t.spans.front();
}

storage::DatasetRecordInput RecordFromTrace(const model::Trace& t) {
  const model::Span* root = RootSpan(t);
  Json inputs = root != nullptr ? ParseOr(root->view.inputs_json, Json::object()) : Json::object();
  // Record inputs are a JSON object; a root span called with one plain value keeps it whole.
  if (!inputs.is_object()) inputs = Json{{"input", inputs}};
  storage::DatasetRecordInput r;
  r.inputs_json = DumpJson(inputs);
  if (root != nullptr && !root->view.outputs_json.empty())
    r.outputs_json = DumpJson(ParseOr(root->view.outputs_json, Json()));
  Json expectations = Json::object();
  for (const auto& a : t.info.assessments)
    if (a.expectation && a.valid)
      expectations[a.assessment_name] = ParseOr(a.expectation->value_json, Json());
  r.expectations_json = DumpJson(expectations);
  Json data = {{"trace_id", MlflowTraceId(t.info.trace_id)}};
  auto session = t.info.trace_metadata.find(kSessionKey);
  if (session != t.info.trace_metadata.end()) data["session_id"] = session->second;
  r.source_json = DumpJson(Json{{"source_type", "TRACE"}, {"source_data", data}});
  return r;
}

// The traces the request names, newest first for a search.
Result<std::vector<TraceId>> SelectTraces(const ParamReader& p, storage::TraceStore& traces) {
  ASSIGN_OR_RETURN(std::vector<std::string> ids, p.StringList("trace_ids"));
  std::vector<TraceId> out;
  if (!ids.empty()) {
    if (static_cast<int64_t>(ids.size()) > kMaxTraces)
      return InvalidArgumentError("Too many trace_ids: at most " + std::to_string(kMaxTraces));
    for (const auto& id : ids) {
      ASSIGN_OR_RETURN(TraceId t, ParseTraceIdParam(id, "trace_ids"));
      out.push_back(t);
    }
    return out;
  }
  storage::TraceSearchRequest req;
  ASSIGN_OR_RETURN(req.experiment_ids, p.StringList("experiment_ids", true, true));
  ASSIGN_OR_RETURN(std::string filter, p.StringOr("filter"));
  ASSIGN_OR_RETURN(std::unique_ptr<query::Expr> expr, query::ParseFilter(filter));
  req.filter = expr.get();
  ASSIGN_OR_RETURN(std::optional<int64_t> max, p.OptInt("max_results", 1, kMaxTraces));
  const size_t limit = static_cast<size_t>(max.value_or(100));
  req.include_assessments = false;
  do {
    req.max_results = static_cast<int>(std::min<size_t>(100, limit - out.size()));
    ASSIGN_OR_RETURN(storage::TracePage page, traces.SearchTraces(req));
    for (const auto& info : page.traces) out.push_back(info.trace_id);
    req.page_token = page.next_page_token;
  } while (!req.page_token.empty() && out.size() < limit);
  return out;
}

Result<Json> FromTraces(const HttpRequest& req, const FromTracesDeps& deps) {
  ASSIGN_OR_RETURN(std::string dataset_id, PathParam(req, "dataset_id"));
  ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
  ParamReader p(params);
  // An unknown dataset fails before any trace is read.
  RETURN_IF_ERROR(deps.datasets.GetDataset(dataset_id).status());
  ASSIGN_OR_RETURN(std::vector<TraceId> ids, SelectTraces(p, deps.traces));
  std::vector<storage::DatasetRecordInput> records;
  records.reserve(ids.size());
  for (const TraceId& id : ids) {
    ASSIGN_OR_RETURN(model::Trace trace, deps.traces.GetTrace(id));
    records.push_back(RecordFromTrace(trace));
  }
  storage::UpsertCounts counts;
  if (!records.empty()) {
    ASSIGN_OR_RETURN(counts, deps.datasets.UpsertRecords(dataset_id, records));
  }
  return Json{{"trace_count", ids.size()},
              {"inserted_count", counts.inserted},
              {"updated_count", counts.updated}};
}

Result<Json> ReplaceRecord(const HttpRequest& req, const FromTracesDeps& deps) {
  ASSIGN_OR_RETURN(std::string dataset_id, PathParam(req, "dataset_id"));
  ASSIGN_OR_RETURN(std::string record_id, PathParam(req, "record_id"));
  ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
  storage::RecordReplacement rep;
  bool any = false;
  for (const auto& [name, field] :
       {std::pair{"inputs", &rep.inputs_json}, std::pair{"expectations", &rep.expectations_json},
        std::pair{"outputs", &rep.outputs_json}, std::pair{"tags", &rep.tags_json}}) {
    if (!params.contains(name)) continue;
    *field = DumpJson(params[name]);
    any = true;
  }
  if (!any)
    return InvalidArgumentError(
        "Nothing to change: give at least one of inputs, expectations, outputs, tags");
  ASSIGN_OR_RETURN(model::DatasetRecord r, deps.datasets.ReplaceRecord(dataset_id, record_id, rep));
  return Json{{"record", RecordToJson(r)}};
}

}  // namespace

void RegisterDatasetFromTracesRoute(MlflowRouteTable& table, storage::DatasetStore& datasets,
                                    storage::TraceStore& traces) {
  BoundRoutes<FromTracesDeps> routes(table, FromTracesDeps{datasets, traces});
  routes.Add({"POST"}, 2, "/tracelake/datasets/{dataset_id}/records/from-traces", Scope::kWrite,
             FromTraces);
  routes.Add({"PATCH"}, 2, "/tracelake/datasets/{dataset_id}/records/{record_id}", Scope::kWrite,
             ReplaceRecord);
}

}  // namespace tracelake::server
