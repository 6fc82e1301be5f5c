#include "lake/delta_checkpoint.h"

#include <fcntl.h>
#include <simdjson.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

#include "lake/parquet_writer.h"

namespace tracelake::lake {
namespace {

namespace fs = std::filesystem;

Field Str(std::string name) { return Field::Leaf(std::move(name), FieldType::kString); }
Field Long(std::string name) { return Field::Leaf(std::move(name), FieldType::kInt64); }
Field StringMap(std::string name) {
  return Field::Map(std::move(name), Field::Leaf("value", FieldType::kString));
}

Value StringMapValue(const std::map<std::string, std::string>& entries) {
  std::vector<std::pair<std::string, Value>> out;
  out.reserve(entries.size());
  for (const auto& [k, v] : entries) out.emplace_back(k, Value(v));
  return Value::Map(std::move(out));
}

Value PartitionValuesValue(const DeltaPartitionValues& values) {
  std::vector<std::pair<std::string, Value>> out;
  out.reserve(values.size());
  for (const auto& [k, v] : values) out.emplace_back(k, v ? Value(*v) : Value());
  return Value::Map(std::move(out));
}

// A row with one non-null column at `index` (spec 1.8: exactly one action per row).
Row ActionRow(size_t index, Value value) {
  Row row(5);
  row[index] = std::move(value);
  return row;
}

constexpr size_t kTxn = 0, kAdd = 1, kRemove = 2, kMetaData = 3, kProtocol = 4;

// The version the current `_last_checkpoint` names, -1 when there is none or it is unreadable.
int64_t LastCheckpointVersion(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return -1;
  std::stringstream s;
  s << in.rdbuf();
  const std::string text = s.str();
  simdjson::dom::parser parser;
  simdjson::dom::object root;
  int64_t version = -1;
  if (parser.parse(text).get(root) != simdjson::SUCCESS) return -1;
  if (root["version"].get(version) != simdjson::SUCCESS) return -1;
  return version;
}

Status WriteWhole(const fs::path& path, const std::string& content) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return UnavailableError("cannot create " + path.string() + ": " + strerror(errno));
  size_t written = 0;
  bool ok = true;
  while (ok && written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) written += static_cast<size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return UnavailableError("cannot write " + path.string());
  return Status();
}

Status UpdateLastCheckpoint(const fs::path& log, const DeltaCheckpointInfo& info) {
  // The lock file is hidden, so Delta readers listing the log ignore it.
  const fs::path lock_path = log / ".last_checkpoint.lock";
  const int lock = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock < 0) return UnavailableError("cannot open " + lock_path.string());
  if (::flock(lock, LOCK_EX) != 0) {
    ::close(lock);
    return UnavailableError("cannot lock " + lock_path.string());
  }
  Status status;
  const fs::path hint = log / "_last_checkpoint";
  if (LastCheckpointVersion(hint) < info.version) {
    const std::string json = "{\"version\":" + std::to_string(info.version) +
                             ",\"size\":" + std::to_string(info.rows) +
                             ",\"sizeInBytes\":" + std::to_string(info.size_bytes) +
                             ",\"numOfAddFiles\":" + std::to_string(info.add_files) + "}";
    const fs::path tmp = log / (".last_checkpoint." + NewUuid() + ".tmp");
    status = WriteWhole(tmp, json);
    if (status.ok() && ::rename(tmp.c_str(), hint.c_str()) != 0) {
      status = UnavailableError("cannot rename " + tmp.string() + ": " + strerror(errno));
    }
    if (!status.ok()) ::unlink(tmp.c_str());
    if (status.ok()) status = SyncPath(log);
  }
  ::flock(lock, LOCK_UN);
  ::close(lock);
  return status;
}

}  // namespace

std::vector<Field> DeltaCheckpointFields() {
  return {
      Field::Struct("txn", {Str("appId"), Long("version"), Long("lastUpdated")}),
      // Stats and schema strings are long JSON: min/max of them would prune nothing.
      Field::Struct(
          "add",
          {Str("path"), StringMap("partitionValues"), Long("size"), Long("modificationTime"),
           Field::Leaf("dataChange", FieldType::kBoolean),
           Field::Leaf("stats", FieldType::kString, Repetition::kOptional, MinMaxStats::kSkip),
           StringMap("tags")}),
      Field::Struct("remove", {Str("path"), Long("deletionTimestamp"),
                               Field::Leaf("dataChange", FieldType::kBoolean)}),
      Field::Struct("metaData", {Str("id"), Str("name"), Str("description"),
                                 Field::Struct("format", {Str("provider"), StringMap("options")}),
                                 Field::Leaf("schemaString", FieldType::kString,
                                             Repetition::kOptional, MinMaxStats::kSkip),
                                 Field::List("partitionColumns", Str("element")),
                                 Long("createdTime"), StringMap("configuration")}),
      Field::Struct("protocol", {Field::Leaf("minReaderVersion", FieldType::kInt32),
                                 Field::Leaf("minWriterVersion", FieldType::kInt32),
                                 Field::List("readerFeatures", Str("element")),
                                 Field::List("writerFeatures", Str("element"))}),
  };
}

