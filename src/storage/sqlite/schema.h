// The SQLite schema (docs/schema.md explains every table and index) and its migrations.
#pragma once

#include <cstdint>
#include <string_view>

#include "storage/sqlite/sqlite_db.h"

namespace tracelake::storage::sqlite {

// PRAGMA user_version of a database this binary fully understands.
inline constexpr int kSchemaVersion = 8;

// span_chunks.chunk_id = trace_key * kChunksPerTrace + sequence number within the trace, so a
// trace's chunks are one range of the table's rowid B-tree (no index needed) and new traces
// append at its end.
inline constexpr int64_t kChunksPerTrace = int64_t{1} << 20;

// Whether the trace row `t` is shown as fragmented: its root has not arrived and it has spans (a
// trace opened by StartTraceV3 whose spans are not uploaded yet is not a fragment). The one
// definition, used by reads (LoadTraceInfo) and by search (metadata.`tracelake.fragmented`).
inline constexpr std::string_view kFragmentedSql = "(t.fragmented != 0 AND t.span_count > 0)";

// The evaluation run an assessment belongs to (its mlflow.assessment.sourceRunId metadata), as
// indexed by assessments_by_source_run (schema 7): queries must spell it exactly so, over the
// assessments table's own columns, with "kind = 1 AND valid = 1" (the index's condition).
inline constexpr std::string_view kAssessmentSourceRunSql =
    "(CASE WHEN json_valid(metadata_json) THEN "
    "json_extract(metadata_json, '$.\"mlflow.assessment.sourceRunId\"') END)";

// Creates the schema in an empty database, or migrates an older one to kSchemaVersion, in one
// transaction; creates experiment 0 ("Default"). kFailedPrecondition for a database written by
// a newer tracelake.
Status MigrateSchema(Db& db, int64_t now_ms);

}  // namespace tracelake::storage::sqlite
