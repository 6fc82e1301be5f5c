// Bound parameters of generated SQL. User-supplied values only ever travel as parameters; the
// SQL text holds fixed text, column names and placeholders.
//
//   sql::SqlFragment where;
//   sql::SqlWriter w(dialect, where);
//   w.sql() += "t.experiment_id = " + w.Param(int64_t{7});  // "?" or "$1"
//
// SqlWriter numbers placeholders from the parameters already in the fragment, so text a caller
// wrote before (with its parameters) keeps its numbering.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "storage/sql/dialect.h"

namespace tracelake::storage::sql {

// Binary data (BLOB in SQLite, bytea in PostgreSQL).
struct SqlBlob {
  std::string bytes;
};
using SqlParam = std::variant<int64_t, double, std::string, SqlBlob>;

// SQL text and its parameters, in placeholder order.
struct SqlFragment {
  std::string sql;
  std::vector<SqlParam> params;
};

// Appends to a fragment in one dialect's spelling. Confine to one thread.
class SqlWriter {
 public:
  SqlWriter(const Dialect& dialect, SqlFragment& out) : dialect_(dialect), out_(out) {}

  const Dialect& dialect() const { return dialect_; }
  std::string& sql() { return out_.sql; }

  // Adds a parameter and returns its placeholder. REQUIRES: the placeholder is written into
  // the text before the next call (SQLite's "?" count by position).
  std::string Param(SqlParam value) {
    out_.params.push_back(std::move(value));
    return dialect_.Placeholder(out_.params.size());
  }

  // Appends a parameter's placeholder to the text.
  void AppendParam(SqlParam value) { out_.sql += Param(std::move(value)); }

 private:
  const Dialect& dialect_;
  SqlFragment& out_;
};

}  // namespace tracelake::storage::sql