Result<DeltaCheckpointInfo> WriteDeltaCheckpoint(const fs::path& table_dir,
                                                 const DeltaSnapshot& snapshot, int64_t now_ms,
                                                 const ParquetWriterOptions& options) {
  if (!snapshot.protocol || !snapshot.metadata) {
    return FailedPreconditionError("a Delta checkpoint needs protocol and metaData");
  }
  ASSIGN_OR_RETURN(ParquetSchema schema, ParquetSchema::Make(DeltaCheckpointFields()));
  const fs::path log = DeltaLogDir(table_dir);
  const fs::path final_path = log / DeltaVersionName(snapshot.version, ".checkpoint.parquet");
  const fs::path tmp =
      log / ("." + DeltaVersionName(snapshot.version, ".checkpoint.") + NewUuid() + ".parquet.tmp");

  std::vector<Row> rows;
  const DeltaProtocol& p = *snapshot.protocol;
  // Feature lists exist only from reader version 3 and writer version 7 (P§Protocol Evolution).
  auto features = [](bool present, const std::vector<std::string>& names) {
    if (!present) return Value();
    std::vector<Value> items;
    for (const std::string& name : names) items.emplace_back(name);
    return Value::List(std::move(items));
  };
  rows.push_back(ActionRow(
      kProtocol, Value::Struct({Value(p.min_reader_version), Value(p.min_writer_version),
                                features(p.min_reader_version >= 3, p.reader_features),
                                features(p.min_writer_version >= 7, p.writer_features)})));
  const DeltaMetadata& m = *snapshot.metadata;
  std::vector<Value> partition_columns;
  for (const std::string& c : m.partition_columns) partition_columns.emplace_back(c);
  rows.push_back(ActionRow(
      kMetaData, Value::Struct({Value(m.id), m.name.empty() ? Value() : Value(m.name), Value(),
                                Value::Struct({Value("parquet"), Value::Map({})}),
                                Value(m.schema_string), Value::List(std::move(partition_columns)),
                                Value(m.created_time), StringMapValue(m.configuration)})));
  for (const auto& [app_id, t] : snapshot.txns) {
    rows.push_back(
        ActionRow(kTxn, Value::Struct({Value(t.app_id), Value(t.version), Value(t.last_updated)})));
  }
  for (const auto& [path, a] : snapshot.files) {
    rows.push_back(ActionRow(
        kAdd, Value::Struct({Value(a.path), PartitionValuesValue(a.partition_values), Value(a.size),
                             Value(a.modification_time), Value(a.data_change),
                             a.stats.empty() ? Value() : Value(a.stats), Value()})));
  }
  for (const auto& [path, r] : snapshot.tombstones) {
    // Expired tombstones leave the state (P§Checkpoints); vacuum may have deleted their files.
    if (r.deletion_timestamp < now_ms - kDeltaTombstoneRetentionMs) continue;
    rows.push_back(ActionRow(kRemove, Value::Struct({Value(r.path), Value(r.deletion_timestamp),
                                                     Value(r.data_change)})));
  }

  ASSIGN_OR_RETURN(auto writer, ParquetWriter::Create(tmp, std::move(schema), options));
  Status status;
  for (const Row& row : rows) {
    status = writer->Append(row);
    if (!status.ok()) break;
  }
  Result<ParquetFileInfo> file = status.ok() ? writer->Close() : Result<ParquetFileInfo>(status);
  writer.reset();
  if (file.ok()) status = SyncPath(tmp);
  if (file.ok() && status.ok() && ::rename(tmp.c_str(), final_path.c_str()) != 0) {
    status = UnavailableError("cannot rename " + tmp.string() + ": " + strerror(errno));
  }
  if (!file.ok() || !status.ok()) {
    ::unlink(tmp.c_str());
    return file.ok() ? status : file.status();
  }
  RETURN_IF_ERROR(SyncPath(log));
  DeltaCheckpointInfo info;
  info.version = snapshot.version;
  info.rows = static_cast<int64_t>(rows.size());
  info.size_bytes = file->size_bytes;
  info.add_files = static_cast<int64_t>(snapshot.files.size());
  // The hint only after the checkpoint is complete: a hint naming a missing checkpoint fails
  // kernel reads (spec 1.8).
  RETURN_IF_ERROR(UpdateLastCheckpoint(log, info));
  return info;
}

}  // namespace tracelake::lake
