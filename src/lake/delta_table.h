// A Delta Lake table that tracelake appends to (shared/spec/delta-parquet.md section 1;
// docs/lake.md "Delta log"): Parquet files split by partition value, committed with their
// stats and an idempotency `txn` in one put-if-absent commit, checkpointed every
// `checkpoint_interval` commits; old partitions dropped and their files vacuumed.
//
//   DeltaTableConfig config;
//   config.name = "tracelake_otel_spans";
//   config.columns = {Field::Leaf("trace_id", FieldType::kString),
//                     Field::Leaf("time", FieldType::kTimestampMicros),
//                     Field::Leaf("date", FieldType::kDate)};
//   config.partition_column = "date";
//   ASSIGN_OR_RETURN(auto table, DeltaTable::Open("/lake/spans", std::move(config)));
//   ASSIGN_OR_RETURN(DeltaAppendResult r, table->Append("server-1/spans", batch_seq, rows));
//
// Several DeltaTable objects, in this process or others, may write the same directory at once:
// commits never overwrite each other (link() put-if-absent) and a blind append that loses a
// race is retried at the next version. The filesystem must make link() atomic (local disks do;
// NFS/SMB are unconfirmed). Safe for concurrent use; calls on one object run one at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/mutex.h"
#include "lake/delta_log.h"
#include "lake/parquet_options.h"
#include "lake/parquet_schema.h"
#include "lake/parquet_value.h"
#include "tracelake/status.h"

namespace tracelake::lake {

struct DeltaTableConfig {
  std::string name;            // metaData.name, e.g. "tracelake_otel_spans"
  std::vector<Field> columns;  // the table's columns in order, the partition column included
  // A top-level kDate, kString, kInt32 or kInt64 column, or none. Its values become directory
  // names: strings must be made of [A-Za-z0-9._-] (no escaping is written; spec 1.4).
  std::optional<std::string> partition_column;
  std::map<std::string, std::string> configuration;  // extra metaData.configuration entries
  // Written when the table is created: (1,2) by default; (3,7) with the variantType feature
  // for VARIANT columns (Field::Variant; spec 1.6).
  DeltaProtocol protocol;
  int checkpoint_interval = 10;  // also written as delta.checkpointInterval
  // After each checkpoint, commits and checkpoints older than this are deleted where a newer
  // checkpoint older than this covers them (CleanUpDeltaLog); 0 keeps the whole log.
  std::chrono::milliseconds log_retention{std::chrono::hours(24 * 30)};
  ParquetWriterOptions parquet;  // ZSTD by default; Snappy or none
  std::string engine_info = "tracelake/0.1.0";
  const Clock* clock = &SystemClock::Default();  // commit timestamps, vacuum's "now"
  int max_commit_attempts = 100;                 // per Append, conflicts included
  // Append writes and syncs its data files, then fails with kAborted before committing: the
  // files are left behind as a crash would leave them.
  bool crash_before_commit_for_testing = false;
};

struct DeltaAppendResult {
  int64_t version = -1;  // the commit written; -1 when already_committed
  bool already_committed = false;
  int64_t files = 0;
  int64_t rows = 0;
  int64_t bytes = 0;
  int64_t attempts = 0;             // commit attempts (1 without conflicts)
  int64_t checkpoint_version = -1;  // the checkpoint written after the commit, if any
  // A checkpoint is written after the commit succeeded, so its failure does not fail Append:
  // the next due checkpoint covers the state again.
  Status checkpoint_status;
  int64_t log_files_deleted = 0;  // expired log files the checkpoint let go
};

struct DeltaDropResult {
  int64_t version = -1;  // -1: nothing to drop, no commit
  int64_t files = 0;
  int64_t bytes = 0;
};

struct DeltaOptimizeResult {
  int64_t version = -1;  // -1: nothing to compact, no commit
  int64_t files_removed = 0;
  int64_t files_added = 0;
  int64_t rows = 0;
  int64_t bytes_removed = 0;
  int64_t bytes_added = 0;
};

struct DeltaVacuumResult {
  std::vector<std::string> files;  // deleted (or, on a dry run, to delete), relative paths
  int64_t bytes = 0;
};

class DeltaTable {
 public:
  // Opens the table at `dir`, creating version 0 (commitInfo CREATE TABLE, protocol (1,2),
  // metaData from `config`) when it has no log yet. Errors: kInvalidArgument for a bad config;
  // kFailedPrecondition when the existing table's protocol is one we cannot write (spec 1.6) or
  // its schema or partition columns differ from `config`; kUnavailable/kDataLoss for I/O and
  // unreadable commits.
  static Result<std::unique_ptr<DeltaTable>> Open(const std::filesystem::path& dir,
                                                  DeltaTableConfig config);

