#include "server/tracelake/lake_sink.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "common/mutex.h"
#include "lake/delta_table.h"
#include "lake/otel_tables.h"
#include "server/mlflow/routes.h"
#include "storage/span_codec.h"

namespace tracelake::server {
namespace {

constexpr const char* kPendingSuffix = "#pending";
constexpr const char* kStoreIdConsumer = "lake-sink-store-id";
constexpr size_t kMaxConsumer = 200;
constexpr int kSinkNice = 10;
constexpr auto kStopBudget = std::chrono::seconds(5);

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// What the sink has written of one annotation: enough to notice a change (digest) and to write
// its deletion (the row keys).
struct AnnotationMark {
  std::string type;
  std::string name;
  uint64_t digest = 0;
};

// What the sink has written of one trace. Encoded as JSON in the store; "" is a deleted trace.
struct TraceMark {
  int64_t next_batch = 0;  // spans of ingest batches before this one are in the lake
  int64_t last_log = 0;    // log records up to this id are in the lake
  std::map<std::string, AnnotationMark> annotations;  // by annotation_id
};

std::string EncodeMark(const TraceMark& m) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& [id, x] : m.annotations) a.push_back({id, x.type, x.name, x.digest});
  return nlohmann::json{{"b", m.next_batch}, {"l", m.last_log}, {"a", std::move(a)}}.dump();
}

Result<std::optional<TraceMark>> DecodeMark(const std::string& text) {
  if (text.empty()) return std::optional<TraceMark>{};  // deleted
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("b") || !j.contains("l") || !j.contains("a"))
    return DataLossError("A lake sink state in the store is not readable");
  TraceMark m;
  try {
    m.next_batch = j["b"].get<int64_t>();
    m.last_log = j["l"].get<int64_t>();
    for (const auto& x : j["a"]) {
      m.annotations[x.at(0).get<std::string>()] = {
          x.at(1).get<std::string>(), x.at(2).get<std::string>(), x.at(3).get<uint64_t>()};
    }
  } catch (const nlohmann::json::exception&) {
    return DataLossError("A lake sink state in the store is not readable");
  }
  return std::optional<TraceMark>(std::move(m));
}

// A stable text form of a value, for digests.
void AppendValue(std::string& out, const lake::Value& v) {
  std::visit(
      [&out](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          out += "n;";
        } else if constexpr (std::is_same_v<T, bool>) {
          out += x ? "t;" : "f;";
        } else if constexpr (std::is_same_v<T, int32_t> || std::is_same_v<T, int64_t>) {
          out += "i" + std::to_string(x) + ";";
        } else if constexpr (std::is_same_v<T, double>) {
          out += "d" + std::to_string(x) + ";";
        } else if constexpr (std::is_same_v<T, std::string>) {
          out += "s" + std::to_string(x.size()) + ":" + x;
        } else if constexpr (std::is_same_v<T, lake::ListValue>) {
          out += "[";
          for (const lake::Value& i : x.items) AppendValue(out, i);
          out += "]";
        } else if constexpr (std::is_same_v<T, lake::StructValue>) {
          out += "{";
          for (const lake::Value& i : x.fields) AppendValue(out, i);
          out += "}";
        } else {
          out += "<";
          for (const auto& [k, i] : x.entries) {
            out += "k" + std::to_string(k.size()) + ":" + k;
            AppendValue(out, i);
          }
          out += ">";
        }
      },
      v.get());
}

const std::string* StringAt(const lake::Row& row, int i) {
  if (i < 0 || static_cast<size_t>(i) >= row.size()) return nullptr;
  return std::get_if<std::string>(&row[static_cast<size_t>(i)].get());
}

int ColumnIndex(const std::vector<lake::Field>& columns, std::string_view name) {
  for (size_t i = 0; i < columns.size(); ++i)
    if (columns[i].name == name) return static_cast<int>(i);
  return -1;
}

struct Rows {
  std::vector<lake::Row> spans, logs, annotations;
  int64_t traces = 0;
};

enum TableIndex { kSpans = 0, kLogs = 1, kAnnotations = 2 };

}  // namespace

