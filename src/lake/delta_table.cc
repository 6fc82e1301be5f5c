#include "lake/delta_table.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <iterator>
#include <random>
#include <set>
#include <system_error>
#include <thread>
#include <tuple>
#include <utility>

#include "lake/delta_checkpoint.h"
#include "lake/delta_stats.h"
#include "lake/parquet_reader.h"
#include "lake/parquet_writer.h"

namespace tracelake::lake {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kNullPartitionDir = "__HIVE_DEFAULT_PARTITION__";

std::string JsonArrayText(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    AppendJsonString(items[i], out);
  }
  return out + "]";
}

std::string_view CodecSuffix(Codec codec) {
  switch (codec) {
    case Codec::kZstd:
      return ".zstd";
    case Codec::kSnappy:
      return ".snappy";
    case Codec::kUncompressed:
      return "";
  }
  return "";
}

int64_t MtimeMillis(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
}

// Partition values become directory names and `add.path`s without escaping, so only
// characters that every escaping step leaves alone are accepted (spec 1.4).
bool IsPlainPartitionText(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

// The serialized partition value of a row (P§Partition Value Serialization); nullopt for null
// and for the empty string, which Delta also writes as null.
Result<std::optional<std::string>> PartitionText(const Field& field, const Value& value) {
  if (value.is_null()) return std::optional<std::string>();
  const Value::Variant& v = value.get();
  if (field.type == FieldType::kDate && std::holds_alternative<int32_t>(v)) {
    return std::optional<std::string>(DeltaDateString(std::get<int32_t>(v)));
  }
  if (field.type == FieldType::kInt32 && std::holds_alternative<int32_t>(v)) {
    return std::optional<std::string>(std::to_string(std::get<int32_t>(v)));
  }
  if (field.type == FieldType::kInt64 && std::holds_alternative<int64_t>(v)) {
    return std::optional<std::string>(std::to_string(std::get<int64_t>(v)));
  }
  if (field.type == FieldType::kString && std::holds_alternative<std::string>(v)) {
    const std::string& s = std::get<std::string>(v);
    if (s.empty()) return std::optional<std::string>();
    if (!IsPlainPartitionText(s)) {
      return InvalidArgumentError("partition column " + field.name +
                                  " has a value outside [A-Za-z0-9._-]");
    }
    return std::optional<std::string>(s);
  }
  return InvalidArgumentError("partition column " + field.name + " has a value of the wrong type");
}

void DeleteFiles(const fs::path& dir, const std::vector<DeltaAddFile>& files) {
  for (const DeltaAddFile& f : files) {
    std::error_code ec;
    fs::remove(dir / f.path, ec);  // best effort: vacuum deletes what is left
  }
}

void Backoff(int attempt) {
  // Jittered exponential backoff, capped: writers that lost the same race spread out.
  thread_local std::minstd_rand rng(std::random_device{}());
  const int cap_ms = std::min(64, 1 << std::min(attempt, 6));
  std::uniform_int_distribution<int> us(0, cap_ms * 1000);
  std::this_thread::sleep_for(std::chrono::microseconds(us(rng)));
}

}  // namespace

DeltaTable::DeltaTable(fs::path dir, DeltaTableConfig config)
    : dir_(std::move(dir)),
      config_(std::move(config)),
      file_fields_([this] {
        std::vector<Field> fields;
        for (const Field& f : config_.columns) {
          if (!config_.partition_column || f.name != *config_.partition_column) fields.push_back(f);
        }
        return fields;
      }()),
      partition_index_([this] {
        for (size_t i = 0; i < config_.columns.size(); ++i) {
          if (config_.partition_column && config_.columns[i].name == *config_.partition_column) {
            return static_cast<int>(i);
          }
        }
        return -1;
      }()) {}

