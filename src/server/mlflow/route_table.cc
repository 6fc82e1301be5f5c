#include <exception>

#include "server/http/errors.h"
#include "server/mlflow/messages.h"
#include "server/mlflow/routes.h"

namespace tracelake::server {
namespace {

std::string Prefixed(const char* root, int version, const std::string& path) {
  return std::string(root) + std::to_string(version) + ".0" + path;
}

}  // namespace

void MlflowRouteTable::Add(std::initializer_list<const char*> methods, int version,
                           const std::string& path, Scope scope, JsonHandler handler) {
  Handler h = [handler = std::move(handler)](HttpRequest& req, HttpResponse& res) {
    Result<Json> out = InternalError("handler produced no answer");
    // Handlers use non-throwing JSON accessors; this is the adapter's backstop so a missed
    // case becomes a clean MLflow error instead of escaping into the HTTP server.
    try {
      out = handler(req);
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
                              const std::string& path, Scope scope, const RawHandler& handler) {
  for (const char* root : {"/api/", "/ajax-api/"})
    for (const char* m : methods) AddExact(m, Prefixed(root, version, path), scope, handler);
}

void MlflowRouteTable::AddExact(const char* method, const std::string& full_path, Scope scope,
                                RawHandler handler) {
  router_.Add(method, full_path, scope,
              [handler = std::move(handler)](HttpRequest& req, HttpResponse& res) {
                try {
                  handler(req, res);
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

Status CheckExperimentExists(storage::ExperimentStore& store, const std::string& experiment_id) {
  auto e = store.GetExperiment(experiment_id);
  if (e.ok()) return OkStatus();
  if (e.status().code() == StatusCode::kNotFound) return ExperimentNotFoundError(experiment_id);
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

}  // namespace tracelake::server
