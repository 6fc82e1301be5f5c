// The filter and order_by of MLflow's search_datasets, translated to SQL over `datasets d`
// (tags in dataset_tags g) in a Dialect's spelling.
//
// Filter: comparisons joined by AND (case-insensitive keyword), each one of
//   name | created_by | last_updated_by | tags.<key>   =, !=, LIKE, ILIKE   'text'
//   created_time | last_update_time                    =, !=, <, <=, >, >=  integer (ms)
// Strings take single or double quotes. Anything else is kInvalidArgument naming the position.
//
// Order by: "name", "created_time", "last_update_time" then ASC (default) or DESC; default
// "created_time DESC"; the dataset's row key breaks ties.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "storage/sql/dialect.h"
#include "storage/sql/params.h"
#include "tracelake/status.h"

namespace tracelake::storage::sql {

// Appends " AND <condition>" per comparison to out.
Status DatasetFilterToSql(const Dialect& dialect, std::string_view filter, SqlFragment& out);

// The ORDER BY list (without the keyword).
Result<std::string> DatasetOrderBy(const std::vector<std::string>& order_by);

}  // namespace tracelake::storage::sql
