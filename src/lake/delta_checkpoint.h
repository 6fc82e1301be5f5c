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

}  // namespace tracelake::lake