std::vector<lake::DeltaTableConfig> LakeTableConfigs(const std::string& prefix, lake::Codec codec,
                                                     lake::LakeSchema schema) {
  const std::pair<const char*, const std::vector<lake::Field>*> tables[] = {
      {"_otel_spans", &lake::OtelSpanColumns(schema)},
      {"_otel_logs", &lake::OtelLogColumns(schema)},
      {"_otel_annotations", &lake::OtelAnnotationColumns(schema)}};
  std::vector<lake::DeltaTableConfig> out;
  for (int t = 0; t < 3; ++t) {
    lake::DeltaTableConfig config;
    config.name = prefix + tables[t].first;
    config.columns = *tables[t].second;
    // Spans and logs by UTC day (spec section 3.6); annotations are few: one partition.
    if (t != kAnnotations) config.partition_column = "date";
    config.configuration = lake::OtelTableConfiguration(schema);
    config.protocol = lake::OtelTableProtocol(schema);
    config.parquet.codec = codec;
    out.push_back(std::move(config));
  }
  return out;
}

std::string LakeConsumerName(const std::string& kind, const std::filesystem::path& location,
                             const std::string& prefix) {
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::weakly_canonical(location, ec);
  if (ec) abs = std::filesystem::absolute(location, ec);
  std::string name = kind + ":" + prefix + ":" + abs.lexically_normal().string();
  // Long paths keep their tail and a digest of the whole, so two long paths never share a name.
  const size_t room = kMaxConsumer - std::string(kPendingSuffix).size();
  if (name.size() > room) {
    char digest[17];
    std::snprintf(digest, sizeof(digest), "%016llx",
                  static_cast<unsigned long long>(storage::ContentHash(name)));
    name = kind + ":" + digest + ":" + name.substr(name.size() - (room - kind.size() - 18));
  }
  return name;
}

class LakeSink::Impl {
 public:
  Impl(storage::Backend& backend, LakeSinkOptions options)
      : backend_(backend), options_(std::move(options)) {
    if (options_.consumer.empty())
      options_.consumer = LakeConsumerName("lake-sink", options_.location, options_.prefix);
    pending_ = options_.consumer + kPendingSuffix;
  }

  Status Open() {
    std::error_code ec;
    std::filesystem::create_directories(options_.location, ec);
    if (ec) {
      return UnavailableError("Cannot create the lake location " + options_.location.string() +
                              ": " + ec.message());
    }
    ASSIGN_OR_RETURN(app_id_, AppId());
    std::vector<lake::DeltaTableConfig> configs =
        LakeTableConfigs(options_.prefix, options_.codec, options_.schema);
    for (int t = 0; t < 3; ++t) {
      const std::filesystem::path dir = options_.location / configs[t].name;
      ASSIGN_OR_RETURN(tables_[t], lake::DeltaTable::Open(dir, std::move(configs[t])));
    }
    const auto& ann = lake::OtelAnnotationColumns(options_.schema);
    col_id_ = ColumnIndex(ann, "annotation_id");
    col_type_ = ColumnIndex(ann, "annotation_type");
    col_target_type_ = ColumnIndex(ann, "target_type");
    col_target_ = ColumnIndex(ann, "target_id");
    col_name_ = ColumnIndex(ann, "name");
    col_updated_ = ColumnIndex(ann, "updated_at");
    col_deleted_ = ColumnIndex(ann, "deleted_at");
    if (col_id_ < 0 || col_type_ < 0 || col_name_ < 0 || col_updated_ < 0 || col_deleted_ < 0)
      return InternalError("The annotations table lacks a column the lake sink needs");
    ASSIGN_OR_RETURN(progress_.cursor, backend_.changes().LoadCursor(options_.consumer));
    progress_.head = progress_.cursor;
    return Recover();
  }

