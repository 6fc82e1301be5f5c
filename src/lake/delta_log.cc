#include "lake/delta_log.h"

#include <fcntl.h>
#include <simdjson.h>
#include <sys/random.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

namespace tracelake::lake {
namespace {

namespace fs = std::filesystem;
using simdjson::dom::element;
using simdjson::dom::object;

std::string ErrnoText() { return std::strerror(errno); }

void AppendKey(std::string_view key, std::string& out) {
  AppendJsonString(key, out);
  out += ':';
}

void AppendStringMap(const std::vector<std::pair<std::string, std::string>>& entries,
                     std::string& out) {
  out += '{';
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i > 0) out += ',';
    AppendKey(entries[i].first, out);
    AppendJsonString(entries[i].second, out);
  }
  out += '}';
}

void AppendStringMap(const std::map<std::string, std::string>& entries, std::string& out) {
  AppendStringMap(std::vector<std::pair<std::string, std::string>>(entries.begin(), entries.end()),
                  out);
}

void AppendPartitionValues(const DeltaPartitionValues& values, std::string& out) {
  out += '{';
  bool first = true;
  for (const auto& [key, value] : values) {
    if (!first) out += ',';
    first = false;
    AppendKey(key, out);
    if (value) {
      AppendJsonString(*value, out);
    } else {
      out += "null";
    }
  }
  out += '}';
}

void AppendStringArray(const std::vector<std::string>& items, std::string& out) {
  out += '[';
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    AppendJsonString(items[i], out);
  }
  out += ']';
}

void AppendField(std::string_view key, int64_t value, std::string& out) {
  out += ',';
  AppendKey(key, out);
  out += std::to_string(value);
}

void AppendField(std::string_view key, bool value, std::string& out) {
  out += ',';
  AppendKey(key, out);
  out += value ? "true" : "false";
}

struct ActionWriter {
  std::string& out;

  void operator()(const DeltaCommitInfo& c) const {
    out += "{\"commitInfo\":{\"timestamp\":" + std::to_string(c.timestamp);
    out += ",\"operation\":";
    AppendJsonString(c.operation, out);
    out += ",\"operationParameters\":";
    AppendStringMap(c.operation_parameters, out);
    if (c.read_version) AppendField("readVersion", *c.read_version, out);
    if (c.read_version) out += ",\"isolationLevel\":\"Serializable\"";
    AppendField("isBlindAppend", c.is_blind_append, out);
    if (!c.operation_metrics.empty()) {
      out += ",\"operationMetrics\":";
      AppendStringMap(c.operation_metrics, out);
    }
    out += ",\"engineInfo\":";
    AppendJsonString(c.engine_info, out);
    out += ",\"txnId\":";
    AppendJsonString(c.txn_id, out);
    out += "}}";
  }
  void operator()(const DeltaProtocol& p) const {
    out += "{\"protocol\":{\"minReaderVersion\":" + std::to_string(p.min_reader_version);
    AppendField("minWriterVersion", int64_t{p.min_writer_version}, out);
    if (p.min_reader_version >= 3) {
      out += ",\"readerFeatures\":";
      AppendStringArray(p.reader_features, out);
    }
    if (p.min_writer_version >= 7) {
      out += ",\"writerFeatures\":";
      AppendStringArray(p.writer_features, out);
    }
    out += "}}";
  }
  void operator()(const DeltaMetadata& m) const {
    out += "{\"metaData\":{\"id\":";
    AppendJsonString(m.id, out);
    if (!m.name.empty()) {
      out += ",\"name\":";
      AppendJsonString(m.name, out);
    }
    out += ",\"format\":{\"provider\":\"parquet\",\"options\":{}},\"schemaString\":";
    AppendJsonString(m.schema_string, out);
    out += ",\"partitionColumns\":";
    AppendStringArray(m.partition_columns, out);
    out += ",\"configuration\":";
    AppendStringMap(m.configuration, out);
    AppendField("createdTime", m.created_time, out);
    out += "}}";
  }
  void operator()(const DeltaAddFile& a) const {
    out += "{\"add\":{\"path\":";
    AppendJsonString(a.path, out);
    out += ",\"partitionValues\":";
    AppendPartitionValues(a.partition_values, out);
    AppendField("size", a.size, out);
    AppendField("modificationTime", a.modification_time, out);
    AppendField("dataChange", a.data_change, out);
    if (!a.stats.empty()) {
      out += ",\"stats\":";
      AppendJsonString(a.stats, out);
    }
    out += "}}";
  }
  void operator()(const DeltaRemoveFile& r) const {
    out += "{\"remove\":{\"path\":";
    AppendJsonString(r.path, out);
    AppendField("deletionTimestamp", r.deletion_timestamp, out);
    AppendField("dataChange", r.data_change, out);
    out += ",\"extendedFileMetadata\":true,\"partitionValues\":";
    AppendPartitionValues(r.partition_values, out);
    AppendField("size", r.size, out);
    out += "}}";
  }
  void operator()(const DeltaTxn& t) const {
    out += "{\"txn\":{\"appId\":";
    AppendJsonString(t.app_id, out);
    AppendField("version", t.version, out);
    AppendField("lastUpdated", t.last_updated, out);
    out += "}}";
  }
};

