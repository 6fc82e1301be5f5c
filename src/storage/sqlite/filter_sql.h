// Translates the trace search AST (query/filter.h) and order_by list into SQLite SQL over the
// schema in schema.cc. The trace row is aliased `t`. Every user-supplied value becomes a bound
// parameter; only fixed SQL text and column names are ever concatenated.
//
// Semantics of each field (the user-facing grammar is docs/search.md):
//  - status/state: =, !=, IN, NOT IN over OK / ERROR / IN_PROGRESS / STATE_UNSPECIFIED.
//  - timestamp_ms, end_time_ms, execution_time_ms: numeric comparisons at millisecond precision
//    over nanosecond columns (x > 5 means "in a later millisecond than 5").
//  - name, client_request_id, trace_id, tags.*, metadata.*, run_id: string comparisons
//    (=, !=, <, <=, >, >=, LIKE, ILIKE, RLIKE, IN, NOT IN); tags/metadata also IS [NOT] NULL.
//    LIKE is case-sensitive and ILIKE not, as in MLflow; RLIKE is a regular-expression search
//    (storage/regex.h: linear time; unsupported syntax is kInvalidArgument).
//  - text: case-insensitive substring (=) or pattern (LIKE/ILIKE) over the request and
//    response previews and the root span's name.
//  - span.name, span.type, span.status: some span of the trace satisfies the comparison.
//  - span.attributes.<k>: some span has attribute k satisfying it (string values as text,
//    JSON-encoded strings such as MLflow's unquoted, numbers numerically for <, >, ...).
//  - span.content: some span's attribute text contains the value (=, case-insensitive) or
//    matches the pattern (LIKE/ILIKE).
//  - feedback.<name>, expectation.<name>: some valid assessment of that name and kind has a value
//    satisfying it; strings compare unquoted, booleans as 'true'/'false', numbers numerically
//    when compared with a number.
//  - prompt: kInvalidArgument (not supported).
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "query/filter.h"
#include "storage/page_token.h"
#include "storage/sqlite/sqlite_db.h"
#include "tracelake/status.h"

namespace tracelake::storage::sqlite {

struct SqlBlob {
  std::string bytes;
};
using SqlParam = std::variant<int64_t, double, std::string, SqlBlob>;

struct SqlFragment {
  std::string sql;
  std::vector<SqlParam> params;
};

// Binds params to ?1, ?2, ... of stmt.
void BindParams(Stmt& stmt, const std::vector<SqlParam>& params);

// Appends the condition for expr to out. kInvalidArgument for unsupported fields/operators.
Status FilterToSql(const query::Expr& expr, SqlFragment& out);

// One ORDER BY term. kind tells how its value is carried in page tokens.
struct SortKey {
  enum class Kind { kInt, kText, kBlob };
  std::string expr;  // SQL over alias t
  Kind kind;
  bool ascending;
};

// The sort of a search: the requested clauses, then newest first, then trace_key as the
// unique tie-breaker (so keyset paging never skips or repeats rows).
std::vector<SortKey> SortKeysFor(const std::vector<query::OrderBy>& order_by);
std::string OrderByClause(const std::vector<SortKey>& keys);
// "expr1, expr2, ..." to select the key values of each row (for the next page token).
std::string SortKeyColumns(const std::vector<SortKey>& keys);
// Appends "rows strictly after `after` in this order". kInvalidArgument if the values do not
// fit the keys (a token from another query shape).
Status AppendKeysetCondition(const std::vector<SortKey>& keys,
                             const std::vector<PageTokenValue>& after, SqlFragment& out);

}  // namespace tracelake::storage::sqlite
