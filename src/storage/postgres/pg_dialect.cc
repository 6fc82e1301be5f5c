#include "storage/postgres/pg_dialect.h"

#include <initializer_list>
#include <string>

namespace tracelake::storage::postgres {
namespace {

// Joins pieces (also sidesteps gcc 12's false -Wrestrict on "literal" + std::string&&).
std::string Cat(std::initializer_list<std::string_view> pieces) {
  std::string out;
  for (std::string_view p : pieces) out.append(p);
  return out;
}

}  // namespace

PgDialect::PgDialect() : Dialect("PostgreSQL", {}) {}

const PgDialect& PgDialect::Instance() {
  static const PgDialect kInstance;
  return kInstance;
}

std::string PgDialect::Placeholder(size_t n) const { return Cat({"$", std::to_string(n)}); }

std::string PgDialect::Like(std::string_view lhs, std::string_view pattern, sql::CaseSensitivity cs,
                            sql::LikeEscape escape) const {
  std::string out(lhs);
  out += cs == sql::CaseSensitivity::kInsensitive ? " ILIKE " : " LIKE ";
  out += pattern;
  // PostgreSQL's LIKE treats a backslash as an escape unless told otherwise; a user's pattern
  // keeps its backslashes literal, as on SQLite.
  out += escape == sql::LikeEscape::kBackslash ? " ESCAPE '\\'" : " ESCAPE ''";
  return out;
}

std::string PgDialect::RegexMatch(std::string_view lhs, std::string_view pattern) const {
  return Cat({"(", lhs, " ~ ", pattern, ")"});
}

std::string PgDialect::HexText(std::string_view blob_expr) const {
  return Cat({"encode(", blob_expr, ", 'hex')"});
}

std::string_view PgDialect::BoolLiteral(bool value) const { return value ? "TRUE" : "FALSE"; }

std::string PgDialect::JsonValue(std::string_view json_expr, sql::JsonScalar as) const {
  // #>> '{}' is the top-level value as text: strings unquoted, true/false, numbers, NULL for
  // JSON null, the JSON text of arrays and objects (as tl_json_text).
  std::string text = Cat({"(", json_expr, " #>> '{}')"});
  if (as == sql::JsonScalar::kText) return text;
  // A number, or a string that is a decimal number (checked before the cast, which would
  // otherwise fail the query), as double precision (as tl_json_number).
  return Cat({"(CASE jsonb_typeof(", json_expr, ") WHEN 'number' THEN ", text,
              "::double precision WHEN 'string' THEN CASE WHEN ", text,
              " ~ '^[[:space:]]*[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]{1,3})?$' THEN ",
              text, "::double precision END END)"});
}

}  // namespace tracelake::storage::postgres
