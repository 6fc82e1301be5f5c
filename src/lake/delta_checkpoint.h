// Classic (V1, single-file) Delta checkpoints (shared/spec/delta-parquet.md section 1.8): the
// reconciled state at a version as `_delta_log/%020d.checkpoint.parquet`, written with our own
// ParquetWriter, then the `_last_checkpoint` hint.
//
//   ASSIGN_OR_RETURN(DeltaCheckpointInfo info,
//                    WriteDeltaCheckpoint(table_dir, snapshot, now_ms, options));
//
// Safe for concurrent use: both files appear by rename() of a complete temp file, two writers
// of the same checkpoint write equal contents, and the hint only moves forward (an flock'ed
// read-compare-rename), so it never names a checkpoint older than one it named before.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "lake/delta_log.h"
#include "lake/parquet_options.h"
#include "lake/parquet_schema.h"
#include "tracelake/status.h"

namespace tracelake::lake {

struct DeltaCheckpointInfo {
  int64_t version = -1;
  int64_t rows = 0;  // actions: protocol, metaData, txns, adds, tombstones
  int64_t size_bytes = 0;
  int64_t add_files = 0;
};

// The checkpoint file's columns: txn, add, remove, metaData, protocol (spec 1.8, types exact).
std::vector<Field> DeltaCheckpointFields();

// Removes younger than this stay in checkpoints (delta.deletedFileRetentionDuration default).
inline constexpr int64_t kDeltaTombstoneRetentionMs = 7LL * 24 * 3600 * 1000;

// Writes the checkpoint of `snapshot` (at snapshot.version, whose commit must exist) and then
// points `_last_checkpoint` at it unless it already names a newer one. `now_ms` decides which
// tombstones are still kept. Errors: kUnavailable for I/O; kFailedPrecondition for a snapshot
// without protocol or metaData.
Result<DeltaCheckpointInfo> WriteDeltaCheckpoint(const std::filesystem::path& table_dir,
                                                 const DeltaSnapshot& snapshot, int64_t now_ms,
                                                 const ParquetWriterOptions& options);

// The snapshot at the latest version: the newest checkpoint `_last_checkpoint` names (or, with
// no hint, the newest checkpoint file in the log), then the JSON commits after it; a table
// without a readable checkpoint is replayed from version 0. A checkpoint we cannot read (one
// written by another engine with other columns) is passed over the same way. Errors: kDataLoss
// when neither a checkpoint nor version 0 can be read but the log has commits; I/O errors.
Result<DeltaSnapshot> LoadDeltaSnapshot(const std::filesystem::path& table_dir);

struct DeltaLogCleanup {
  int64_t kept_checkpoint = -1;  // the checkpoint the log now starts from; -1: nothing deleted
  int64_t files_deleted = 0;
};

// Expired log cleanup (P§Metadata Cleanup): with C the newest checkpoint older than
// `retention` (by file time), deletes the commits and checkpoints before version C, so every
// version younger than the retention stays readable (time travel) and the log starts at C.
// Nothing is deleted when no checkpoint is that old. Errors: kUnavailable for I/O.
Result<DeltaLogCleanup> CleanUpDeltaLog(const std::filesystem::path& table_dir, int64_t now_ms,
                                        int64_t retention_ms);

// delta.logRetentionDuration's default: 30 days.
inline constexpr int64_t kDeltaLogRetentionMs = 30LL * 24 * 3600 * 1000;

}  // namespace tracelake::lake
