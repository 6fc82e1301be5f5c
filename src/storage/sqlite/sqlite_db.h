// Thin RAII wrappers over the SQLite C API: a connection and a prepared statement.
// Confine each object to one thread at a time.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <list>
#include <vector>

#include "tracelake/status.h"

namespace tracelake::storage::sqlite {

class Db;

class Stmt {
 public:
  Stmt() = default;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt(Stmt&& o) noexcept : stmt_(o.stmt_), db_(o.db_) { o.stmt_ = nullptr; }
  Stmt& operator=(Stmt&& o) noexcept;
  ~Stmt();

  bool valid() const { return stmt_ != nullptr; }
  Stmt& Bind(int i, int64_t v);
  Stmt& Bind(int i, double v);
  Stmt& Bind(int i, std::string_view text);
  Stmt& BindBlob(int i, std::string_view blob);
  // Without a copy: the bytes must stay valid and unchanged until the statement is reset.
  Stmt& BindStatic(int i, std::string_view text);
  Stmt& BindBlobStatic(int i, std::string_view blob);
  Stmt& BindNull(int i);
  // kOk with *row=true when a row is ready, *row=false when done.
  Status Step(bool* row);
  // Steps once; true when a row is ready. A failure ends iteration and is kept in error().
  bool Next() {
    bool row = false;
    Status st = Step(&row);
    if (!st.ok()) error_ = st;
    return row;
  }
  const Status& error() const { return error_; }
  // Steps to completion (for writes).
  Status Run();
  void Reset();

  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  double Double(int col) const { return sqlite3_column_double(stmt_, col); }
  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::string_view Text(int col) const;
  std::string_view Blob(int col) const;

 private:
  friend class Db;
  Stmt(sqlite3_stmt* s, sqlite3* db) : stmt_(s), db_(db) {}
  sqlite3_stmt* stmt_ = nullptr;
  sqlite3* db_ = nullptr;
  Status error_;
};

class Db {
 public:
  Db() = default;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db();

  Status Open(const std::string& path, bool read_only);
  Status Exec(std::string_view sql);
  Result<Stmt> Prepare(std::string_view sql);
  // Cached prepared statement (reset before return); the pointer stays valid for the Db's life.
  Result<Stmt*> Cached(const char* sql);
  // Resets every cached statement, ending the read snapshot any of them holds. Call after each
  // unit of work: a stepped but unreset statement keeps its transaction (and snapshot) open.
  void ResetAll() {
    for (auto& [key, stmt] : cache_) stmt.Reset();
  }
  int64_t Changes() const { return sqlite3_changes64(db_); }
  sqlite3* raw() { return db_; }

 private:
  sqlite3* db_ = nullptr;
  std::list<std::pair<const char*, Stmt>> cache_;  // list: pointers stay valid
};

Status SqliteError(sqlite3* db, int rc, std::string_view what);

}  // namespace tracelake::storage::sqlite
