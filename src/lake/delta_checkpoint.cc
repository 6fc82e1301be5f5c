#include "lake/delta_checkpoint.h"

#include <fcntl.h>
#include <simdjson.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <system_error>

#include "lake/parquet_reader.h"
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

// The version of a log file named %020d.json or %020d.checkpoint.parquet; -1 otherwise.
int64_t LogFileVersion(const std::string& name, bool& checkpoint) {
  if (name.size() < 21 || name[20] != '.') return -1;
  const std::string suffix = name.substr(20);
  checkpoint = suffix == ".checkpoint.parquet";
  if (!checkpoint && suffix != ".json") return -1;
  int64_t v = 0;
  for (size_t i = 0; i < 20; ++i) {
    if (name[i] < '0' || name[i] > '9') return -1;
    v = v * 10 + (name[i] - '0');
  }
  return v;
}

const std::string* StringAt(const Value& v) { return std::get_if<std::string>(&v.get()); }
int64_t LongAt(const Value& v) {
  if (const auto* l = std::get_if<int64_t>(&v.get())) return *l;
  if (const auto* i = std::get_if<int32_t>(&v.get())) return *i;
  return 0;
}
std::vector<std::string> StringsAt(const Value& v) {
  std::vector<std::string> out;
  if (const auto* list = std::get_if<ListValue>(&v.get())) {
    for (const Value& item : list->items) {
      if (const std::string* s = StringAt(item)) out.push_back(*s);
    }
  }
  return out;
}

// The snapshot a checkpoint of ours holds (the rows of DeltaCheckpointFields()).
Result<DeltaSnapshot> ReadCheckpoint(const fs::path& file, int64_t version) {
  ASSIGN_OR_RETURN(ParquetSchema schema, ParquetSchema::Make(DeltaCheckpointFields()));
  ASSIGN_OR_RETURN(std::vector<Row> rows, ReadParquetRows(file, schema));
  DeltaSnapshot snapshot;
  snapshot.version = version;
  auto fields = [](const Value& v) -> const std::vector<Value>* {
    const auto* s = std::get_if<StructValue>(&v.get());
    return s != nullptr ? &s->fields : nullptr;
  };
  for (const Row& row : rows) {
    if (row.size() != 5) return DataLossError(file.string() + ": a row without 5 actions");
    if (const auto* t = fields(row[kTxn]); t != nullptr && StringAt((*t)[0])) {
      DeltaTxn txn{*StringAt((*t)[0]), LongAt((*t)[1]), LongAt((*t)[2])};
      snapshot.txns[txn.app_id] = txn;
    } else if (const auto* a = fields(row[kAdd]); a != nullptr && StringAt((*a)[0])) {
      DeltaAddFile add;
      add.path = *StringAt((*a)[0]);
      if (const auto* m = std::get_if<MapValue>(&(*a)[1].get())) {
        for (const auto& [k, v] : m->entries) {
          add.partition_values[k] =
              StringAt(v) ? std::optional<std::string>(*StringAt(v)) : std::nullopt;
        }
      }
      add.size = LongAt((*a)[2]);
      add.modification_time = LongAt((*a)[3]);
      const auto* change = std::get_if<bool>(&(*a)[4].get());
      add.data_change = change == nullptr || *change;
      if (StringAt((*a)[5])) add.stats = *StringAt((*a)[5]);
      snapshot.files[add.path] = std::move(add);
    } else if (const auto* r = fields(row[kRemove]); r != nullptr && StringAt((*r)[0])) {
      DeltaRemoveFile remove;
      remove.path = *StringAt((*r)[0]);
      remove.deletion_timestamp = LongAt((*r)[1]);
      const auto* change = std::get_if<bool>(&(*r)[2].get());
      remove.data_change = change == nullptr || *change;
      snapshot.tombstones[remove.path] = std::move(remove);
    } else if (const auto* m = fields(row[kMetaData]); m != nullptr && StringAt((*m)[0])) {
      DeltaMetadata meta;
      meta.id = *StringAt((*m)[0]);
      if (StringAt((*m)[1])) meta.name = *StringAt((*m)[1]);
      if (StringAt((*m)[4])) meta.schema_string = *StringAt((*m)[4]);
      meta.partition_columns = StringsAt((*m)[5]);
      meta.created_time = LongAt((*m)[6]);
      if (const auto* c = std::get_if<MapValue>(&(*m)[7].get())) {
        for (const auto& [k, v] : c->entries)
          meta.configuration[k] = StringAt(v) ? *StringAt(v) : "";
      }
      snapshot.metadata = std::move(meta);
    } else if (const auto* p = fields(row[kProtocol]); p != nullptr) {
      DeltaProtocol protocol;
      protocol.min_reader_version = static_cast<int32_t>(LongAt((*p)[0]));
      protocol.min_writer_version = static_cast<int32_t>(LongAt((*p)[1]));
      protocol.reader_features = StringsAt((*p)[2]);
      protocol.writer_features = StringsAt((*p)[3]);
      snapshot.protocol = std::move(protocol);
    }
  }
  if (!snapshot.protocol || !snapshot.metadata) {
    return DataLossError(file.string() + " has no protocol or metaData");
  }
  return snapshot;
}