Status Missing(std::string_view action, std::string_view field) {
  return DataLossError("a Delta " + std::string(action) + " action has no valid " +
                       std::string(field));
}

Result<std::string> GetString(object o, std::string_view action, std::string_view key) {
  std::string_view v;
  if (o[key].get(v) != simdjson::SUCCESS) return Missing(action, key);
  return std::string(v);
}

Result<int64_t> GetInt(object o, std::string_view action, std::string_view key) {
  int64_t v = 0;
  if (o[key].get(v) != simdjson::SUCCESS) return Missing(action, key);
  return v;
}

// Optional fields read as their default when absent or of another type.
std::string OptString(object o, std::string_view key) {
  std::string_view v;
  return o[key].get(v) == simdjson::SUCCESS ? std::string(v) : std::string();
}
int64_t OptInt(object o, std::string_view key) {
  int64_t v = 0;
  return o[key].get(v) == simdjson::SUCCESS ? v : 0;
}
bool OptBool(object o, std::string_view key, bool fallback) {
  bool v = false;
  return o[key].get(v) == simdjson::SUCCESS ? v : fallback;
}
std::vector<std::string> OptStrings(object o, std::string_view key) {
  std::vector<std::string> out;
  simdjson::dom::array items;
  if (o[key].get(items) != simdjson::SUCCESS) return out;
  for (element item : items) {
    std::string_view s;
    if (item.get(s) == simdjson::SUCCESS) out.emplace_back(s);
  }
  return out;
}
DeltaPartitionValues OptPartitionValues(object o) {
  DeltaPartitionValues out;
  object values;
  if (o["partitionValues"].get(values) != simdjson::SUCCESS) return out;
  for (auto [key, value] : values) {
    std::string_view s;
    if (value.get(s) == simdjson::SUCCESS) {
      out[std::string(key)] = std::string(s);
    } else {
      out[std::string(key)] = std::nullopt;
    }
  }
  return out;
}

Result<std::optional<DeltaAction>> ParseAction(std::string_view kind, object o) {
  if (kind == "protocol") {
    DeltaProtocol p;
    ASSIGN_OR_RETURN(int64_t reader, GetInt(o, kind, "minReaderVersion"));
    ASSIGN_OR_RETURN(int64_t writer, GetInt(o, kind, "minWriterVersion"));
    p.min_reader_version = static_cast<int32_t>(reader);
    p.min_writer_version = static_cast<int32_t>(writer);
    p.reader_features = OptStrings(o, "readerFeatures");
    p.writer_features = OptStrings(o, "writerFeatures");
    return std::optional<DeltaAction>(std::move(p));
  }
  if (kind == "metaData") {
    DeltaMetadata m;
    ASSIGN_OR_RETURN(m.id, GetString(o, kind, "id"));
    ASSIGN_OR_RETURN(m.schema_string, GetString(o, kind, "schemaString"));
    m.name = OptString(o, "name");
    m.partition_columns = OptStrings(o, "partitionColumns");
    object config;
    if (o["configuration"].get(config) == simdjson::SUCCESS) {
      for (auto [key, value] : config) {
        std::string_view s;
        if (value.get(s) == simdjson::SUCCESS) m.configuration[std::string(key)] = std::string(s);
      }
    }
    m.created_time = OptInt(o, "createdTime");
    return std::optional<DeltaAction>(std::move(m));
  }
  if (kind == "add") {
    DeltaAddFile a;
    ASSIGN_OR_RETURN(a.path, GetString(o, kind, "path"));
    ASSIGN_OR_RETURN(a.size, GetInt(o, kind, "size"));
    a.partition_values = OptPartitionValues(o);
    a.modification_time = OptInt(o, "modificationTime");
    a.data_change = OptBool(o, "dataChange", true);
    a.stats = OptString(o, "stats");
    return std::optional<DeltaAction>(std::move(a));
  }
  if (kind == "remove") {
    DeltaRemoveFile r;
    ASSIGN_OR_RETURN(r.path, GetString(o, kind, "path"));
    r.deletion_timestamp = OptInt(o, "deletionTimestamp");
    r.data_change = OptBool(o, "dataChange", true);
    r.partition_values = OptPartitionValues(o);
    r.size = OptInt(o, "size");
    return std::optional<DeltaAction>(std::move(r));
  }
  if (kind == "txn") {
    DeltaTxn t;
    ASSIGN_OR_RETURN(t.app_id, GetString(o, kind, "appId"));
    ASSIGN_OR_RETURN(t.version, GetInt(o, kind, "version"));
    t.last_updated = OptInt(o, "lastUpdated");
    return std::optional<DeltaAction>(std::move(t));
  }
  return std::optional<DeltaAction>();  // commitInfo, cdc, domainMetadata, ...: not ours to keep
}

