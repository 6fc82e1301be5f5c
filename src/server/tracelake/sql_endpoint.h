// POST /api/2.0/tracelake/sql (also under /ajax-api/2.0 for the web UI): read-only SQL over the
// trace tables (docs/sql.md), on the SQLite store.
//
//   request:  {"query": "SELECT ...", "max_rows": 1000}
//   answer:   {"columns": [{"name": "n", "type": "INTEGER"}], "rows": [[1]], "truncated": false}
//
// Cells are JSON null, numbers or strings (BLOBs as hex). Errors have MLflow's shape
// {"error_code": ..., "message": ...}: INVALID_PARAMETER_VALUE (400) for bad SQL (SQLite's
// message), refused statements and bad parameters; DEADLINE_EXCEEDED (504) past the time limit;
// RESOURCE_EXHAUSTED (429) when too many queries run; NOT_IMPLEMENTED (501) on a backend other
// than SQLite.
#pragma once

#include <chrono>

#include "server/http/router.h"
#include "storage/backend.h"

namespace tracelake::server {

struct SqlEndpointOptions {
  std::chrono::milliseconds time_limit{30000};
  int max_concurrent = 4;
};

// Adds the route. On a SQLite backend the handler owns a SqlQueryEngine on the store's file;
// `storage` must outlive the router.
void RegisterSqlRoutes(Router& router, storage::Backend& storage,
                       const SqlEndpointOptions& options);

}  // namespace tracelake::server