int64_t FileTimeMs(const fs::path& path) {
  std::error_code ec;
  const auto t = fs::last_write_time(path, ec);
  if (ec) return 0;
  const auto system =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::file_clock::to_sys(t));
  return system.time_since_epoch().count();
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
    items.reserve(names.size());
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

Result<DeltaSnapshot> LoadDeltaSnapshot(const fs::path& table_dir) {
  const fs::path log = DeltaLogDir(table_dir);
  // Checkpoint versions to try, newest first: the hint's, then the files'.
  std::vector<int64_t> candidates;
  if (const int64_t hinted = LastCheckpointVersion(log / "_last_checkpoint"); hinted >= 0) {
    candidates.push_back(hinted);
  }
  std::error_code ec;
  bool has_version_zero = false;
  std::vector<int64_t> listed;
  for (const auto& entry : fs::directory_iterator(log, ec)) {
    bool checkpoint = false;
    const int64_t v = LogFileVersion(entry.path().filename().string(), checkpoint);
    if (v < 0) continue;
    if (checkpoint) listed.push_back(v);
    if (!checkpoint && v == 0) has_version_zero = true;
  }
  std::sort(listed.rbegin(), listed.rend());
  candidates.insert(candidates.end(), listed.begin(), listed.end());
  for (int64_t version : candidates) {
    Result<DeltaSnapshot> snapshot =
        ReadCheckpoint(log / DeltaVersionName(version, ".checkpoint.parquet"), version);
    if (!snapshot.ok()) continue;
    RETURN_IF_ERROR(UpdateDeltaSnapshot(table_dir, *snapshot).status());
    return snapshot;
  }
  DeltaSnapshot snapshot;
  RETURN_IF_ERROR(UpdateDeltaSnapshot(table_dir, snapshot).status());
  if (snapshot.version < 0 && !has_version_zero && !candidates.empty()) {
    return DataLossError("the Delta log of " + table_dir.string() +
                         " starts at a checkpoint this version cannot read");
  }
  return snapshot;
}

Result<DeltaLogCleanup> CleanUpDeltaLog(const fs::path& table_dir, int64_t now_ms,
                                        int64_t retention_ms) {
  const fs::path log = DeltaLogDir(table_dir);
  const int64_t cutoff = now_ms - retention_ms;
  std::vector<std::pair<int64_t, fs::path>> files;
  DeltaLogCleanup out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(log, ec)) {
    bool checkpoint = false;
    const int64_t v = LogFileVersion(entry.path().filename().string(), checkpoint);
    if (v < 0) continue;
    files.emplace_back(v, entry.path());
    if (checkpoint && v > out.kept_checkpoint && FileTimeMs(entry.path()) < cutoff) {
      out.kept_checkpoint = v;
    }
  }
  if (ec) return UnavailableError("cannot list " + log.string() + ": " + ec.message());
  if (out.kept_checkpoint < 0) return out;
  // The hint must not name a checkpoint about to be deleted: it only ever moves forward, and
  // it names the newest checkpoint, which is >= kept_checkpoint.
  for (const auto& [version, path] : files) {
    if (version >= out.kept_checkpoint) continue;
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      return UnavailableError("cannot delete " + path.string() + ": " + strerror(errno));
    }
    ++out.files_deleted;
  }
  return out;
}

}  // namespace tracelake::lake
