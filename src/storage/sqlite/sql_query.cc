#include "storage/sqlite/sql_query.h"

#include <sqlite3.h>

#include <memory>
#include <string_view>
#include <utility>

#include "storage/sqlite/otel_sql_tables.h"

namespace tracelake::storage::sqlite {
namespace {

struct CloseDb {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DbPtr = std::unique_ptr<sqlite3, CloseDb>;
struct Finalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using StmtPtr = std::unique_ptr<sqlite3_stmt, Finalizer>;

// What one query's connection callbacks share: the deadline and what the authorizer refused.
struct QueryGuard {
  std::chrono::steady_clock::time_point deadline;
  bool timed_out = false;
  std::string refused;  // the first action the authorizer denied
};

const char* ActionName(int action) {
  switch (action) {
    case SQLITE_INSERT:
      return "INSERT";
    case SQLITE_UPDATE:
      return "UPDATE";
    case SQLITE_DELETE:
      return "DELETE";
    case SQLITE_ATTACH:
      return "ATTACH";
    case SQLITE_DETACH:
      return "DETACH";
    case SQLITE_PRAGMA:
      return "PRAGMA";
    case SQLITE_TRANSACTION:
      return "transactions";
    case SQLITE_SAVEPOINT:
      return "SAVEPOINT";
    case SQLITE_ANALYZE:
      return "ANALYZE";
    case SQLITE_REINDEX:
      return "REINDEX";
    case SQLITE_ALTER_TABLE:
      return "ALTER TABLE";
    case SQLITE_CREATE_VTABLE:
    case SQLITE_DROP_VTABLE:
      return "virtual tables";
    default:
      return "CREATE/DROP";
  }
}

// Only reads: SELECT, column reads, function calls and WITH RECURSIVE, plus the pragmas that
// list a table's columns (table_info, table_xinfo: what pragma_table_info('otel_spans')
// runs). Everything else (writes, DDL, temp objects, ATTACH, other PRAGMAs, transactions) is
// refused at prepare time.
int Authorize(void* arg, int action, const char* arg1, const char*, const char*, const char*) {
  switch (action) {
    case SQLITE_SELECT:
    case SQLITE_READ:
    case SQLITE_FUNCTION:
    case SQLITE_RECURSIVE:
      return SQLITE_OK;
    case SQLITE_PRAGMA:
      if (arg1 != nullptr &&
          (std::string_view(arg1) == "table_info" || std::string_view(arg1) == "table_xinfo")) {
        return SQLITE_OK;
      }
      [[fallthrough]];
    default: {
      auto* guard = static_cast<QueryGuard*>(arg);
      if (guard->refused.empty()) guard->refused = ActionName(action);
      return SQLITE_DENY;
    }
  }
}

int OnProgress(void* arg) {
  auto* guard = static_cast<QueryGuard*>(arg);
  if (std::chrono::steady_clock::now() < guard->deadline) return 0;
  guard->timed_out = true;
  return 1;  // interrupts the statement: SQLITE_INTERRUPT
}

const char* TypeName(int t) {
  switch (t) {
    case SQLITE_INTEGER:
      return "INTEGER";
    case SQLITE_FLOAT:
      return "REAL";
    case SQLITE_TEXT:
      return "TEXT";
    case SQLITE_BLOB:
      return "BLOB";
    default:
      return "NULL";
  }
}

std::string Hex(const void* data, int n) {
  static constexpr char kHex[] = "0123456789abcdef";
  const auto* p = static_cast<const unsigned char*>(data);
  std::string out;
  out.reserve(static_cast<size_t>(n) * 2);
  for (int i = 0; i < n; ++i) {
    out += kHex[p[i] >> 4];
    out += kHex[p[i] & 15];
  }
  return out;
}

bool IsBlank(std::string_view s) {
  return s.find_first_not_of(" \t\r\n\f\v;") == std::string_view::npos;
}

Status Exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string message = err != nullptr ? err : sqlite3_errmsg(db);
    sqlite3_free(err);
    return InternalError(std::string("SQL engine setup (") + sql + "): " + message);
  }
  return OkStatus();
}

// A connection that can only read: see sql_query.h for each guard and why.
Result<DbPtr> OpenReadOnly(const std::string& path, QueryGuard& guard) {
  const bool memory = path.find("vfs=memdb") != std::string::npos;
  sqlite3* raw = nullptr;
  const int flags = (memory ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY) | SQLITE_OPEN_NOMUTEX |
                    SQLITE_OPEN_URI;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  DbPtr db(raw);
  if (rc != SQLITE_OK) {
    return UnavailableError(std::string("cannot open the store for SQL: ") +
                            (raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  sqlite3_busy_timeout(db.get(), 2000);  // only WAL recovery can make a reader wait
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, nullptr);
  sqlite3_limit(db.get(), SQLITE_LIMIT_ATTACHED, 0);
  sqlite3_limit(db.get(), SQLITE_LIMIT_SQL_LENGTH, 1 << 20);
  sqlite3_limit(db.get(), SQLITE_LIMIT_LENGTH, 64 << 20);
  RETURN_IF_ERROR(Exec(db.get(), "PRAGMA case_sensitive_like = ON"));  // as the store's search
  // As the store's own readers (sqlite_database.cc): full scans read the file through the page
  // cache and mmap rather than a read() per page.
  RETURN_IF_ERROR(Exec(db.get(), "PRAGMA cache_size = -65536"));
  if (path.find("vfs=memdb") == std::string::npos) {
    RETURN_IF_ERROR(Exec(db.get(), "PRAGMA mmap_size = 1073741824"));
  }
  RETURN_IF_ERROR(RegisterOtelSqlTables(db.get()));
  // Connect the eponymous virtual tables now: the first use of one declares it in the
  // connection's schema, which the authorizer would see as a write (SQLITE_UPDATE of
  // sqlite_master). json_each/json_tree serve JSON queries, pragma_table_info lists columns.
  RETURN_IF_ERROR(Exec(db.get(),
                       "SELECT 1 FROM otel_spans WHERE 0; SELECT 1 FROM otel_logs WHERE 0; "
                       "SELECT 1 FROM otel_annotations WHERE 0; SELECT 1 FROM traces WHERE 0; "
                       "SELECT 1 FROM json_each('[]'), json_tree('[]') WHERE 0; "
                       "SELECT 1 FROM pragma_table_info('traces') WHERE 0"));
  RETURN_IF_ERROR(Exec(db.get(), "PRAGMA query_only = ON"));
  sqlite3_set_authorizer(db.get(), Authorize, &guard);
  sqlite3_progress_handler(db.get(), 1000, OnProgress, &guard);
  return db;
}

// Gives a running query's slot back when the query ends.
class Slot {
 public:
  explicit Slot(std::atomic<int>& running) : running_(running) {}
  ~Slot() { running_.fetch_sub(1); }
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;

 private:
  std::atomic<int>& running_;
};

}  // namespace

std::unique_ptr<SqlQueryEngine> SqlQueryEngine::Create(std::string path, int max_concurrent) {
  return std::unique_ptr<SqlQueryEngine>(new SqlQueryEngine(std::move(path), max_concurrent));
}

Result<SqlResult> SqlQueryEngine::Run(std::string_view query, const SqlQueryOptions& options) {
  if (options.max_rows < 1 || options.max_rows > kSqlMaxMaxRows) {
    return InvalidArgumentError("max_rows must be between 1 and " + std::to_string(kSqlMaxMaxRows));
  }
  if (IsBlank(query)) return InvalidArgumentError("The query is empty");
  if (running_.fetch_add(1) >= max_concurrent_) {
    running_.fetch_sub(1);
    return ResourceExhaustedError("Too many SQL queries are running (at most " +
                                  std::to_string(max_concurrent_) + "); retry later");
  }
  Slot slot(running_);

  QueryGuard guard;
  guard.deadline = std::chrono::steady_clock::now() + options.time_limit;
  ASSIGN_OR_RETURN(DbPtr db, OpenReadOnly(path_, guard));
  auto time_limit_error = [&] {
    return DeadlineExceededError(
        "The query ran longer than the time limit of " +
        std::to_string(options.time_limit.count()) +
        " ms and was stopped; add a WHERE (e.g. trace_id = '...') or a LIMIT");
  };
  auto sql_error = [&](const char* what) -> Status {
    if (guard.timed_out) return time_limit_error();
    if (!guard.refused.empty()) {
      return InvalidArgumentError(
          "Only read-only queries (SELECT, WITH) are allowed: " + guard.refused + " is refused");
    }
    return InvalidArgumentError(std::string(what) + sqlite3_errmsg(db.get()));
  };

  const char* tail = nullptr;
  sqlite3_stmt* raw = nullptr;
  int rc =
      sqlite3_prepare_v3(db.get(), query.data(), static_cast<int>(query.size()), 0, &raw, &tail);
  StmtPtr stmt(raw);
  if (rc != SQLITE_OK) return sql_error("SQL error: ");
  if (!stmt) return InvalidArgumentError("The query holds no statement");
  // A second statement is refused even when it is a read: one query, one answer.
  const std::string_view rest(tail, static_cast<size_t>(query.data() + query.size() - tail));
  if (!IsBlank(rest)) {
    sqlite3_stmt* next = nullptr;
    const char* ignored = nullptr;
    const int next_rc = sqlite3_prepare_v3(db.get(), rest.data(), static_cast<int>(rest.size()), 0,
                                           &next, &ignored);
    StmtPtr second(next);
    if (next_rc != SQLITE_OK || second) {
      return InvalidArgumentError("Only one SQL statement is allowed per query");
    }
  }
  if (!sqlite3_stmt_readonly(stmt.get())) {
    return InvalidArgumentError("Only read-only queries (SELECT, WITH) are allowed");
  }

  SqlResult result;
  const int ncols = sqlite3_column_count(stmt.get());
  result.columns.resize(static_cast<size_t>(ncols));
  for (int c = 0; c < ncols; ++c) {
    const char* name = sqlite3_column_name(stmt.get(), c);
    const char* decl = sqlite3_column_decltype(stmt.get(), c);
    result.columns[static_cast<size_t>(c)].name = name != nullptr ? name : "";
    result.columns[static_cast<size_t>(c)].type = decl != nullptr ? decl : "";
  }
  int64_t bytes = 0;
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    if (static_cast<int>(result.rows.size()) >= options.max_rows ||
        bytes > options.max_result_bytes) {
      result.truncated = true;
      break;
    }
    std::vector<SqlCell>& row = result.rows.emplace_back();
    row.reserve(static_cast<size_t>(ncols));
    for (int c = 0; c < ncols; ++c) {
      const int type = sqlite3_column_type(stmt.get(), c);
      SqlColumn& col = result.columns[static_cast<size_t>(c)];
      if (col.type.empty() && type != SQLITE_NULL) col.type = TypeName(type);
      switch (type) {
        case SQLITE_INTEGER:
          row.emplace_back(int64_t{sqlite3_column_int64(stmt.get(), c)});
          break;
        case SQLITE_FLOAT:
          row.emplace_back(sqlite3_column_double(stmt.get(), c));
          break;
        case SQLITE_TEXT: {
          const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), c));
          const int n = sqlite3_column_bytes(stmt.get(), c);
          row.emplace_back(std::string(p, static_cast<size_t>(n)));
          bytes += n;
          break;
        }
        case SQLITE_BLOB: {
          const int n = sqlite3_column_bytes(stmt.get(), c);
          row.emplace_back(Hex(sqlite3_column_blob(stmt.get(), c), n));
          bytes += 2 * int64_t{n};
          break;
        }
        default:
          row.emplace_back(std::monostate{});
          break;
      }
    }
  }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return sql_error("SQL error: ");
  for (SqlColumn& col : result.columns) {
    if (col.type.empty()) col.type = "NULL";
  }
  return result;
}

}  // namespace tracelake::storage::sqlite