  Result<bool> PublishOnce(int64_t* traces_out) {
    *traces_out = 0;
    if (pending_open_) RETURN_IF_ERROR(Recover());
    // Gather changes after the cursor, up to about batch_spans spans.
    std::vector<std::pair<TraceId, std::string>> marks;
    Rows rows;
    int64_t end = progress_.cursor;
    bool more = true;
    while (more && static_cast<int64_t>(rows.spans.size()) < options_.batch_spans) {
      ASSIGN_OR_RETURN(storage::ChangePage page,
                       backend_.changes().ReadChanges(end, options_.page_size));
      std::vector<TraceId> ids;
      for (const storage::TraceChange& c : page.changes) ids.push_back(c.trace_id);
      std::map<TraceId, TraceMark> saved;
      if (!ids.empty()) {
        ASSIGN_OR_RETURN(auto states, backend_.changes().LoadTraceStates(options_.consumer, ids));
        for (auto& [id, text] : states) {
          ASSIGN_OR_RETURN(std::optional<TraceMark> m, DecodeMark(text));
          if (m) saved[id] = std::move(*m);
        }
      }
      for (const storage::TraceChange& c : page.changes) {
        if (c.kind == storage::TraceChange::Kind::kDeleted) {
          if (saved.count(c.trace_id)) marks.emplace_back(c.trace_id, "");
          continue;
        }
        if (!options_.experiment_ids.empty() && !options_.experiment_ids.count(c.experiment_id))
          continue;
        auto it = saved.find(c.trace_id);
        const TraceMark from = it == saved.end() ? TraceMark{} : it->second;
        ASSIGN_OR_RETURN(std::optional<TraceMark> to, RowsFor(c.trace_id, from, nullptr, rows));
        if (to) marks.emplace_back(c.trace_id, EncodeMark(*to));
      }
      end = page.next_cursor;
      more = page.more;
      progress_.head = std::max(progress_.head, end);
    }
    if (end == progress_.cursor) return false;  // caught up
    // (1) the intent, (2) the tables, (3) the intent becomes the state.
    RETURN_IF_ERROR(backend_.changes().SaveTraceStates(pending_, marks, end));
    pending_open_ = true;
    RETURN_IF_ERROR(AppendAll(rows, end, /*only_missing=*/false));
    RETURN_IF_ERROR(backend_.changes().MoveTraceStates(pending_, options_.consumer));
    pending_open_ = false;
    progress_.cursor = end;
    progress_.traces += rows.traces;
    *traces_out = rows.traces;
    return more;
  }

  LakeSinkProgress& progress() { return progress_; }

 private:
  // A random id of this store, kept in it, so two stores writing to one lake location commit
  // under different Delta appIds (and one store, restarted, under the same).
  Result<std::string> AppId() {
    const TraceId key;  // all zero: the one state of this consumer
    ASSIGN_OR_RETURN(auto states, backend_.changes().LoadTraceStates(kStoreIdConsumer, {key}));
    std::string store_id;
    if (!states.empty()) {
      store_id = states.front().second;
    } else {
      store_id = RandomTraceId().Hex();
      RETURN_IF_ERROR(backend_.changes().SaveTraceStates(kStoreIdConsumer, {{key, store_id}}, 0));
    }
    char digest[17];
    std::snprintf(
        digest, sizeof(digest), "%016llx",
        static_cast<unsigned long long>(storage::ContentHash(store_id + "\n" + options_.consumer)));
    return "tracelake-" + std::string(digest);
  }

