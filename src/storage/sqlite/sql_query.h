// SqlQueryEngine: read-only SQL over a SQLite store (issue 13 part 5; docs/sql.md), for
// `POST /api/2.0/tracelake/sql` and `tracelake sql`. Users query the otel_spans, otel_logs and
// otel_annotations tables and the traces view (otel_sql_tables.h), or the store's own tables.
//
//   ASSIGN_OR_RETURN(auto engine, SqlQueryEngine::Open(database.path()));
//   ASSIGN_OR_RETURN(SqlResult r, engine->Run("SELECT name, count(*) FROM otel_spans GROUP BY 1",
//                                             SqlQueryOptions{}));
//
// Read-only by construction, so a query can never change or lock the store for ingest:
//   - each query gets its own connection, opened SQLITE_OPEN_READONLY on the store file (WAL:
//     readers never block the writer, and the writer never blocks them), with
//     PRAGMA query_only, SQLITE_DBCONFIG_DEFENSIVE and extension loading off;
//   - an authorizer allows only SELECT, reads, functions and recursive CTEs: INSERT, UPDATE,
//     DELETE, CREATE (temp objects too), DROP, ALTER, ATTACH, DETACH, PRAGMA, BEGIN,
//     SAVEPOINT, ANALYZE, REINDEX and VACUUM are refused when the statement is prepared;
//   - one statement per query, and sqlite3_stmt_readonly() must hold for it;
//   - a time limit (progress handler) and a row limit; a query never holds a write lock, and a
//     long one only keeps the WAL from being checkpointed past its snapshot until it ends.
//
// Safe for concurrent use: queries run in parallel, each on its own connection, up to
// max_concurrent at a time.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tracelake/status.h"

namespace tracelake::storage::sqlite {

inline constexpr int kSqlDefaultMaxRows = 1000;
inline constexpr int kSqlMaxMaxRows = 100000;

struct SqlQueryOptions {
  int max_rows = kSqlDefaultMaxRows;  // 1..kSqlMaxMaxRows
  std::chrono::milliseconds time_limit{30000};
  // Answers past this many bytes of cell text stop early, truncated (a row limit in bytes).
  int64_t max_result_bytes = int64_t{64} << 20;
};

struct SqlColumn {
  std::string name;
  // The declared type of a table column (INTEGER, REAL, TEXT, BLOB), else the type of the
  // column's first non-null value, else "NULL".
  std::string type;
};

// NULL, INTEGER, REAL, or TEXT (BLOBs as lowercase hex text).
using SqlCell = std::variant<std::monostate, int64_t, double, std::string>;

struct SqlResult {
  std::vector<SqlColumn> columns;
  std::vector<std::vector<SqlCell>> rows;
  bool truncated = false;  // more rows (or bytes) than the limits allowed were left out
};

class SqlQueryEngine {
 public:
  // path: the store's file, or the URI of an in-memory store (SqliteDatabase::path()).
  // memdb connections cannot open read-only; query_only and the authorizer still apply.
  static std::unique_ptr<SqlQueryEngine> Create(std::string path, int max_concurrent = 4);

  // Errors: kInvalidArgument for an empty query, more than one statement, a statement that is
  // not a read (with what was refused), SQL SQLite does not accept (with SQLite's message) or
  // max_rows out of range; kDeadlineExceeded past the time limit; kResourceExhausted when
  // max_concurrent queries are running; kUnavailable when the store cannot be opened.
  Result<SqlResult> Run(std::string_view query, const SqlQueryOptions& options);

 private:
  SqlQueryEngine(std::string path, int max_concurrent)
      : path_(std::move(path)), max_concurrent_(max_concurrent) {}

  const std::string path_;
  const int max_concurrent_;
  std::atomic<int> running_{0};
};

}  // namespace tracelake::storage::sqlite
