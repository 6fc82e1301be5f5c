// Translates the search AST (query/filter.h) into a SQL WHERE fragment over the traces table
// (alias t) with bound parameters. User text is only ever bound, never spliced.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "query/filter.h"
#include "tracelake/status.h"

namespace tracelake::storage::sqlite {

using SqlParam = std::variant<int64_t, double, std::string, std::vector<uint8_t>>;

struct SqlFragment {
  std::string sql;
  std::vector<SqlParam> params;
};

// Appends the condition for expr to out. kInvalidArgument for unsupported combinations.
Status FilterToSql(const query::Expr& expr, SqlFragment& out);

// "t.request_time DESC, t.trace_key DESC" style ORDER BY list (without the keyword).
std::string OrderByToSql(const std::vector<query::OrderBy>& order_by);

}  // namespace tracelake::storage::sqlite