  // The latest txn version committed for `app_id`, read fresh from the log; nullopt when none.
  Result<std::optional<int64_t>> TxnVersion(const std::string& app_id);

  // Appends full-table rows (values in `columns` order, partition value included) as batch
  // `txn_version` of `app_id`: one Parquet file per partition value (rows in the given order,
  // without the partition column), then one commit of the adds, the txn and commitInfo. When
  // the table already holds txn_version (or a later one) for app_id, nothing is written and
  // already_committed is set; the same holds when a concurrent writer commits it first (our
  // files are then deleted). An empty app_id writes no txn: no idempotency. Empty `rows`
  // commit only the txn (so an empty batch is remembered too). Errors: kInvalidArgument for rows
  // that do not fit (nothing is written); kFailedPrecondition when the protocol became unwritable;
  // kAborted when a concurrent commit changed protocol or metaData, or after max_commit_attempts
  // (our files are deleted: the batch can be retried with the same txn_version); kUnavailable for
  // I/O.
  Result<DeltaAppendResult> Append(const std::string& app_id, int64_t txn_version,
                                   const std::vector<Row>& rows);

  // Removes (dataChange true) every file whose partition value is below `value`, compared as
  // text (ISO dates order as text): retention of old `date` partitions. Refused
  // (kFailedPrecondition) on a table with delta.appendOnly=true or without a partition column.
  Result<DeltaDropResult> DropPartitionsBefore(const std::string& value);

  // Compaction (spec 1.9): per partition, live files smaller than `target_file_bytes` are read
  // back (ReadParquetRows) and rewritten, oldest first and rows in order, into files of about
  // that size; one commit adds the new files and removes the old, all dataChange false, so
  // readers of the change feed see no new data. A partition with one small file is left alone.
  // Errors: kAborted when a concurrent commit removed one of the files first (the new files are
  // deleted); kDataLoss for an unreadable data file; kUnavailable for I/O.
  Result<DeltaOptimizeResult> Optimize(int64_t target_file_bytes);

  // Deletes data files older than `retention` that no live add names: removed files whose
  // tombstone is older, and unreferenced files (crash leftovers) whose mtime is older. Younger
  // unreferenced files are kept: a concurrent writer may be about to commit them. Hidden paths
  // (`_*`, `.*`, so the log) are never touched. `dry_run` only lists.
  Result<DeltaVacuumResult> Vacuum(std::chrono::milliseconds retention, bool dry_run);

  // The snapshot after reading the log's new commits.
  Result<DeltaSnapshot> Snapshot();

  const std::filesystem::path& dir() const { return dir_; }

 private:
  DeltaTable(std::filesystem::path dir, DeltaTableConfig config);

  Status Refresh() TL_REQUIRES(mu_);
  // Writes `rows` (the file's columns only) as a new data file of partition `value` and
  // syncs it; nothing is left behind on error. The add has no dataChange decided yet.
  struct WrittenFile {
    DeltaAddFile add;
    int64_t rows = 0;
  };
  Result<WrittenFile> WriteDataFile(const std::optional<std::string>& value,
                                    const std::vector<Row>& rows) TL_REQUIRES(mu_);
  Status CheckWritable() const TL_REQUIRES(mu_);
  // Commits `actions` at the next version, retrying conflicts; see Append for `app_id`.
  struct CommitOutcome {
    int64_t version = -1;
    bool already_committed = false;
    int64_t attempts = 0;
  };
  Result<CommitOutcome> Commit(const std::vector<DeltaAction>& actions, const std::string& app_id,
                               int64_t txn_version) TL_REQUIRES(mu_);
  void MaybeCheckpoint(int64_t version, DeltaAppendResult& result) TL_REQUIRES(mu_);
  DeltaCommitInfo NewCommitInfo(std::string operation) const TL_REQUIRES(mu_);

  const std::filesystem::path dir_;
  const DeltaTableConfig config_;
  const std::vector<Field> file_fields_;  // the columns without the partition column
  const int partition_index_;             // -1: not partitioned

  Mutex mu_;
  DeltaSnapshot snapshot_ TL_GUARDED_BY(mu_);
};

}  // namespace tracelake::lake