Result<std::unique_ptr<DeltaTable>> DeltaTable::Open(const fs::path& dir, DeltaTableConfig config) {
  RETURN_IF_ERROR(ParquetSchema::Make(config.columns).status());
  if (config.checkpoint_interval < 1) {
    return InvalidArgumentError("checkpoint_interval must be at least 1");
  }
  if (config.max_commit_attempts < 1) {
    return InvalidArgumentError("max_commit_attempts must be at least 1");
  }
  std::unique_ptr<DeltaTable> table(new DeltaTable(dir, std::move(config)));
  const DeltaTableConfig& c = table->config_;
  if (c.partition_column) {
    if (table->partition_index_ < 0) {
      return InvalidArgumentError("partition column " + *c.partition_column + " is not a column");
    }
    const FieldType type = c.columns[table->partition_index_].type;
    if (type != FieldType::kDate && type != FieldType::kString && type != FieldType::kInt32 &&
        type != FieldType::kInt64) {
      return InvalidArgumentError("partition column " + *c.partition_column +
                                  " must be a date, string, int or long");
    }
    if (table->file_fields_.empty()) {
      return InvalidArgumentError("a table needs a column besides its partition column");
    }
  }

  // Only a valid config creates anything on disk.
  std::error_code ec;
  fs::create_directories(DeltaLogDir(dir), ec);
  if (ec) {
    return UnavailableError("cannot create " + DeltaLogDir(dir).string() + ": " + ec.message());
  }
  MutexLock lock(table->mu_);
  RETURN_IF_ERROR(table->Refresh());
  if (table->snapshot_.version < 0) {
    DeltaMetadata metadata;
    metadata.id = NewUuid();
    metadata.name = c.name;
    metadata.schema_string = DeltaSchemaString(c.columns);
    if (c.partition_column) metadata.partition_columns.push_back(*c.partition_column);
    metadata.configuration = c.configuration;
    metadata.configuration["delta.checkpointInterval"] = std::to_string(c.checkpoint_interval);
    metadata.created_time = c.clock->NowUnixMillis();
    DeltaCommitInfo info = table->NewCommitInfo("CREATE TABLE");
    info.timestamp = metadata.created_time;
    info.operation_parameters = {{"partitionBy", JsonArrayText(metadata.partition_columns)}};
    const std::vector<DeltaAction> actions = {info, c.protocol, metadata};
    // Losing this race is fine: the winner's version 0 is checked below like any table's.
    ASSIGN_OR_RETURN(bool created, PutDeltaCommit(dir, 0, DeltaCommitJson(actions)));
    (void)created;
    RETURN_IF_ERROR(table->Refresh());
  }
  RETURN_IF_ERROR(table->CheckWritable());
  return table;
}

Status DeltaTable::Refresh() {
  if (snapshot_.version < 0) {
    // From the newest checkpoint: the log's oldest commits may be cleaned up.
    ASSIGN_OR_RETURN(snapshot_, LoadDeltaSnapshot(dir_));
    return Status();
  }
  return UpdateDeltaSnapshot(dir_, snapshot_).status();
}

Status DeltaTable::CheckWritable() const {
  const std::string where = "Delta table " + dir_.string();
  if (!snapshot_.protocol || !snapshot_.metadata) {
    return DataLossError(where + " has no protocol or metaData");
  }
  const DeltaProtocol& p = *snapshot_.protocol;
  // Writer versions up to 2 ask only for append-only and invariants, which we honour; 7 asks
  // for its features, of which we implement variantType (we write valid Variant binary);
  // anything else needs features we do not implement (spec 1.6).
  auto known = [](const std::vector<std::string>& features) {
    return std::all_of(features.begin(), features.end(),
                       [](const std::string& f) { return f == "variantType"; });
  };
  const bool writable =
      (p.min_writer_version <= 2 || (p.min_writer_version == 7 && known(p.writer_features))) &&
      p.min_reader_version <= 3 && known(p.reader_features);
  if (!writable) {
    std::string features;
    for (const std::string& f : p.writer_features) features += " " + f;
    return FailedPreconditionError(
        where + " has protocol (" + std::to_string(p.min_reader_version) + "," +
        std::to_string(p.min_writer_version) + ")" +
        (features.empty() ? "" : " with writer features" + features) +
        "; tracelake writes only writer versions 1-2, and 7 with no feature but variantType");
  }
  const DeltaMetadata& m = *snapshot_.metadata;
  if (m.schema_string != DeltaSchemaString(config_.columns)) {
    return FailedPreconditionError(
        where +
        " has a different schema than configured (written in another schema mode or "
        "by another version?); write to a new location or prefix");
  }
  std::vector<std::string> partitions;
  if (config_.partition_column) partitions.push_back(*config_.partition_column);
  if (m.partition_columns != partitions) {
    return FailedPreconditionError(where + " has different partition columns than configured");
  }
  return Status();
}

