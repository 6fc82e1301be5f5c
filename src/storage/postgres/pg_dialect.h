// PostgreSQL's spelling of the shared SQL layer (storage/sql/). It only writes SQL text, so it
// needs no libpq; the PostgreSQL store will bind SqlParams with PQexecParams ($n order).
//
// Assumptions about the PostgreSQL schema, which is to mirror docs/schema.md table by table
// with the same table and column names:
//  - integers are bigint (booleans stored as 0/1 integers too: `t.fragmented != 0`,
//    `a.valid = 1` stay valid), blobs are bytea (trace_id, span_id, span_chunks.body), and
//    SqlBlob parameters bind as bytea;
//  - text columns are declared COLLATE "C", so =, <, ORDER BY and keyset paging compare
//    bytewise as SQLite's BINARY collation does (and an index serves them);
//  - assessments.value_json is jsonb;
//  - span chunks stay zstd-compressed bytea that PostgreSQL cannot read without a server-side C
//    extension, which managed services refuse: this dialect declares no capability, so
//    span.attributes.* and span.content are refused until a searchable layout (a
//    span_attributes side table or jsonb) exists.
// Differences in meaning that remain: ILIKE folds case by the database's locale (SQLite's
// lower() folds ASCII only); `~` is PostgreSQL's regex engine, fed only patterns that
// storage/regex.h accepts (its syntax is a subset of PostgreSQL's ARE, same meaning); an
// assessment value (a JSON number or numeric string) beyond the double range makes a numeric
// comparison fail the query instead of not matching.
#pragma once

#include "storage/sql/dialect.h"

namespace tracelake::storage::postgres {

// Placeholders $1, $2, ..., ILIKE, `~`, encode(.., 'hex'), TRUE/FALSE, jsonb operators.
// Immutable: safe for concurrent use.
class PgDialect final : public sql::Dialect {
 public:
  // The one instance.
  static const PgDialect& Instance();

  std::string Placeholder(size_t n) const override;
  std::string Like(std::string_view lhs, std::string_view pattern, sql::CaseSensitivity cs,
                   sql::LikeEscape escape) const override;
  std::string RegexMatch(std::string_view lhs, std::string_view pattern) const override;
  std::string HexText(std::string_view blob_expr) const override;
  std::string_view BoolLiteral(bool value) const override;
  std::string JsonValue(std::string_view json_expr, sql::JsonScalar as) const override;

 private:
  PgDialect();
};

}  // namespace tracelake::storage::postgres
