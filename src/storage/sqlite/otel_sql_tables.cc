#include "storage/sqlite/otel_sql_tables.h"

namespace tracelake::storage::sqlite {

// Placeholder until the virtual tables land: registers nothing.
Status RegisterOtelSqlTables(sqlite3* /*db*/) { return Status::Ok(); }

}  // namespace tracelake::storage::sqlite
