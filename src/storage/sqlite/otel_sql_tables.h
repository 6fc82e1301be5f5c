// The otel_spans, otel_logs and otel_annotations tables of `tracelake sql` (issue 13 part 5):
// read-only SQLite virtual tables over the store's own tables, with the columns of the lake's
// Delta tables (shared/spec/delta-parquet.md section 3, portable mode: maps, lists and structs
// as JSON text, so json_extract() queries attributes).
//
// Registered on the read-only connection the SQL engine opens; never on an ingest connection.
#pragma once

#include <sqlite3.h>

#include "tracelake/status.h"

namespace tracelake::storage::sqlite {

// Registers the virtual table modules and creates the eponymous tables (or TEMP views) named
// otel_spans, otel_logs and otel_annotations on `db`.
Status RegisterOtelSqlTables(sqlite3* db);

}  // namespace tracelake::storage::sqlite