DeltaCommitInfo DeltaTable::NewCommitInfo(std::string operation) const {
  DeltaCommitInfo info;
  info.timestamp = config_.clock->NowUnixMillis();
  info.operation = std::move(operation);
  info.engine_info = config_.engine_info;
  info.txn_id = NewUuid();
  return info;
}

Result<DeltaTable::CommitOutcome> DeltaTable::Commit(const std::vector<DeltaAction>& actions,
                                                     const std::string& app_id,
                                                     int64_t txn_version) {
  const std::string content = DeltaCommitJson(actions);
  CommitOutcome outcome;
  for (int attempt = 1; attempt <= config_.max_commit_attempts; ++attempt) {
    outcome.attempts = attempt;
    ASSIGN_OR_RETURN(bool created, PutDeltaCommit(dir_, snapshot_.version + 1, content));
    if (created) {
      // The snapshot held every commit before ours, so this is the state at our version.
      snapshot_.Apply(actions);
      outcome.version = snapshot_.version;
      return outcome;
    }
    // Lost the race: read the winners (spec 1.7). A blind append conflicts only with a change
    // of protocol or metaData, or with the same batch committed by someone else.
    ASSIGN_OR_RETURN(DeltaLogUpdate update, UpdateDeltaSnapshot(dir_, snapshot_));
    if (update.protocol_changed || update.metadata_changed) {
      return Status(StatusCode::kAborted,
                    "a concurrent commit changed the protocol or metaData of " + dir_.string());
    }
    if (!app_id.empty()) {
      auto it = snapshot_.txns.find(app_id);
      if (it != snapshot_.txns.end() && it->second.version >= txn_version) {
        outcome.already_committed = true;
        return outcome;
      }
    }
    for (const DeltaAction& action : actions) {
      const auto* remove = std::get_if<DeltaRemoveFile>(&action);
      if (remove != nullptr && snapshot_.files.count(remove->path) == 0) {
        return Status(StatusCode::kAborted,
                      "a concurrent commit removed " + remove->path + " first");
      }
    }
    Backoff(attempt);
  }
  return Status(StatusCode::kAborted, "gave up committing to " + dir_.string() + " after " +
                                          std::to_string(config_.max_commit_attempts) +
                                          " attempts");
}

void DeltaTable::MaybeCheckpoint(int64_t version, DeltaAppendResult& result) {
  if (version == 0 || version % config_.checkpoint_interval != 0) return;
  Result<DeltaCheckpointInfo> info =
      WriteDeltaCheckpoint(dir_, snapshot_, config_.clock->NowUnixMillis(), config_.parquet);
  if (!info.ok()) {
    result.checkpoint_status = info.status();
    return;
  }
  result.checkpoint_version = info->version;
  // A new checkpoint may let the oldest commits go (never a failure of the append).
  if (config_.log_retention.count() > 0) {
    Result<DeltaLogCleanup> cleanup =
        CleanUpDeltaLog(dir_, config_.clock->NowUnixMillis(), config_.log_retention.count());
    if (cleanup.ok()) result.log_files_deleted = cleanup->files_deleted;
  }
}

Result<DeltaTable::WrittenFile> DeltaTable::WriteDataFile(const std::optional<std::string>& value,
                                                          const std::vector<Row>& rows) {
  ASSIGN_OR_RETURN(ParquetSchema schema, ParquetSchema::Make(file_fields_));
  std::string subdir;
  if (partition_index_ >= 0) {
    subdir =
        *config_.partition_column + "=" + (value ? *value : std::string(kNullPartitionDir)) + "/";
  }
  WrittenFile file;
  DeltaAddFile& add = file.add;
  add.path = subdir + "part-00000-" + NewUuid() + ".c000" +
             std::string(CodecSuffix(config_.parquet.codec)) + ".parquet";
  const fs::path path = dir_ / add.path;
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) return UnavailableError("cannot create " + path.parent_path().string());
  auto write = [&]() -> Result<ParquetFileInfo> {
    ASSIGN_OR_RETURN(auto writer, ParquetWriter::Create(path, schema, config_.parquet));
    for (const Row& row : rows) RETURN_IF_ERROR(writer->Append(row));
    ASSIGN_OR_RETURN(ParquetFileInfo info, writer->Close());
    // Data before the commit that names it (spec 1.7): file and directory entries durable.
    RETURN_IF_ERROR(SyncPath(path));
    RETURN_IF_ERROR(SyncPath(path.parent_path()));
    if (partition_index_ >= 0) RETURN_IF_ERROR(SyncPath(dir_));
    return info;
  };
  Result<ParquetFileInfo> info = write();
  if (!info.ok()) {
    fs::remove(path, ec);
    return info.status();
  }
  if (partition_index_ >= 0) add.partition_values[*config_.partition_column] = value;
  add.size = info->size_bytes;
  add.modification_time = MtimeMillis(path);
  add.stats = DeltaStatsJson(*info, file_fields_);
  file.rows = info->num_rows;
  return file;
}

