// The otel_spans, otel_logs and otel_annotations tables and the traces view of `tracelake sql`
// (issue 13 part 5, docs/sql.md): read-only SQLite virtual tables over the store's own tables,
// with the columns of the lake's Delta tables (lake/otel_tables.h; shared/spec/delta-parquet.md
// section 3, portable mode). SQLite types:
//   - strings, JSON text: TEXT. Maps, lists and structs are JSON text (maps as objects, lists
//     as arrays, structs as objects keyed by field name), so json_extract(attributes,
//     '$."gen_ai.request.model"') and json_each(events) work.
//   - time, created_at, ...: TEXT, ISO 8601 UTC with microseconds ('2024-06-15T10:00:00.250123Z'),
//     which SQLite's date functions read; date: TEXT 'YYYY-MM-DD'. The exact times stay in the
//     *_unix_nano INTEGER columns.
//   - ints and longs: INTEGER.
// `WHERE trace_id = '<32 lowercase hex>'` (target_id for otel_annotations) reads only that
// trace; any other query scans every trace in trace_key order, one trace in memory at a time.
//
// The tables are eponymous (no CREATE VIRTUAL TABLE needed) and read through the connection
// they are registered on with their own statements on main.* (the traces view shadows
// main.traces for the user). Register them only on the SQL engine's read-only connection
// (sql_query.h), never on an ingest connection.
#pragma once

#include <sqlite3.h>

#include "tracelake/status.h"

namespace tracelake::storage::sqlite {

// Registers the three virtual table modules and creates the TEMP view `traces` on `db`.
// Call before the connection is made query-only.
Status RegisterOtelSqlTables(sqlite3* db);

}  // namespace tracelake::storage::sqlite
