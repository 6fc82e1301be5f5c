#include "storage/sqlite/sqlite_dialect.h"

#include "storage/sql/trace_schema.h"
#include "storage/sqlite/schema.h"

namespace tracelake::storage::sqlite {

// The shared SQL is written against these; the SQLite schema must agree.
static_assert(sql::kChunksPerTrace == kChunksPerTrace);
static_assert(sql::kFragmentedSql == kFragmentedSql);

SqliteDialect::SqliteDialect()
    : Dialect("SQLite",
              {sql::Capability::kSpanAttributeSearch, sql::Capability::kSpanContentSearch}) {}

const SqliteDialect& SqliteDialect::Instance() {
  static const SqliteDialect kInstance;
  return kInstance;
}

std::string SqliteDialect::Placeholder(size_t) const { return "?"; }

std::string SqliteDialect::Like(std::string_view lhs, std::string_view pattern,
                                sql::CaseSensitivity cs, sql::LikeEscape escape) const {
  std::string out;
  if (cs == sql::CaseSensitivity::kInsensitive) {
    // lower() folds ASCII only, as SQLite's own LIKE would.
    out.append("lower(").append(lhs).append(") LIKE lower(").append(pattern).append(")");
  } else {
    out.append(lhs).append(" LIKE ").append(pattern);
  }
  if (escape == sql::LikeEscape::kBackslash) out += " ESCAPE '\\'";
  return out;
}

std::string SqliteDialect::RegexMatch(std::string_view lhs, std::string_view pattern) const {
  std::string out = "tl_regexp(";
  out.append(pattern).append(", ").append(lhs).append(")");
  return out;
}

std::string SqliteDialect::HexText(std::string_view blob_expr) const {
  std::string out = "lower(hex(";
  out.append(blob_expr).append("))");
  return out;
}

std::string_view SqliteDialect::BoolLiteral(bool value) const { return value ? "1" : "0"; }

std::string SqliteDialect::JsonValue(std::string_view json_expr, sql::JsonScalar as) const {
  std::string out = as == sql::JsonScalar::kText ? "tl_json_text(" : "tl_json_number(";
  out.append(json_expr).append(")");
  return out;
}

void BindParams(Stmt& stmt, const std::vector<SqlParam>& params) {
  int i = 1;
  for (const auto& p : params) {
    if (const auto* v = std::get_if<int64_t>(&p)) stmt.Bind(i, *v);
    else if (const auto* d = std::get_if<double>(&p)) stmt.Bind(i, *d);
    else if (const auto* s = std::get_if<std::string>(&p)) stmt.Bind(i, *s);
    else stmt.BindBlob(i, std::get<SqlBlob>(p).bytes);
    ++i;
  }
}

}  // namespace tracelake::storage::sqlite