Result<std::optional<int64_t>> DeltaTable::TxnVersion(const std::string& app_id) {
  MutexLock lock(mu_);
  RETURN_IF_ERROR(Refresh());
  auto it = snapshot_.txns.find(app_id);
  if (it == snapshot_.txns.end()) return std::optional<int64_t>();
  return std::optional<int64_t>(it->second.version);
}

Result<DeltaSnapshot> DeltaTable::Snapshot() {
  MutexLock lock(mu_);
  RETURN_IF_ERROR(Refresh());
  return snapshot_;
}

Result<DeltaAppendResult> DeltaTable::Append(const std::string& app_id, int64_t txn_version,
                                             const std::vector<Row>& rows) {
  MutexLock lock(mu_);
  RETURN_IF_ERROR(Refresh());
  RETURN_IF_ERROR(CheckWritable());
  DeltaAppendResult result;
  if (auto it = snapshot_.txns.find(app_id);
      !app_id.empty() && it != snapshot_.txns.end() && it->second.version >= txn_version) {
    result.already_committed = true;
    return result;
  }

  // Group rows by partition value, in order of first appearance; check every row first so a
  // refused batch writes nothing.
  struct Group {
    std::optional<std::string> value;
    std::vector<size_t> rows;
  };
  std::vector<Group> groups;
  std::map<std::optional<std::string>, size_t> group_of;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].size() != config_.columns.size()) {
      return InvalidArgumentError("row " + std::to_string(i) + " has " +
                                  std::to_string(rows[i].size()) + " values for " +
                                  std::to_string(config_.columns.size()) + " columns");
    }
    std::optional<std::string> value;
    if (partition_index_ >= 0) {
      ASSIGN_OR_RETURN(value,
                       PartitionText(config_.columns[partition_index_], rows[i][partition_index_]));
    }
    auto [it, inserted] = group_of.emplace(value, groups.size());
    if (inserted) groups.push_back(Group{value, {}});
    groups[it->second].rows.push_back(i);
  }
  std::vector<DeltaAddFile> adds;
  for (const Group& group : groups) {
    std::vector<Row> file_rows;
    file_rows.reserve(group.rows.size());
    for (size_t i : group.rows) {
      Row row;
      row.reserve(file_fields_.size());
      for (size_t c = 0; c < rows[i].size(); ++c) {
        if (static_cast<int>(c) != partition_index_) row.push_back(rows[i][c]);
      }
      file_rows.push_back(std::move(row));
    }
    Result<WrittenFile> file = WriteDataFile(group.value, file_rows);
    if (!file.ok()) {
      DeleteFiles(dir_, adds);
      return file.status();
    }
    file->add.data_change = true;
    result.rows += file->rows;
    result.bytes += file->add.size;
    adds.push_back(std::move(file->add));
  }
  result.files = static_cast<int64_t>(adds.size());
  if (config_.crash_before_commit_for_testing) {
    return Status(StatusCode::kAborted, "crashed before the commit (for testing)");
  }

  std::vector<DeltaAction> actions;
  DeltaCommitInfo info = NewCommitInfo("WRITE");
  std::vector<std::string> partitions;
  if (config_.partition_column) partitions.push_back(*config_.partition_column);
  info.operation_parameters = {{"mode", "Append"}, {"partitionBy", JsonArrayText(partitions)}};
  info.read_version = snapshot_.version;
  info.operation_metrics = {{"numFiles", std::to_string(result.files)},
                            {"numOutputRows", std::to_string(result.rows)},
                            {"numOutputBytes", std::to_string(result.bytes)}};
  actions.emplace_back(std::move(info));
  if (!app_id.empty()) {
    actions.emplace_back(DeltaTxn{app_id, txn_version, config_.clock->NowUnixMillis()});
  }
  for (const DeltaAddFile& add : adds) actions.emplace_back(add);

  Result<CommitOutcome> outcome = Commit(actions, app_id, txn_version);
  if (!outcome.ok() || outcome->already_committed) {
    // Our files are unreferenced for sure only when no commit names them: a conflict or an
    // already committed batch. After an I/O error the commit may exist; vacuum cleans up.
    if (outcome.ok() || outcome.status().code() == StatusCode::kAborted) DeleteFiles(dir_, adds);
    if (!outcome.ok()) return outcome.status();
    DeltaAppendResult done;
    done.already_committed = true;
    done.attempts = outcome->attempts;
    return done;
  }
  result.version = outcome->version;
  result.attempts = outcome->attempts;
  MaybeCheckpoint(result.version, result);
  return result;
}

