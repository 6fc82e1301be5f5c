// SQLite's spelling of the shared SQL layer (storage/sql/), and the binding of its parameters
// to a prepared statement. SQLite serves every capability: span attribute and content search
// run on the chunk-decoding functions registered on each connection (sql_functions.h).
#pragma once

#include <vector>

#include "storage/sql/dialect.h"
#include "storage/sql/experiment_filter.h"
#include "storage/sql/filter_sql.h"
#include "storage/sql/keyset.h"
#include "storage/sql/params.h"
#include "storage/sqlite/sqlite_db.h"

namespace tracelake::storage::sqlite {

// The SQLite backend speaks the shared layer's types and sort.
using sql::OrderByClause;
using sql::SortKey;
using sql::SortKeyColumns;
using sql::SortKeysFor;
using sql::SqlBlob;
using sql::SqlFragment;
using sql::SqlParam;

// Placeholders "?" (numbered by position), LIKE made case-insensitive with lower() on both
// sides (connections run with case_sensitive_like = ON), tl_regexp, lower(hex(..)), 0/1,
// tl_json_text/tl_json_number. Immutable: safe for concurrent use.
class SqliteDialect final : public sql::Dialect {
 public:
  // The one instance.
  static const SqliteDialect& Instance();

  std::string Placeholder(size_t n) const override;
  std::string Like(std::string_view lhs, std::string_view pattern, sql::CaseSensitivity cs,
                   sql::LikeEscape escape) const override;
  std::string RegexMatch(std::string_view lhs, std::string_view pattern) const override;
  std::string HexText(std::string_view blob_expr) const override;
  std::string_view BoolLiteral(bool value) const override;
  std::string JsonValue(std::string_view json_expr, sql::JsonScalar as) const override;

 private:
  SqliteDialect();
};

// Binds params to ?1, ?2, ... of stmt.
void BindParams(Stmt& stmt, const std::vector<SqlParam>& params);

}  // namespace tracelake::storage::sqlite