void AppendSchemaType(const Field& field, std::string& out);

void AppendSchemaField(const Field& field, std::string& out) {
  out += "{\"name\":";
  AppendJsonString(field.name, out);
  out += ",\"type\":";
  AppendSchemaType(field, out);
  out += ",\"nullable\":";
  out += field.repetition == Repetition::kOptional ? "true" : "false";
  out += ",\"metadata\":{}}";
}

void AppendStructType(const std::vector<Field>& fields, std::string& out) {
  out += "{\"type\":\"struct\",\"fields\":[";
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ',';
    AppendSchemaField(fields[i], out);
  }
  out += "]}";
}

void AppendSchemaType(const Field& field, std::string& out) {
  const char* name = nullptr;
  switch (field.type) {
    case FieldType::kBoolean:
      name = "boolean";
      break;
    case FieldType::kInt32:
      name = "integer";
      break;
    case FieldType::kInt64:
      name = "long";
      break;
    case FieldType::kDouble:
      name = "double";
      break;
    case FieldType::kString:
      name = "string";
      break;
    case FieldType::kBinary:
      name = "binary";
      break;
    case FieldType::kDate:
      name = "date";
      break;
    case FieldType::kTimestampMicros:
      name = "timestamp";
      break;
    case FieldType::kStruct:
      if (field.variant) {
        name = "variant";
        break;
      }
      AppendStructType(field.children, out);
      return;
    case FieldType::kList: {
      const Field& element = field.children[0];
      out += "{\"type\":\"array\",\"elementType\":";
      AppendSchemaType(element, out);
      out += ",\"containsNull\":";
      out += element.repetition == Repetition::kOptional ? "true}" : "false}";
      return;
    }
    case FieldType::kMap: {
      const Field& value = field.children[0];
      out += "{\"type\":\"map\",\"keyType\":\"string\",\"valueType\":";
      AppendSchemaType(value, out);
      out += ",\"valueContainsNull\":";
      out += value.repetition == Repetition::kOptional ? "true}" : "false}";
      return;
    }
  }
  out += '"';
  out += name;
  out += '"';
}

Result<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError("cannot open " + path.string());
  std::stringstream s;
  s << in.rdbuf();
  if (in.bad()) return UnavailableError("cannot read " + path.string());
  return s.str();
}

}  // namespace

void AppendJsonString(std::string_view s, std::string& out) {
  out += '"';
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out += ch;  // UTF-8 passes through: JSON text is UTF-8
        }
    }
  }
  out += '"';
}

std::string DeltaActionJson(const DeltaAction& action) {
  std::string out;
  std::visit(ActionWriter{out}, action);
  return out;
}

std::string DeltaCommitJson(const std::vector<DeltaAction>& actions) {
  std::string out;
  for (const DeltaAction& action : actions) {
    std::visit(ActionWriter{out}, action);
    out += '\n';
  }
  return out;
}

Result<std::vector<DeltaAction>> ParseDeltaCommit(std::string_view text) {
  std::vector<DeltaAction> actions;
  simdjson::dom::parser parser;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    object root;
    if (parser.parse(line.data(), line.size()).get(root) != simdjson::SUCCESS) {
      return DataLossError("a Delta commit line is not a JSON object");
    }
    for (auto [key, value] : root) {
      object body;
      if (value.get(body) != simdjson::SUCCESS) continue;
      ASSIGN_OR_RETURN(std::optional<DeltaAction> action, ParseAction(key, body));
      if (action) actions.push_back(std::move(*action));
    }
  }
  return actions;
}

std::string DeltaSchemaString(const std::vector<Field>& columns) {
  std::string out;
  AppendStructType(columns, out);
  return out;
}