Result<DeltaDropResult> DeltaTable::DropPartitionsBefore(const std::string& value) {
  MutexLock lock(mu_);
  RETURN_IF_ERROR(Refresh());
  RETURN_IF_ERROR(CheckWritable());
  if (partition_index_ < 0) {
    return FailedPreconditionError("Delta table " + dir_.string() + " has no partition column");
  }
  auto append_only = snapshot_.metadata->configuration.find("delta.appendOnly");
  if (append_only != snapshot_.metadata->configuration.end() && append_only->second == "true") {
    return FailedPreconditionError("Delta table " + dir_.string() + " is append-only");
  }
  DeltaDropResult result;
  std::vector<DeltaAction> actions;
  DeltaCommitInfo info = NewCommitInfo("DELETE");
  info.operation_parameters = {
      {"predicate", "[\"(" + *config_.partition_column + " < '" + value + "')\"]"}};
  info.read_version = snapshot_.version;
  info.is_blind_append = false;
  const int64_t now = config_.clock->NowUnixMillis();
  std::vector<DeltaAction> removes;
  for (const auto& [path, add] : snapshot_.files) {
    auto it = add.partition_values.find(*config_.partition_column);
    if (it == add.partition_values.end() || !it->second || !(*it->second < value)) continue;
    removes.emplace_back(
        DeltaRemoveFile{add.path, now, /*data_change=*/true, add.partition_values, add.size});
    ++result.files;
    result.bytes += add.size;
  }
  if (removes.empty()) return result;
  info.operation_metrics = {{"numRemovedFiles", std::to_string(result.files)},
                            {"numRemovedBytes", std::to_string(result.bytes)}};
  actions.emplace_back(std::move(info));
  actions.insert(actions.end(), removes.begin(), removes.end());
  ASSIGN_OR_RETURN(CommitOutcome outcome, Commit(actions, "", 0));
  result.version = outcome.version;
  DeltaAppendResult ignored;
  MaybeCheckpoint(result.version, ignored);
  return result;
}

