#include "server/tracelake/sql_endpoint.h"

#include <memory>
#include <string>
#include <variant>

#include "server/mlflow/routes.h"
#include "storage/sqlite/sql_query.h"
#include "storage/sqlite/sqlite_backend.h"

namespace tracelake::server {
namespace {

using storage::sqlite::SqlCell;
using storage::sqlite::SqlQueryEngine;

struct SqlDeps {
  // Shared by the router's copies of the handler; null when the store is not SQLite.
  std::shared_ptr<SqlQueryEngine> engine;
  SqlEndpointOptions options;
};

Json CellJson(const SqlCell& cell) {
  if (const auto* i = std::get_if<int64_t>(&cell)) return Json(*i);
  if (const auto* d = std::get_if<double>(&cell)) return Json(*d);  // NaN and inf dump as null
  if (const auto* s = std::get_if<std::string>(&cell)) return Json(*s);
  return Json(nullptr);
}

Result<Json> RunSql(const HttpRequest& req, const SqlDeps& deps) {
  if (!deps.engine) {
    return UnimplementedError(
        "SQL over the trace tables is available only on the SQLite store (sqlite:// "
        "--backend-store-uri); this server uses another backend");
  }
  ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
  ParamReader p(params);
  ASSIGN_OR_RETURN(std::string query, p.RequiredString("query"));
  ASSIGN_OR_RETURN(std::optional<int64_t> max_rows,
                   p.OptInt("max_rows", 1, storage::sqlite::kSqlMaxMaxRows));
  storage::sqlite::SqlQueryOptions options;
  options.max_rows = static_cast<int>(max_rows.value_or(storage::sqlite::kSqlDefaultMaxRows));
  options.time_limit = deps.options.time_limit;
  ASSIGN_OR_RETURN(storage::sqlite::SqlResult result, deps.engine->Run(query, options));

  Json columns = Json::array();
  for (const auto& c : result.columns) columns.push_back({{"name", c.name}, {"type", c.type}});
  Json rows = Json::array();
  for (const auto& row : result.rows) {
    Json r = Json::array();
    for (const SqlCell& cell : row) r.push_back(CellJson(cell));
    rows.push_back(std::move(r));
  }
  return Json{
      {"columns", std::move(columns)}, {"rows", std::move(rows)}, {"truncated", result.truncated}};
}

}  // namespace

void RegisterSqlRoutes(Router& router, storage::Backend& storage,
                       const SqlEndpointOptions& options) {
  SqlDeps deps;
  deps.options = options;
  if (auto* sqlite = dynamic_cast<storage::sqlite::SqliteBackend*>(&storage)) {
    deps.engine = SqlQueryEngine::Create(sqlite->database().path(), options.max_concurrent);
  }
  MlflowRouteTable table(router);
  BoundRoutes<SqlDeps> routes(table, std::move(deps));
  routes.Add({"POST"}, 2, "/tracelake/sql", Scope::kRead, RunSql);
}

}  // namespace tracelake::server
