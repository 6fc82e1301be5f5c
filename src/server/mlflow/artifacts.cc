// The slice of MLflow's artifact service that trace clients use, backed by the TraceStore
// instead of files: a trace's traces.json under its mlflow.artifactLocation
// (mlflow-artifacts:/<experiment_id>/traces/<trace_id>/artifacts, proxied at
// /api/2.0/mlflow-artifacts/artifacts/<path>). An upload (PUT) is parsed as MLflow trace data
// and ingested as the spans not stored yet; a download (GET) is built from the stored spans. Also
// the UI's get-trace-artifact, which returns the same document.
#include <algorithm>

#include "server/http/errors.h"
#include "server/mlflow/messages.h"
#include "server/mlflow/routes.h"
#include "server/mlflow/span_json.h"

namespace tracelake::server {
namespace {

struct ArtifactDeps {
  storage::TraceStore& store;
  storage::ExperimentStore& experiments;
};

constexpr char kTraceDataFile[] = "traces.json";
constexpr char kArtifactPath[] =
    "/mlflow-artifacts/artifacts/{experiment_id}/traces/{trace_id}/artifacts/{file}";

struct TraceArtifact {
  std::string experiment_id;
  TraceId trace;
};

Result<TraceArtifact> ArtifactFromPath(const HttpRequest& req) {
  ASSIGN_OR_RETURN(std::string file, PathParam(req, "file"));
  ASSIGN_OR_RETURN(std::string experiment_id, PathParam(req, "experiment_id"));
  ASSIGN_OR_RETURN(std::string raw, PathParam(req, "trace_id"));
  if (file != kTraceDataFile)
    return NotFoundError("tracelake keeps only traces.json in a trace's artifact location");
  if (experiment_id.size() > 18 ||
      experiment_id.find_first_not_of("0123456789") != std::string::npos)
    return InvalidArgumentError("Invalid experiment id in the artifact path: expected a number");
  ASSIGN_OR_RETURN(TraceId trace, ParseTraceIdParam(raw, "trace_id"));
  return TraceArtifact{std::move(experiment_id), trace};
}

// The stored trace whose data lives at this location (its experiment must match the path).
Result<model::Trace> TraceAt(const TraceArtifact& a, const ArtifactDeps& ctx) {
  auto trace = ctx.store.GetTrace(a.trace);
  if (!trace.ok() && trace.status().code() != StatusCode::kNotFound) return trace.status();
  if (!trace.ok() || trace->info.experiment_id != a.experiment_id || trace->spans.empty())
    return TraceDataNotFoundError(a.trace);
  return trace;
}

void SendTraceData(HttpResponse& res, const model::Trace& trace, const char* content_type) {
  res.status = 200;
  res.content_type = content_type;
  res.body = DumpJson(TraceDataToJson(trace.spans));
  // As MLflow sends artifacts: an attachment, never rendered by a browser on this origin.
  res.headers.emplace_back("Content-Disposition",
                           std::string("attachment; filename=") + kTraceDataFile);
  res.headers.emplace_back("X-Content-Type-Options", "nosniff");
}

// MLflow's client uploads traces.json only when StartTraceV3's answer lacks
// mlflow.trace.spansLocation, which can happen although its OTLP export delivered (or is
// delivering) the same spans. MLflow then keeps the file as an artifact and serves the OTLP copy,
// so here the upload fills in only spans not stored yet (SpanSource::kTraceData): an OTLP copy,
// which carries the resource, scope and kind a span dict lacks, always wins.
Result<Json> UploadTraceData(const HttpRequest& req, const ArtifactDeps& ctx) {
  ASSIGN_OR_RETURN(TraceArtifact a, ArtifactFromPath(req));
  ASSIGN_OR_RETURN(Json doc, ParseJsonBody(req.body));
  ASSIGN_OR_RETURN(std::vector<model::Span> spans, SpansFromTraceDataJson(doc, a.trace));
  // The store refuses the batch when an OTLP copy of one of its spans was committed between the
  // read and the commit; then the read is repeated. The bound caps the work of one request (an
  // export racing this long will deliver the rest itself).
  for (int attempt = 0; attempt < 4 && !spans.empty(); ++attempt) {
    storage::IngestBatch batch;
    batch.source = storage::SpanSource::kTraceData;
    // Spans join the trace's experiment when StartTrace or OTLP already recorded it.
    auto stored = ctx.store.GetTrace(a.trace);
    if (!stored.ok() && stored.status().code() != StatusCode::kNotFound) return stored.status();
    batch.experiment_id = stored.ok() ? stored->info.experiment_id : a.experiment_id;
    if (stored.ok()) {
      std::erase_if(spans, [&](const model::Span& s) {
        return std::any_of(stored->spans.begin(), stored->spans.end(),
                           [&](const model::Span& t) { return t.span_id == s.span_id; });
      });
      if (spans.empty()) break;
    }
    batch.spans = spans;
    Status st = ctx.store.Ingest(std::move(batch));
    if (st.code() == StatusCode::kAlreadyExists) continue;
    if (st.code() == StatusCode::kNotFound)
      RETURN_IF_ERROR(CheckExperimentExists(ctx.experiments, a.experiment_id));
    RETURN_IF_ERROR(st);
    break;
  }
  return Json::object();  // MLflow's UploadArtifact.Response
}

void DownloadTraceData(const HttpRequest& req, HttpResponse& res, const ArtifactDeps& ctx) {
  Result<TraceArtifact> a = ArtifactFromPath(req);
  Result<model::Trace> trace = a.ok() ? TraceAt(*a, ctx) : Result<model::Trace>(a.status());
  if (!trace.ok()) return SetMlflowError(res, trace.status());
  SendTraceData(res, *trace, "application/json");
}

// ListArtifacts of the mlflow-artifacts service: traces.json inside a trace's location.
Result<Json> ListArtifacts(const HttpRequest& req, const ArtifactDeps& ctx) {
  ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
  ASSIGN_OR_RETURN(std::string path, ParamReader(params).StringOr("path"));
  std::vector<std::string> parts;
  for (size_t start = 0; start <= path.size();) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    if (slash > start) parts.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  Json out = Json::object();
  if (parts.size() != 4 || parts[1] != "traces" || parts[3] != "artifacts") return out;
  auto id = ParseMlflowTraceId(parts[2]);
  if (!id) return out;
  auto trace = TraceAt(TraceArtifact{parts[0], *id}, ctx);
  if (!trace.ok() && trace.status().code() == StatusCode::kNotFound) return out;
  if (!trace.ok()) return trace.status();
  const size_t size = DumpJson(TraceDataToJson(trace->spans)).size();
  out["files"] = Json::array({{{"path", kTraceDataFile}, {"is_dir", false}, {"file_size", size}}});
  return out;
}

// GET get-trace-artifact?request_id=tr-...: the trace data the MLflow UI renders.
void GetTraceArtifact(const HttpRequest& req, HttpResponse& res, const ArtifactDeps& ctx) {
  const std::string* raw = req.QueryParam("request_id");
  if (raw == nullptr || raw->empty())
    return SetMlflowError(
        res, InvalidArgumentError("Request must include the \"request_id\" query parameter."));
  Result<TraceId> id = ParseTraceIdParam(*raw, "request_id");
  if (!id.ok()) return SetMlflowError(res, id.status());
  Result<model::Trace> trace = ctx.store.GetTrace(*id);
  if (!trace.ok()) return SetMlflowError(res, trace.status());
  SendTraceData(res, *trace, "application/octet-stream");
}

}  // namespace

void RegisterArtifactRoutes(MlflowRouteTable& table, storage::TraceStore& store,
                            storage::ExperimentStore& experiments) {
  BoundRoutes<ArtifactDeps> routes(table, ArtifactDeps{store, experiments});
  // The upload is the second half of MLflow's client-side trace submission (after StartTraceV3,
  // see trace_writes.cc), so an agent's ingest token suffices; downloads are reads.
  routes.Add({"PUT"}, 2, kArtifactPath, Scope::kIngest, UploadTraceData);
  routes.AddRaw({"GET"}, 2, kArtifactPath, Scope::kRead, DownloadTraceData);
  routes.Add({"GET"}, 2, "/mlflow-artifacts/artifacts", Scope::kRead, ListArtifacts);
  routes.AddRaw({"GET"}, 2, "/mlflow/get-trace-artifact", Scope::kRead, GetTraceArtifact);
}

}  // namespace tracelake::server
