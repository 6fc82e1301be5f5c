// SQL functions tracelake registers on every SQLite connection, used by filter_sql.cc:
//
//   tl_chunk_attr(chunk, key)  JSON array with the value of attribute `key` of each span in a
//                              span chunk that has it; NULL when none does. Strings are given
//                              as text (JSON-encoded strings, as MLflow writes its attributes,
//                              unquoted), integers and doubles as JSON numbers, booleans as
//                              'true'/'false', arrays and maps as their JSON text. mlflow.* keys
//                              that normalization derives (mlflow.spanType, mlflow.spanInputs, ...)
//                              are derived on the fly.
//   tl_chunk_text(chunk)       JSON array with one string per span: the text of its attribute
//                              and event attribute values, newline-separated (span.content).
//   tl_json_text(json)         a JSON value as comparable text: strings unquoted, booleans
//                              'true'/'false', numbers as written, NULL for null.
//   tl_json_number(json)       a JSON number (or a string holding one) as REAL, else NULL.
//
// Corrupt chunks yield NULL rather than an error, so one bad row cannot fail every search.
#pragma once

#include <sqlite3.h>

#include "tracelake/status.h"

namespace tracelake::storage::sqlite {

Status RegisterSqlFunctions(sqlite3* db);

}  // namespace tracelake::storage::sqlite
