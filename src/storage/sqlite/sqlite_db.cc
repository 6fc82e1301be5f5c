#include "storage/sqlite/sqlite_db.h"

namespace tracelake::storage::sqlite {

Status SqliteError(sqlite3* db, int rc, std::string_view what) {
  std::string msg(what);
  msg += ": ";
  msg += db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  int primary = rc & 0xff;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) return UnavailableError(msg);
  if (primary == SQLITE_FULL) return ResourceExhaustedError(msg);
  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) return DataLossError(msg);
  if (primary == SQLITE_CANTOPEN || primary == SQLITE_IOERR || primary == SQLITE_READONLY)
    return UnavailableError(msg);
  return InternalError(msg);
}

Stmt& Stmt::operator=(Stmt&& o) noexcept {
  if (this != &o) {
    if (stmt_) sqlite3_finalize(stmt_);
    stmt_ = o.stmt_;
    db_ = o.db_;
    o.stmt_ = nullptr;
  }
  return *this;
}
Stmt::~Stmt() {
  if (stmt_) sqlite3_finalize(stmt_);
}
Stmt& Stmt::Bind(int i, int64_t v) {
  sqlite3_bind_int64(stmt_, i, v);
  return *this;
}
Stmt& Stmt::Bind(int i, double v) {
  sqlite3_bind_double(stmt_, i, v);
  return *this;
}
Stmt& Stmt::Bind(int i, std::string_view t) {
  sqlite3_bind_text64(stmt_, i, t.data(), t.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}
Stmt& Stmt::BindBlob(int i, std::string_view b) {
  sqlite3_bind_blob64(stmt_, i, b.data(), b.size(), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::BindStatic(int i, std::string_view t) {
  sqlite3_bind_text64(stmt_, i, t.data(), t.size(), SQLITE_STATIC, SQLITE_UTF8);
  return *this;
}
Stmt& Stmt::BindBlobStatic(int i, std::string_view b) {
  sqlite3_bind_blob64(stmt_, i, b.data(), b.size(), SQLITE_STATIC);
  return *this;
}
Stmt& Stmt::BindNull(int i) {
  sqlite3_bind_null(stmt_, i);
  return *this;
}
Status Stmt::Step(bool* row) {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) {
    *row = true;
    return OkStatus();
  }
  *row = false;
  if (rc == SQLITE_DONE) return OkStatus();
  return SqliteError(db_, rc, "sqlite step");
}
Status Stmt::Run() {
  bool row = true;
  while (row) RETURN_IF_ERROR(Step(&row));
  Reset();
  return OkStatus();
}
void Stmt::Reset() {
  error_ = Status();
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}
std::string_view Stmt::Text(int col) const {
  auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  return p ? std::string_view(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col)))
           : std::string_view();
}
std::string_view Stmt::Blob(int col) const {
  auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
  return p ? std::string_view(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col)))
           : std::string_view();
}

Db::~Db() {
  cache_.clear();
  if (db_) sqlite3_close_v2(db_);
}

Status Db::Open(const std::string& path, bool read_only) {
  int flags = (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
              SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db_, rc, "cannot open database " + path);
  sqlite3_busy_timeout(db_, 10000);
  sqlite3_extended_result_codes(db_, 1);
  return OkStatus();
}

Status Db::Exec(std::string_view sql) {
  char* err = nullptr;
  std::string s(sql);
  int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : "";
    sqlite3_free(err);
    return SqliteError(nullptr, rc, "sqlite exec: " + msg);
  }
  return OkStatus();
}

Result<Stmt> Db::Prepare(std::string_view sql) {
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), 0, &s, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db_, rc, "sqlite prepare");
  return Stmt(s, db_);
}

Result<Stmt*> Db::Cached(const char* sql) {
  for (auto& [key, stmt] : cache_) {
    if (key == sql) {
      stmt.Reset();
      return &stmt;
    }
  }
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db_, rc, "sqlite prepare");
  cache_.emplace_back(sql, Stmt(s, db_));
  return &cache_.back().second;
}

}  // namespace tracelake::storage::sqlite