  // Appends the trace's rows from `from` on (to what is stored now, or to `bound` when
  // recovering) and returns what the sink will then have written of it; nullopt when the trace
  // is gone or filtered out.
  Result<std::optional<TraceMark>> RowsFor(const TraceId& id, const TraceMark& from,
                                           const TraceMark* bound, Rows& rows) {
    storage::TraceSliceRequest req;
    req.from_batch = from.next_batch;
    req.after_log = from.last_log;
    if (bound != nullptr) {
      req.to_batch = bound->next_batch;
      req.to_log = bound->last_log;
    }
    Result<storage::TraceSlice> slice = backend_.traces().ReadTraceSlice(id, req);
    if (!slice.ok()) {
      if (slice.status().code() == StatusCode::kNotFound) return std::optional<TraceMark>{};
      return slice.status();
    }
    if (options_.since_ms > 0 && slice->info.request_time_ns / 1000000 < options_.since_ms)
      return std::optional<TraceMark>{};
    TraceMark to;
    to.next_batch = bound != nullptr ? bound->next_batch : slice->next_batch;
    to.last_log = bound != nullptr ? bound->last_log : slice->last_log;
    for (const model::Span& span : slice->spans)
      rows.spans.push_back(lake::SpanRow(span, options_.schema));
    const std::string trace_hex = id.Hex();
    for (size_t i = 0; i < slice->logs.size(); ++i) {
      const model::LogRecord& log = slice->logs[i];
      rows.logs.push_back(lake::LogRow(
          log, trace_hex + ":" + log.span_id.Hex() + ":" + std::to_string(slice->log_ids[i]),
          options_.schema));
    }
    const int64_t now_us = NowMs() * 1000;
    for (lake::Row& row : lake::AnnotationRows(slice->info, now_us, options_.schema)) {
      const std::string* aid = StringAt(row, col_id_);
      if (aid == nullptr) continue;
      lake::Row keyed = row;
      keyed[static_cast<size_t>(col_updated_)] = lake::Value();  // observed time is not content
      std::string text;
      for (const lake::Value& v : keyed) AppendValue(text, v);
      AnnotationMark mark{StringAt(row, col_type_) ? *StringAt(row, col_type_) : "",
                          StringAt(row, col_name_) ? *StringAt(row, col_name_) : "",
                          storage::ContentHash(text)};
      auto old = from.annotations.find(*aid);
      if (old == from.annotations.end() || old->second.digest != mark.digest)
        rows.annotations.push_back(std::move(row));
      to.annotations[*aid] = std::move(mark);
    }
    // Annotations gone since: a row saying so (the table is append-only with soft deletes).
    for (const auto& [aid, mark] : from.annotations) {
      if (to.annotations.count(aid)) continue;
      lake::Row gone(lake::OtelAnnotationColumns(options_.schema).size());
      gone[static_cast<size_t>(col_id_)] = lake::Value(aid);
      gone[static_cast<size_t>(col_type_)] = lake::Value(mark.type);
      if (col_target_type_ >= 0) gone[static_cast<size_t>(col_target_type_)] = lake::Value("TRACE");
      if (col_target_ >= 0) gone[static_cast<size_t>(col_target_)] = lake::Value(trace_hex);
      gone[static_cast<size_t>(col_name_)] = lake::Value(mark.name);
      gone[static_cast<size_t>(col_updated_)] = lake::Value(now_us);
      gone[static_cast<size_t>(col_deleted_)] = lake::Value(now_us);
      rows.annotations.push_back(std::move(gone));
    }
    ++rows.traces;
    return std::optional<TraceMark>(std::move(to));
  }

  // One Delta commit per table with rows, each carrying txn{app_id_, version}; with
  // only_missing, tables whose txn already has `version` are left alone.
  Status AppendAll(const Rows& rows, int64_t version, bool only_missing) {
    const std::vector<lake::Row>* by_table[3] = {&rows.spans, &rows.logs, &rows.annotations};
    int64_t* counters[3] = {&progress_.rows_spans, &progress_.rows_logs,
                            &progress_.rows_annotations};
    int committed = 0;
    for (int t = 0; t < 3; ++t) {
      if (by_table[t]->empty()) continue;
      if (committed++ == options_.fail_after_tables_for_testing)
        return Status(StatusCode::kAborted,
                      "lake sink stopped for a test after " +
                          std::to_string(options_.fail_after_tables_for_testing) + " tables");
      if (only_missing) {
        ASSIGN_OR_RETURN(std::optional<int64_t> have, tables_[t]->TxnVersion(app_id_));
        if (have && *have >= version) continue;
      }
      ASSIGN_OR_RETURN(lake::DeltaAppendResult r,
                       tables_[t]->Append(app_id_, version, *by_table[t]));
      if (!r.already_committed) {
        *counters[t] += r.rows;
        progress_.bytes += r.bytes;
        ++progress_.commits;
      }
    }
    progress_.last_commit_unix_ms = NowMs();
    return OkStatus();
  }