Result<DeltaOptimizeResult> DeltaTable::Optimize(int64_t target_file_bytes) {
  MutexLock lock(mu_);
  RETURN_IF_ERROR(Refresh());
  RETURN_IF_ERROR(CheckWritable());
  ASSIGN_OR_RETURN(ParquetSchema schema, ParquetSchema::Make(file_fields_));
  // Small files per partition value, oldest first, so rewritten files keep arrival order.
  std::map<std::optional<std::string>, std::vector<const DeltaAddFile*>> small;
  for (const auto& [path, add] : snapshot_.files) {
    if (add.size >= target_file_bytes) continue;
    std::optional<std::string> value;
    if (config_.partition_column) {
      auto it = add.partition_values.find(*config_.partition_column);
      if (it != add.partition_values.end()) value = it->second;
    }
    small[value].push_back(&add);
  }
  struct Bin {
    std::optional<std::string> value;
    std::vector<const DeltaAddFile*> files;
    int64_t bytes = 0;
  };
  std::vector<Bin> bins;
  for (auto& [value, files] : small) {
    std::sort(files.begin(), files.end(), [](const DeltaAddFile* a, const DeltaAddFile* b) {
      return std::tie(a->modification_time, a->path) < std::tie(b->modification_time, b->path);
    });
    Bin bin{value, {}, 0};
    for (const DeltaAddFile* f : files) {
      bin.files.push_back(f);
      bin.bytes += f->size;
      if (bin.bytes >= target_file_bytes) {
        bins.push_back(std::move(bin));
        bin = Bin{value, {}, 0};
      }
    }
    bins.push_back(std::move(bin));
  }
  std::erase_if(bins, [](const Bin& b) { return b.files.size() < 2; });
  DeltaOptimizeResult result;
  if (bins.empty()) return result;

  const int64_t now = config_.clock->NowUnixMillis();
  std::vector<DeltaAddFile> adds;
  std::vector<DeltaAction> removes;
  for (const Bin& bin : bins) {
    std::vector<Row> rows;
    Status status;
    for (const DeltaAddFile* f : bin.files) {
      Result<std::vector<Row>> file_rows = ReadParquetRows(dir_ / f->path, schema);
      if (!file_rows.ok()) {
        status = file_rows.status();
        break;
      }
      std::move(file_rows->begin(), file_rows->end(), std::back_inserter(rows));
      removes.emplace_back(
          DeltaRemoveFile{f->path, now, /*data_change=*/false, f->partition_values, f->size});
      result.bytes_removed += f->size;
    }
    Result<WrittenFile> file = status.ok() ? WriteDataFile(bin.value, rows) : status;
    if (!file.ok()) {
      DeleteFiles(dir_, adds);
      return file.status();
    }
    file->add.data_change = false;
    result.rows += file->rows;
    result.bytes_added += file->add.size;
    adds.push_back(std::move(file->add));
  }
  result.files_added = static_cast<int64_t>(adds.size());
  result.files_removed = static_cast<int64_t>(removes.size());

  DeltaCommitInfo info = NewCommitInfo("OPTIMIZE");
  info.operation_parameters = {{"predicate", "[]"},
                               {"targetSize", std::to_string(target_file_bytes)}};
  info.read_version = snapshot_.version;
  info.is_blind_append = false;
  info.operation_metrics = {{"numAddedFiles", std::to_string(result.files_added)},
                            {"numRemovedFiles", std::to_string(result.files_removed)},
                            {"numAddedBytes", std::to_string(result.bytes_added)},
                            {"numRemovedBytes", std::to_string(result.bytes_removed)}};
  std::vector<DeltaAction> actions = {std::move(info)};
  for (const DeltaAddFile& add : adds) actions.emplace_back(add);
  actions.insert(actions.end(), removes.begin(), removes.end());
  Result<CommitOutcome> outcome = Commit(actions, "", 0);
  if (!outcome.ok()) {
    if (outcome.status().code() == StatusCode::kAborted) DeleteFiles(dir_, adds);
    return outcome.status();
  }
  result.version = outcome->version;
  DeltaAppendResult ignored;
  MaybeCheckpoint(result.version, ignored);
  return result;
}

Result<DeltaVacuumResult> DeltaTable::Vacuum(std::chrono::milliseconds retention, bool dry_run) {
  MutexLock lock(mu_);
  RETURN_IF_ERROR(Refresh());
  const int64_t cutoff = config_.clock->NowUnixMillis() - retention.count();
  DeltaVacuumResult result;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir_, ec);
  if (ec) return UnavailableError("cannot list " + dir_.string() + ": " + ec.message());
  std::vector<fs::path> doomed;
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) return UnavailableError("cannot list " + dir_.string() + ": " + ec.message());
    const std::string name = it->path().filename().string();
    if (name.empty() || name[0] == '_' || name[0] == '.') {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file(ec)) continue;
    const std::string rel = it->path().lexically_relative(dir_).generic_string();
    if (snapshot_.files.count(rel) != 0) continue;
    auto tombstone = snapshot_.tombstones.find(rel);
    const int64_t age_mark = tombstone != snapshot_.tombstones.end()
                                 ? tombstone->second.deletion_timestamp
                                 : MtimeMillis(it->path());
    if (age_mark >= cutoff) continue;
    result.files.push_back(rel);
    result.bytes += static_cast<int64_t>(it->file_size(ec));
    doomed.push_back(it->path());
  }
  std::sort(result.files.begin(), result.files.end());
  if (dry_run) return result;
  for (const fs::path& path : doomed) {
    if (!fs::remove(path, ec) && ec) {
      return UnavailableError("cannot delete " + path.string() + ": " + ec.message());
    }
  }
  return result;
}

}  // namespace tracelake::lake
