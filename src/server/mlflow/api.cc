#include "server/mlflow/api.h"

#include <exception>
#include <mutex>
#include <random>

#include "server/http/errors.h"
#include "server/mlflow/routes.h"

namespace tracelake::server {
namespace {

std::string Prefixed(const char* root, int version, const std::string& path) {
  return std::string(root) + std::to_string(version) + ".0" + path;
}

// Random trace ids for V2 StartTrace; one generator behind a mutex (calls are rare).
std::function<TraceId()> RandomTraceIds() {
  struct State {
    std::mutex mu;
    std::mt19937_64 rng{std::random_device{}()};
  };
  auto state = std::make_shared<State>();
  return [state] {
    std::lock_guard<std::mutex> lock(state->mu);
    TraceId id;
    do {
      for (size_t i = 0; i < id.bytes.size(); i += 8) {
        uint64_t r = state->rng();
        for (size_t b = 0; b < 8; ++b) id.bytes[i + b] = static_cast<uint8_t>(r >> (8 * b));
      }
    } while (id.IsZero());
    return id;
  };
}

}  // namespace

void MlflowRouteTable::Add(std::initializer_list<const char*> methods, int version,
                           const std::string& path, Scope scope, JsonHandler handler) {
  auto ctx = context_;
  Handler h = [ctx, handler = std::move(handler)](HttpRequest& req, HttpResponse& res) {
    Result<Json> out = InternalError("handler produced no answer");
    // Handlers use non-throwing JSON accessors; this is the adapter's backstop so a missed
    // case becomes a clean MLflow error instead of escaping into the HTTP server.
    try {
      out = handler(req, *ctx);
    } catch (const Json::exception&) {
      out = InvalidArgumentError("Invalid request: a parameter has an unexpected JSON type");
    } catch (const std::exception&) {
      out = InternalError("Internal error while handling the request");
    }
    if (!out.ok()) {
      SetMlflowError(res, out.status());
      return;
    }
    res.status = 200;
    res.content_type = "application/json";
    res.body = DumpJson(*out);
  };
  for (const char* root : {"/api/", "/ajax-api/"})
    for (const char* m : methods) router_.Add(m, Prefixed(root, version, path), scope, h);
}

void MlflowRouteTable::AddRaw(std::initializer_list<const char*> methods, int version,
                              const std::string& path, Scope scope, RawHandler handler) {
  for (const char* root : {"/api/", "/ajax-api/"})
    for (const char* m : methods) AddExact(m, Prefixed(root, version, path), scope, handler);
}

void MlflowRouteTable::AddExact(const char* method, const std::string& full_path, Scope scope,
                                RawHandler handler) {
  auto ctx = context_;
  router_.Add(method, full_path, scope,
              [ctx, handler = std::move(handler)](HttpRequest& req, HttpResponse& res) {
                try {
                  handler(req, res, *ctx);
                } catch (const std::exception&) {
                  res.headers.clear();
                  SetMlflowError(res, InternalError("Internal error while handling the request"));
                }
              });
}

Result<TraceId> ParseTraceIdParam(const std::string& value, const std::string& name) {
  auto id = ParseMlflowTraceId(value);
  if (!id || id->IsZero()) {
    Json shown = value.size() > 64 ? Json(value.substr(0, 61) + "...") : Json(value);
    return InvalidArgumentError("Invalid value " + DumpJson(shown) + " for parameter '" + name +
                                "' supplied: expected \"tr-\" followed by 32 hex digits.");
  }
  return *id;
}

Result<std::string> PathParam(const HttpRequest& req, const std::string& name) {
  auto it = req.path_params.find(name);
  if (it == req.path_params.end() || it->second.empty())
    return InvalidArgumentError("Missing value for required parameter '" + name + "'.");
  return it->second;
}

Status CheckExperimentExists(const MlflowContext& ctx, const std::string& experiment_id) {
  auto e = ctx.store->GetExperiment(experiment_id);
  if (e.ok()) return OkStatus();
  if (e.status().code() == StatusCode::kNotFound)
    return NotFoundError("No Experiment with id=" + experiment_id + " exists");
  return e.status();
}

Result<std::vector<std::string>> MetricExperimentIds(const ParamReader& p) {
  constexpr size_t kMaxExperiments = 100;
  ASSIGN_OR_RETURN(std::vector<std::string> ids,
                   p.StringList("experiment_ids", /*required=*/true, /*allow_number=*/true));
  if (ids.size() > kMaxExperiments)
    return InvalidArgumentError("Too many experiment_ids: at most " +
                                std::to_string(kMaxExperiments));
  return ids;
}

void RegisterMlflowRoutes(Router& router, storage::TraceStore& store,
                          const MlflowApiOptions& options) {
  auto ctx = std::make_shared<MlflowContext>();
  ctx->store = &store;
  ctx->options = options;
  if (ctx->options.clock == nullptr) ctx->options.clock = &SystemClock::Default();
  if (!ctx->options.new_trace_id) ctx->options.new_trace_id = RandomTraceIds();

  MlflowRouteTable routes(router, ctx);
  RegisterExperimentRoutes(routes);
  RegisterTraceReadRoutes(routes);
  RegisterTraceWriteRoutes(routes);
  RegisterAssessmentRoutes(routes);
  RegisterArtifactRoutes(routes);
  RegisterMetricsQueryRoutes(routes);
  RegisterTraceMetricsRoutes(routes);

  // MLflow's server answers these as plain text.
  routes.AddExact("GET", "/version", Scope::kPublic,
                  [](const HttpRequest&, HttpResponse& res, const MlflowContext& c) {
                    res.content_type = "text/plain";
                    res.body = c.options.server_version;
                  });
  routes.AddExact("GET", "/health", Scope::kPublic,
                  [](const HttpRequest&, HttpResponse& res, const MlflowContext&) {
                    res.content_type = "text/plain";
                    res.body = "OK";
                  });
}

}  // namespace tracelake::server