  // Finishes a batch whose intent was saved but not moved (docs in the header).
  Status Recover() {
    ASSIGN_OR_RETURN(int64_t version, backend_.changes().LoadCursor(pending_));
    if (version <= 0) {
      pending_open_ = false;
      return OkStatus();
    }
    ASSIGN_OR_RETURN(auto intents, backend_.changes().ListTraceStates(pending_));
    std::vector<TraceId> ids;
    ids.reserve(intents.size());
    for (const auto& [id, text] : intents) ids.push_back(id);
    std::map<TraceId, TraceMark> saved;
    if (!ids.empty()) {
      ASSIGN_OR_RETURN(auto states, backend_.changes().LoadTraceStates(options_.consumer, ids));
      for (auto& [id, text] : states) {
        ASSIGN_OR_RETURN(std::optional<TraceMark> m, DecodeMark(text));
        if (m) saved[id] = std::move(*m);
      }
    }
    Rows rows;
    for (const auto& [id, text] : intents) {
      ASSIGN_OR_RETURN(std::optional<TraceMark> bound, DecodeMark(text));
      if (!bound) continue;  // deleted
      auto it = saved.find(id);
      const TraceMark from = it == saved.end() ? TraceMark{} : it->second;
      RETURN_IF_ERROR(RowsFor(id, from, &*bound, rows).status());
    }
    RETURN_IF_ERROR(AppendAll(rows, version, /*only_missing=*/true));
    RETURN_IF_ERROR(backend_.changes().MoveTraceStates(pending_, options_.consumer));
    pending_open_ = false;
    progress_.cursor = version;
    progress_.head = std::max(progress_.head, version);
    return OkStatus();
  }

 public:
  Status Maintain(int64_t target_bytes, std::chrono::milliseconds retention) {
    Status first;
    for (auto& table : tables_) {
      if (!table) continue;
      Result<lake::DeltaOptimizeResult> optimized = table->Optimize(target_bytes);
      if (optimized.ok()) {
        progress_.files_compacted += optimized->files_removed;
        progress_.files_compacted_into += optimized->files_added;
      } else if (first.ok()) {
        first = optimized.status();
      }
      Result<lake::DeltaVacuumResult> vacuumed = table->Vacuum(retention, /*dry_run=*/false);
      if (vacuumed.ok()) {
        progress_.files_vacuumed += static_cast<int64_t>(vacuumed->files.size());
      } else if (first.ok()) {
        first = vacuumed.status();
      }
    }
    ++progress_.maintenance_runs;
    if (!first.ok()) ++progress_.maintenance_errors;
    progress_.last_maintenance_unix_ms = NowMs();
    return first;
  }

 private:
  storage::Backend& backend_;
  LakeSinkOptions options_;
  std::string pending_;
  std::string app_id_;
  std::unique_ptr<lake::DeltaTable> tables_[3];
  int col_id_ = -1, col_type_ = -1, col_target_type_ = -1, col_target_ = -1, col_name_ = -1,
      col_updated_ = -1, col_deleted_ = -1;
  bool pending_open_ = true;  // unknown until Recover() looked
  LakeSinkProgress progress_;
};

LakeSink::LakeSink(storage::Backend& backend, LakeSinkOptions options)
    : impl_(std::make_unique<Impl>(backend, std::move(options))) {}
LakeSink::~LakeSink() = default;
Status LakeSink::Open() { return impl_->Open(); }

Result<bool> LakeSink::PublishOnce(int64_t* traces) {
  Result<bool> r = impl_->PublishOnce(traces);
  LakeSinkProgress& p = impl_->progress();
  if (r.ok()) {
    p.last_error.clear();
  } else {
    ++p.errors;
    p.last_error = r.status().ToString();
  }
  return r;
}

Status LakeSink::Maintain(int64_t compact_target_bytes,
                          std::chrono::milliseconds vacuum_retention) {
  return impl_->Maintain(compact_target_bytes, vacuum_retention);
}

Status LakeSink::Drain(const std::function<void(const LakeSinkProgress&)>& progress) {
  for (;;) {
    int64_t traces = 0;
    ASSIGN_OR_RETURN(bool more, PublishOnce(&traces));
    if (progress) progress(impl_->progress());
    if (!more && traces == 0) return OkStatus();
  }
}

LakeSinkProgress LakeSink::progress() const { return impl_->progress(); }

class LakeSinkService::Impl {
 public:
  Impl(storage::Backend& backend, LakeSinkOptions options)
      : options_(options), sink_(backend, std::move(options)), backend_(backend) {}
  ~Impl() { Stop(); }