void DeltaSnapshot::Apply(const std::vector<DeltaAction>& actions) {
  for (const DeltaAction& action : actions) {
    if (const auto* p = std::get_if<DeltaProtocol>(&action)) {
      protocol = *p;
    } else if (const auto* m = std::get_if<DeltaMetadata>(&action)) {
      metadata = *m;
    } else if (const auto* a = std::get_if<DeltaAddFile>(&action)) {
      tombstones.erase(a->path);
      files[a->path] = *a;
    } else if (const auto* r = std::get_if<DeltaRemoveFile>(&action)) {
      files.erase(r->path);
      tombstones[r->path] = *r;
    } else if (const auto* t = std::get_if<DeltaTxn>(&action)) {
      txns[t->app_id] = *t;
    }
  }
  ++version;
}

fs::path DeltaLogDir(const fs::path& table_dir) { return table_dir / "_delta_log"; }

std::string DeltaVersionName(int64_t version, std::string_view suffix) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%020lld", static_cast<long long>(version));
  return std::string(buf) + std::string(suffix);
}

Result<DeltaLogUpdate> UpdateDeltaSnapshot(const fs::path& table_dir, DeltaSnapshot& snapshot) {
  DeltaLogUpdate update;
  const fs::path log = DeltaLogDir(table_dir);
  for (;;) {
    const fs::path file = log / DeltaVersionName(snapshot.version + 1, ".json");
    // A commit appears whole (link() of a complete file), so a file that opens is complete.
    Result<std::string> text = ReadFile(file);
    if (!text.ok()) {
      if (text.status().code() == StatusCode::kNotFound) return update;
      return text.status();
    }
    Result<std::vector<DeltaAction>> actions = ParseDeltaCommit(*text);
    if (!actions.ok()) {
      return DataLossError(file.string() + ": " + std::string(actions.status().message()));
    }
    for (const DeltaAction& action : *actions) {
      update.protocol_changed |= std::holds_alternative<DeltaProtocol>(action);
      update.metadata_changed |= std::holds_alternative<DeltaMetadata>(action);
    }
    snapshot.Apply(*actions);
    ++update.commits;
  }
}

Result<DeltaSnapshot> ReadDeltaSnapshot(const fs::path& table_dir) {
  DeltaSnapshot snapshot;
  RETURN_IF_ERROR(UpdateDeltaSnapshot(table_dir, snapshot).status());
  return snapshot;
}

Status SyncPath(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return UnavailableError("cannot open " + path.string() + ": " + ErrnoText());
  const int rc = ::fsync(fd);
  const std::string error = rc != 0 ? ErrnoText() : "";
  ::close(fd);
  if (rc != 0) return UnavailableError("cannot fsync " + path.string() + ": " + error);
  return Status();
}

Result<bool> PutDeltaCommit(const fs::path& table_dir, int64_t version, std::string_view content) {
  const fs::path log = DeltaLogDir(table_dir);
  const fs::path final_path = log / DeltaVersionName(version, ".json");
  // Hidden (leading '.') so that readers listing the log never take it for a commit.
  const fs::path tmp = log / ("." + DeltaVersionName(version, ".json.") + NewUuid() + ".tmp");
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return UnavailableError("cannot create " + tmp.string() + ": " + ErrnoText());
  size_t written = 0;
  bool ok = true;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok = false;
      break;
    }
    written += static_cast<size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  const std::string error = ok ? "" : ErrnoText();
  ::close(fd);
  if (!ok) {
    ::unlink(tmp.c_str());
    return UnavailableError("cannot write " + tmp.string() + ": " + error);
  }
  // link() fails with EEXIST instead of replacing: the put-if-absent that makes concurrent
  // writers safe (rename() would silently overwrite a winner's commit).
  const int rc = ::link(tmp.c_str(), final_path.c_str());
  const int link_errno = errno;
  ::unlink(tmp.c_str());
  if (rc != 0) {
    if (link_errno == EEXIST) return false;
    return UnavailableError("cannot link " + final_path.string() + ": " +
                            std::strerror(link_errno));
  }
  RETURN_IF_ERROR(SyncPath(log));
  return true;
}

std::string NewUuid() {
  uint8_t b[16];
  size_t got = 0;
  while (got < sizeof(b)) {
    const ssize_t n = ::getrandom(b + got, sizeof(b) - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) std::abort();  // the kernel's random source cannot fail after boot
    got += static_cast<size_t>(n);
  }
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  char out[37];
  std::snprintf(out, sizeof(out),
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
                b[15]);
  return out;
}

}  // namespace tracelake::lake
