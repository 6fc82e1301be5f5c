// MLflow's search_experiments filter and order_by, translated to SQL over `experiments e`
// in a Dialect's spelling.
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

#include "storage/sql/dialect.h"
#include "storage/sql/params.h"
#include "tracelake/status.h"

namespace tracelake::storage::sql {

// Appends " AND <condition>" per comparison to out; placeholders continue after out.params.
Status ExperimentFilterToSql(const Dialect& dialect, std::string_view filter, SqlFragment& out);

// The ORDER BY list (without the keyword).
Result<std::string> ExperimentOrderBy(const std::vector<std::string>& order_by);

}  // namespace tracelake::storage::sql