  Status Start() {
    RETURN_IF_ERROR(sink_.Open());
    Snapshot();
    backend_.changes().AddListener(&waiter_);
    thread_ = std::thread([this] { Loop(); });
    return OkStatus();
  }

  void Stop() {
    if (!thread_.joinable()) return;
    stop_ = true;
    waiter_.Stop();
    thread_.join();
    backend_.changes().RemoveListener(&waiter_);
  }

  Json StatusJson() TL_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    const LakeSinkProgress& p = shown_;
    const int64_t head = std::max(p.head, waiter_.latest());
    Json out = {
        {"enabled", true},
        {"location", options_.location.string()},
        {"prefix", options_.prefix},
        {"tables",
         {options_.prefix + "_otel_spans", options_.prefix + "_otel_logs",
          options_.prefix + "_otel_annotations"}},
        {"cursor", p.cursor},
        {"head", head},
        {"lag_changes", std::max<int64_t>(0, head - p.cursor)},
        {"traces", p.traces},
        {"rows",
         {{"spans", p.rows_spans}, {"logs", p.rows_logs}, {"annotations", p.rows_annotations}}},
        {"commits", p.commits},
        {"bytes", p.bytes},
        {"errors", p.errors}};
    if (!p.last_error.empty()) out["last_error"] = p.last_error;
    if (p.last_commit_unix_ms > 0) out["last_commit_time"] = p.last_commit_unix_ms;
    Json upkeep = {{"interval_seconds", options_.maintenance_interval.count() / 1000},
                   {"runs", p.maintenance_runs},
                   {"files_compacted", p.files_compacted},
                   {"files_written", p.files_compacted_into},
                   {"files_vacuumed", p.files_vacuumed},
                   {"errors", p.maintenance_errors}};
    if (p.last_maintenance_unix_ms > 0) upkeep["last_time"] = p.last_maintenance_unix_ms;
    out["maintenance"] = std::move(upkeep);
    return out;
  }

  std::string MetricsText() TL_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    const LakeSinkProgress& p = shown_;
    const int64_t head = std::max(p.head, waiter_.latest());
    std::string out;
    auto metric = [&out](const char* name, const char* type, const std::string& labels, int64_t v) {
      out += std::string("# TYPE ") + name + " " + type + "\n" + name + labels + " " +
             std::to_string(v) + "\n";
    };
    metric("tracelake_lake_sink_lag_changes", "gauge", "", std::max<int64_t>(0, head - p.cursor));
    metric("tracelake_lake_sink_cursor", "gauge", "", p.cursor);
    out += "# TYPE tracelake_lake_sink_rows_total counter\n";
    out += "tracelake_lake_sink_rows_total{table=\"spans\"} " + std::to_string(p.rows_spans) + "\n";
    out += "tracelake_lake_sink_rows_total{table=\"logs\"} " + std::to_string(p.rows_logs) + "\n";
    out += "tracelake_lake_sink_rows_total{table=\"annotations\"} " +
           std::to_string(p.rows_annotations) + "\n";
    metric("tracelake_lake_sink_commits_total", "counter", "", p.commits);
    metric("tracelake_lake_sink_bytes_total", "counter", "", p.bytes);
    metric("tracelake_lake_sink_errors_total", "counter", "", p.errors);
    metric("tracelake_lake_sink_failing", "gauge", "", p.last_error.empty() ? 0 : 1);
    metric("tracelake_lake_sink_last_commit_unix_ms", "gauge", "", p.last_commit_unix_ms);
    metric("tracelake_lake_sink_compacted_files_total", "counter", "", p.files_compacted);
    metric("tracelake_lake_sink_vacuumed_files_total", "counter", "", p.files_vacuumed);
    metric("tracelake_lake_sink_maintenance_errors_total", "counter", "", p.maintenance_errors);
    return out;
  }

 private:
  void Loop() {
    // The sink yields the CPU to ingest: on a busy machine it falls behind instead of slowing
    // the exporters' requests (Linux nice values are per thread).
    setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), kSinkNice);
    auto backoff = std::chrono::milliseconds(500);
    while (!stop_) {
      int64_t traces = 0;
      Result<bool> more = sink_.PublishOnce(&traces);
      Snapshot();
      if (!more.ok()) {
        // The lake cannot be written (disk full, permissions): say so once per distinct error,
        // keep the cursor, try again with backoff. Ingest is not affected.
        const std::string msg = more.status().ToString();
        if (msg != last_logged_) {
          std::fprintf(stderr, "tracelake: lake sink: %s (will retry)\n", msg.c_str());
          last_logged_ = msg;
        }
        waiter_.WaitBeyond(std::numeric_limits<int64_t>::max(),
                           std::chrono::steady_clock::now() + backoff);
        backoff = std::min<std::chrono::milliseconds>(backoff * 2, std::chrono::seconds(30));
        continue;
      }
      if (!last_logged_.empty()) {
        std::fprintf(stderr, "tracelake: lake sink: writing again\n");
        last_logged_.clear();
      }
      backoff = std::chrono::milliseconds(500);
      if (*more) continue;  // a full batch was waiting: publish the next one at once
      MaybeMaintain();
      // Nothing (or less than a batch) left: wait out the interval; Stop() wakes it.
      waiter_.WaitBeyond(std::numeric_limits<int64_t>::max(),
                         std::chrono::steady_clock::now() + options_.interval);
    }
    // Publish what is committed by now, so a clean stop usually leaves the lake current; but
    // within a few seconds, so a sink far behind never holds up the stop (the next start goes
    // on from the cursor).
    const auto deadline = std::chrono::steady_clock::now() + kStopBudget;
    int64_t traces = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      Result<bool> more = sink_.PublishOnce(&traces);
      if (!more.ok() || !*more) break;
    }
    Snapshot();
  }

  void Snapshot() TL_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    shown_ = sink_.progress();
  }

  // Upkeep once per maintenance interval, when caught up (never ahead of publishing). The
  // first run waits one interval after the start.
  void MaybeMaintain() {
    if (options_.maintenance_interval.count() <= 0) return;
    const auto now = std::chrono::steady_clock::now();
    if (next_maintenance_ == std::chrono::steady_clock::time_point()) {
      next_maintenance_ = now + options_.maintenance_interval;
    }
    if (now < next_maintenance_) return;
    next_maintenance_ = now + options_.maintenance_interval;
    Status st = sink_.Maintain(options_.compact_target_bytes, options_.vacuum_retention);
    if (!st.ok()) {
      std::fprintf(stderr, "tracelake: lake sink: upkeep (compaction, vacuum): %s\n",
                   st.ToString().c_str());
    }
    Snapshot();
  }

  const LakeSinkOptions options_;
  LakeSink sink_;  // confined to the worker thread (and Start before it)
  storage::Backend& backend_;
  storage::FeedWaiter waiter_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::string last_logged_;
  std::chrono::steady_clock::time_point next_maintenance_;
  Mutex mu_;
  LakeSinkProgress shown_ TL_GUARDED_BY(mu_);
};

LakeSinkService::LakeSinkService(storage::Backend& backend, LakeSinkOptions options)
    : impl_(std::make_unique<Impl>(backend, std::move(options))) {}
LakeSinkService::~LakeSinkService() = default;
Status LakeSinkService::Start() { return impl_->Start(); }
void LakeSinkService::Stop() { impl_->Stop(); }
Json LakeSinkService::StatusJson() { return impl_->StatusJson(); }
std::string LakeSinkService::MetricsText() { return impl_->MetricsText(); }

namespace {
struct LakeRouteDeps {
  LakeSinkService* service;
};
}  // namespace

void RegisterLakeRoutes(Router& router, LakeSinkService* service) {
  MlflowRouteTable table(router);
  BoundRoutes<LakeRouteDeps> routes(table, LakeRouteDeps{service});
  routes.Add(
      {"GET"}, 2, "/tracelake/lake", Scope::kRead,
      [](const HttpRequest&, const LakeRouteDeps& d) -> Result<Json> {
        if (d.service == nullptr) {
          return Json{{"enabled", false}, {"hint", "start the server with --lake-location DIR"}};
        }
        return d.service->StatusJson();
      });
}

}  // namespace tracelake::server
