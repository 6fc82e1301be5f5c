// The SQLite schema (docs/schema.md explains every choice) and its migrations.
#pragma once

#include "storage/sqlite/sqlite_db.h"

namespace tracelake::storage::sqlite {

inline constexpr int kSchemaVersion = 1;

// Creates or migrates the schema to kSchemaVersion inside one transaction, and creates the
// "Default" experiment 0. kFailedPrecondition for a database newer than this binary.
Status MigrateSchema(Db& db, int64_t now_ms);

}  // namespace tracelake::storage::sqlite
