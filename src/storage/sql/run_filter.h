// MLflow's search_runs filter and order_by (mlflow/utils/search_utils.py SearchUtils),
// translated to SQL over `runs r` (docs/schema.md, version 5) in a Dialect's spelling.
//
// Filter: comparisons joined by AND (case-insensitive keyword), each one of
//   metrics.<key>                      =, !=, <, <=, >, >=   number   (latest value of the key)
//   params.<key> | tags.<key>          =, !=, LIKE, ILIKE   'text';  IS NULL, IS NOT NULL
//   attributes.<name>                  run_id, run_name, status, user_id, artifact_uri:
//                                      =, !=, LIKE, ILIKE 'text', IN / NOT IN ('a', 'b')
//                                      start_time, end_time (created): numeric comparators
// The prefixes take MLflow's spellings (metric, param, parameter(s), tag, attr, run); a bare
// name is an attribute. Keys with dots or spaces go in backticks or double quotes. Strings take
// single or double quotes. Anything else is kInvalidArgument naming the position.
//
// Order by: the same fields (metrics/params/tags by key, attributes by name) then ASC (default)
// or DESC; missing values sort last; start_time DESC then run_uuid break ties, as MLflow.
#pragma once

#include <string_view>
#include <vector>

#include "storage/sql/dialect.h"
#include "storage/sql/params.h"
#include "tracelake/status.h"

namespace tracelake::storage::sql {

// Appends " AND <condition>" per comparison to out; placeholders continue after out.params.
Status RunFilterToSql(const Dialect& dialect, std::string_view filter, SqlFragment& out);

// Appends the ORDER BY list (without the keyword) to out; placeholders continue after
// out.params.
Status RunOrderByToSql(const Dialect& dialect, const std::vector<std::string>& order_by,
                       SqlFragment& out);

}  // namespace tracelake::storage::sql
