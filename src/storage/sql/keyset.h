// The sort of a trace search and keyset paging over it: the next page holds the rows strictly
// after the last row of this one in the sort order, so pages neither skip nor repeat rows while
// traces arrive. The sort expressions are standard SQL over the trace row `t`, the same for
// every dialect; only the placeholders of the keyset condition differ.
#pragma once

#include <string>
#include <vector>

#include "query/filter.h"
#include "storage/page_token.h"
#include "storage/sql/dialect.h"
#include "storage/sql/params.h"
#include "tracelake/status.h"

namespace tracelake::storage::sql {

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
// Appends "rows strictly after `after` in this order"; placeholders continue after
// out.params. kInvalidArgument if the values do not fit the keys (a token from another query
// shape).
Status AppendKeysetCondition(const Dialect& dialect, const std::vector<SortKey>& keys,
                             const std::vector<PageTokenValue>& after, SqlFragment& out);

}  // namespace tracelake::storage::sql
