// The Delta Lake transaction log as tracelake writes and reads it (shared/spec/delta-parquet.md
// section 1; docs/lake.md "Delta log"): the actions, their JSON lines, the Spark schema string,
// replay of the JSON commits into a snapshot, and the put-if-absent commit.
//
//   DeltaSnapshot snapshot;
//   ASSIGN_OR_RETURN(DeltaLogUpdate update, UpdateDeltaSnapshot(table_dir, snapshot));
//   std::string commit = DeltaActionJson(DeltaTxn{"app", 7, now_ms}) + "\n" + ...;
//   ASSIGN_OR_RETURN(bool created, PutDeltaCommit(table_dir, snapshot.version + 1, commit));
//
// ReadDeltaSnapshot replays every JSON commit from version 0; LoadDeltaSnapshot
// (delta_checkpoint.h) starts from the newest checkpoint, as a log whose oldest commits were
// cleaned up needs. The functions
// are safe for concurrent use; a DeltaSnapshot is a plain value.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "lake/parquet_schema.h"
#include "tracelake/status.h"

namespace tracelake::lake {

struct DeltaProtocol {
  int32_t min_reader_version = 1;
  int32_t min_writer_version = 2;
  std::vector<std::string> reader_features;  // written only for reader version 3
  std::vector<std::string> writer_features;  // written only for writer version 7
};

struct DeltaMetadata {
  std::string id;  // a UUID
  std::string name;
  std::string schema_string;  // the Spark schema JSON, see DeltaSchemaString
  std::vector<std::string> partition_columns;
  std::map<std::string, std::string> configuration;
  int64_t created_time = 0;  // ms since the epoch
};

// Partition column -> serialized value; nullopt is a null partition value (JSON null).
using DeltaPartitionValues = std::map<std::string, std::optional<std::string>>;

struct DeltaAddFile {
  std::string path;  // relative to the table root
  DeltaPartitionValues partition_values;
  int64_t size = 0;
  int64_t modification_time = 0;  // ms
  bool data_change = true;
  std::string stats;  // a JSON object serialized into a string (DeltaStatsJson); may be empty
};

struct DeltaRemoveFile {
  std::string path;
  int64_t deletion_timestamp = 0;  // ms
  bool data_change = true;
  DeltaPartitionValues partition_values;
  int64_t size = 0;
};

struct DeltaTxn {
  std::string app_id;
  int64_t version = 0;
  int64_t last_updated = 0;  // ms
};

// Provenance only: written first in every commit, never read back.
struct DeltaCommitInfo {
  int64_t timestamp = 0;  // ms
  std::string operation;  // "CREATE TABLE", "WRITE", "DELETE", ...
  std::vector<std::pair<std::string, std::string>> operation_parameters;
  std::optional<int64_t> read_version;
  bool is_blind_append = true;
  std::vector<std::pair<std::string, std::string>> operation_metrics;  // values are strings
  std::string engine_info;
  std::string txn_id;
};

using DeltaAction = std::variant<DeltaCommitInfo, DeltaProtocol, DeltaMetadata, DeltaAddFile,
                                 DeltaRemoveFile, DeltaTxn>;

// One line of a commit file (without the newline): an object with exactly one key.
std::string DeltaActionJson(const DeltaAction& action);

// The whole commit file: one line per action, each ending in a newline.
std::string DeltaCommitJson(const std::vector<DeltaAction>& actions);

// The actions of a commit file; commitInfo and unknown actions and fields are skipped.
// Errors: kDataLoss when a line is not JSON or an action misses a required field.
Result<std::vector<DeltaAction>> ParseDeltaCommit(std::string_view text);

// The Spark schema JSON of a table with these columns: nullable = optional, list elements are
// `array`s (containsNull = optional element), maps `map`s with string keys.
std::string DeltaSchemaString(const std::vector<Field>& columns);

// The reconciled state of a table at `version` (P§Action Reconciliation).
struct DeltaSnapshot {
  int64_t version = -1;  // -1: no commit yet
  std::optional<DeltaProtocol> protocol;
  std::optional<DeltaMetadata> metadata;
  std::map<std::string, DeltaAddFile> files;          // live files by path
  std::map<std::string, DeltaRemoveFile> tombstones;  // removed files by path
  std::map<std::string, DeltaTxn> txns;               // the latest txn per app id

  // Applies the actions of the next commit and advances `version`.
  void Apply(const std::vector<DeltaAction>& actions);
};

// What the commits read by an update held that a blind append conflicts with (spec 1.7).
struct DeltaLogUpdate {
  int64_t commits = 0;  // commits applied
  bool protocol_changed = false;
  bool metadata_changed = false;
};

// Reads the commits after snapshot.version, in order, until the next one does not exist.
// Errors: kDataLoss for an unreadable commit (the snapshot then holds the commits before it);
// kUnavailable when a file cannot be read.
Result<DeltaLogUpdate> UpdateDeltaSnapshot(const std::filesystem::path& table_dir,
                                           DeltaSnapshot& snapshot);

// The snapshot at the latest version (version -1 when the table has no log).
Result<DeltaSnapshot> ReadDeltaSnapshot(const std::filesystem::path& table_dir);

// "_delta_log/00000000000000000007.json" and friends.
std::filesystem::path DeltaLogDir(const std::filesystem::path& table_dir);
std::string DeltaVersionName(int64_t version, std::string_view suffix);  // "%020d" + suffix

// Creates commit `version` with `content` only if it does not exist yet (temp file, fsync,
// link(); spec 1.7) and fsyncs the log directory. Returns false when another writer created it
// first (the commit is then not written). Errors: kUnavailable for I/O failures.
Result<bool> PutDeltaCommit(const std::filesystem::path& table_dir, int64_t version,
                            std::string_view content);

// A random (version 4) UUID, from the kernel's random source.
std::string NewUuid();

// JSON text of `s` with quotes, escaping quotes, backslashes and control characters.
void AppendJsonString(std::string_view s, std::string& out);

// fsync of a file or directory. Errors: kUnavailable.
Status SyncPath(const std::filesystem::path& path);

}  // namespace tracelake::lake
