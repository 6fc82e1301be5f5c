// MLflow's search_experiments filter and order_by, translated to SQLite over `experiments e`.
//
// Filter: comparisons joined by AND (case-insensitive keyword), each one of
//   name | attributes.name            =, !=, LIKE, ILIKE   'text'
//   tags.<key> | tags.`key with dots` =, !=, LIKE, ILIKE   'text'   (an experiment with that tag)
//   creation_time | last_update_time  =, !=, <, <=, >, >=  integer (ms)
// Strings take single or double quotes. Anything else is kInvalidArgument naming the position.
//
// Order by: "name", "creation_time", "last_update_time", "experiment_id" (optionally with the
// attributes. prefix), then ASC (default) or DESC; default "creation_time DESC, experiment_id
// ASC"; experiment_id DESC breaks remaining ties, as MLflow does.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "storage/sqlite/filter_sql.h"
#include "tracelake/status.h"

namespace tracelake::storage::sqlite {

// Appends " AND <condition>" per comparison to out.
Status ExperimentFilterToSql(std::string_view filter, SqlFragment& out);

// The ORDER BY list (without the keyword).
Result<std::string> ExperimentOrderBy(const std::vector<std::string>& order_by);

}  // namespace tracelake::storage::sqlite
