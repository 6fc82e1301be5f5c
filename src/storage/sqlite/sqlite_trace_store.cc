#include "storage/sqlite/sqlite_trace_store.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <random>
#include <unordered_map>

#include "model/normalize.h"
#include "storage/span_codec.h"
#include "storage/sqlite/filter_sql.h"
#include "storage/sqlite/schema.h"

namespace tracelake::storage::sqlite {
namespace {

using Json = nlohmann::json;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string_view Blob(const TraceId& id) { return id.AsStringView(); }

// --- SQL functions used by span-level filters -------------------------------------------

void SpanAttrFn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  auto* p = static_cast<const char*>(sqlite3_value_blob(argv[0]));
  int n = sqlite3_value_bytes(argv[0]);
  auto* key = reinterpret_cast<const char*>(sqlite3_value_text(argv[1]));
  if (p == nullptr || key == nullptr) return sqlite3_result_null(ctx);
  model::Span span;
  if (!DecodeSpanBody(std::string_view(p, static_cast<size_t>(n)), span).ok())
    return sqlite3_result_null(ctx);
  const model::AnyValue* v = model::FindAttribute(span.attributes, key);
  if (v == nullptr) return sqlite3_result_null(ctx);
  std::string text = v->ToDisplayString();
  // mlflow.* attributes are JSON-encoded strings; compare their text.
  if (text.size() >= 2 && text.front() == '"') {
    Json j = Json::parse(text, nullptr, false);
    if (!j.is_discarded() && j.is_string()) text = j.get<std::string>();
  }
  sqlite3_result_text64(ctx, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

void SpanContentFn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  auto* p = static_cast<const char*>(sqlite3_value_blob(argv[0]));
  int n = sqlite3_value_bytes(argv[0]);
  if (p == nullptr) return sqlite3_result_null(ctx);
  model::Span span;
  if (!DecodeSpanBody(std::string_view(p, static_cast<size_t>(n)), span).ok())
    return sqlite3_result_null(ctx);
  std::string text;
  for (const char* k : {"mlflow.spanInputs", "mlflow.spanOutputs"}) {
    if (const auto* v = model::FindAttribute(span.attributes, k)) {
      text += v->ToDisplayString();
      text += '\n';
    }
  }
  sqlite3_result_text64(ctx, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

void JsonTextFn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  auto* p = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
  if (p == nullptr) return sqlite3_result_null(ctx);
  std::string text(p, static_cast<size_t>(sqlite3_value_bytes(argv[0])));
  Json j = Json::parse(text, nullptr, false);
  if (!j.is_discarded() && j.is_string()) text = j.get<std::string>();
  sqlite3_result_text64(ctx, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

}  // namespace

Status ConfigureConnection(Db& db, bool writer) {
  RETURN_IF_ERROR(db.Exec("PRAGMA case_sensitive_like = ON"));
  RETURN_IF_ERROR(db.Exec("PRAGMA cache_size = -65536"));
  RETURN_IF_ERROR(db.Exec("PRAGMA temp_store = MEMORY"));
  RETURN_IF_ERROR(db.Exec("PRAGMA mmap_size = 268435456"));
  if (writer) {
    RETURN_IF_ERROR(db.Exec("PRAGMA journal_mode = WAL"));
    RETURN_IF_ERROR(db.Exec("PRAGMA synchronous = NORMAL"));
    RETURN_IF_ERROR(db.Exec("PRAGMA wal_autocheckpoint = 4096"));
  }
  const int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC;
  sqlite3_create_function(db.raw(), "tl_span_attr", 2, flags, nullptr, SpanAttrFn, nullptr, nullptr);
  sqlite3_create_function(db.raw(), "tl_span_content", 1, flags, nullptr, SpanContentFn, nullptr,
                          nullptr);
  sqlite3_create_function(db.raw(), "tl_json_text", 1, flags, nullptr, JsonTextFn, nullptr, nullptr);
  return OkStatus();
}

namespace {

Result<int64_t> ParseExperimentId(const std::string& id) {
  if (id.empty() || id.size() > 18 || id.find_first_not_of("0123456789") != std::string::npos)
    return InvalidArgumentError("Invalid experiment id '" + id.substr(0, 40) +
                                "': expected a number");
  return std::stoll(id);
}

uint64_t HashBytes(std::string_view s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
  return h;
}

// Page tokens: base64 of "tl1:<offset>:<checksum>"; anything else is rejected.
std::string MakePageToken(int64_t offset) {
  std::string raw = "tl1:" + std::to_string(offset);
  raw += ":" + std::to_string(HashBytes(raw) % 1000003);
  static constexpr char kT[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t buf = 0;
  int bits = 0;
  for (unsigned char c : raw) {
    buf = (buf << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kT[(buf >> bits) & 63];
    }
  }
  if (bits > 0) out += kT[(buf << (6 - bits)) & 63];
  return out;
}

Result<int64_t> ParsePageToken(const std::string& token) {
  if (token.empty()) return int64_t{0};
  auto bad = [] {
    return InvalidArgumentError("Invalid page_token: pass the next_page_token of a previous response");
  };
  if (token.size() > 100) return bad();
  std::string raw;
  uint32_t buf = 0;
  int bits = 0;
  for (char c : token) {
    int v = c >= 'A' && c <= 'Z'   ? c - 'A'
            : c >= 'a' && c <= 'z' ? c - 'a' + 26
            : c >= '0' && c <= '9' ? c - '0' + 52
            : c == '-'             ? 62
            : c == '_'             ? 63
                                   : -1;
    if (v < 0) return bad();
    buf = (buf << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      raw += static_cast<char>((buf >> bits) & 0xff);
    }
  }
  auto colon = raw.rfind(':');
  if (raw.rfind("tl1:", 0) != 0 || colon == std::string::npos || colon < 4) return bad();
  std::string body = raw.substr(0, colon);
  if (raw.substr(colon + 1) != std::to_string(HashBytes(body) % 1000003)) return bad();
  std::string num = body.substr(4);
  if (num.empty() || num.size() > 12 || num.find_first_not_of("0123456789") != std::string::npos)
    return bad();
  return std::stoll(num);
}

void BindParams(Stmt& stmt, const std::vector<SqlParam>& params, int first) {
  int i = first;
  for (const auto& p : params) {
    if (const auto* v = std::get_if<int64_t>(&p)) stmt.Bind(i, *v);
    else if (const auto* d = std::get_if<double>(&p)) stmt.Bind(i, *d);
    else if (const auto* s = std::get_if<std::string>(&p)) stmt.Bind(i, *s);
    else {
      const auto& b = std::get<std::vector<uint8_t>>(p);
      stmt.BindBlob(i, std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
    }
    ++i;
  }
}


// Running aggregate of one trace row, loaded from and written back to `traces`.
struct TraceRow {
  int64_t trace_key = 0;
  bool exists = false;
  int64_t experiment_id = 0;
  int64_t request_time = 0, duration = 0, state = 0;
  std::optional<int64_t> client_state;
  std::optional<int64_t> root_span_id;
  std::string root_name;
  std::optional<int64_t> min_start, max_end;
  int64_t span_count = 0, error_spans = 0;
  model::TokenUsage usage;
  std::string request_preview, response_preview;
  bool client_previews = false;
  int64_t preview_span_start = INT64_MAX;  // start of the span the previews came from
  std::string client_request_id;
};

std::optional<int64_t> OptInt(const Stmt& s, int col) {
  if (s.IsNull(col)) return std::nullopt;
  return s.Int(col);
}

void BindOpt(Stmt& s, int i, const std::optional<int64_t>& v) {
  if (v) s.Bind(i, *v);
  else s.BindNull(i);
}

void Subtract(std::optional<int64_t>& total, std::optional<int64_t> v) {
  if (total && v) *total -= *v;
}

// Derived fields from the aggregate: request time, duration, state.
void Finish(TraceRow& r) {
  if (!r.root_span_id && r.min_start) {
    r.request_time = *r.min_start;
    r.duration = r.max_end && *r.max_end > *r.min_start ? *r.max_end - *r.min_start : 0;
  }
  if (!r.root_span_id) {
    if (r.client_state) r.state = *r.client_state;
    else r.state = r.error_spans > 0 ? 2 : 1;
  }
}

}  // namespace

// --- lifecycle --------------------------------------------------------------------------

SqliteTraceStore::SqliteTraceStore(std::string path, StoreOptions options)
    : path_(std::move(path)), options_(options), memory_(path_ == ":memory:") {}

SqliteTraceStore::~SqliteTraceStore() { Shutdown(std::chrono::seconds(30)).IgnoreError(); }

Result<std::unique_ptr<SqliteTraceStore>> SqliteTraceStore::Open(const std::string& path,
                                                                  const StoreOptions& options) {
  std::unique_ptr<SqliteTraceStore> store(new SqliteTraceStore(path, options));
  RETURN_IF_ERROR(store->Init());
  return store;
}

Status SqliteTraceStore::Init() {
  if (!memory_) {
    std::error_code ec;
    auto parent = std::filesystem::path(path_).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (ec) return UnavailableError("Cannot create folder " + parent.string() + ": " + ec.message());
  }
  RETURN_IF_ERROR(writer_db_.Open(path_, false));
  RETURN_IF_ERROR(ConfigureConnection(writer_db_, !memory_));
  RETURN_IF_ERROR(MigrateSchema(writer_db_, NowMs()));
  {
    ASSIGN_OR_RETURN(Stmt c, writer_db_.Prepare("SELECT (SELECT count(*) FROM traces), (SELECT count(*) FROM spans)"));
    bool row = false;
    RETURN_IF_ERROR(c.Step(&row));
    if (row) {
      trace_count_ = c.Int(0);
      span_count_ = c.Int(1);
    }
  }
  writer_ = std::jthread([this] { WriterLoop(); });
  return OkStatus();
}

Status SqliteTraceStore::Shutdown(std::chrono::milliseconds) {
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    if (stopping_ && !writer_.joinable()) return OkStatus();
    stopping_ = true;
    paused_ = false;
  }
  queue_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  return OkStatus();
}

void SqliteTraceStore::PauseWriterForTesting(bool paused) {
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    paused_ = paused;
  }
  queue_cv_.notify_all();
}

// --- ingest -----------------------------------------------------------------------------

Status SqliteTraceStore::CheckExperimentActive(Db& db, const std::string& experiment_id) {
  ASSIGN_OR_RETURN(int64_t id, ParseExperimentId(experiment_id));
  ASSIGN_OR_RETURN(Stmt* s, db.Cached("SELECT lifecycle_stage FROM experiments WHERE experiment_id = ?"));
  s->Bind(1, id);
  bool row = false;
  RETURN_IF_ERROR(s->Step(&row));
  if (!row) return NotFoundError("No experiment with id '" + experiment_id + "'. Create it first.");
  if (s->Text(0) != "active")
    return NotFoundError("Experiment '" + experiment_id + "' is deleted; restore it first");
  return OkStatus();
}

Status SqliteTraceStore::Ingest(IngestBatch batch) {
  RETURN_IF_ERROR(WithReader([&](Db& db) { return CheckExperimentActive(db, batch.experiment_id); }));
  auto pending = std::make_unique<Pending>();
  pending->bodies.reserve(batch.spans.size());
  for (const auto& span : batch.spans) pending->bodies.push_back(EncodeSpanBody(span));
  for (const auto& rec : batch.log_records)
    pending->log_bodies.push_back(model::IsGenAiContentRecord(rec) ? EncodeLogRecord(rec) : std::string());
  pending->batch = std::move(batch);
  std::future<Status> done = pending->done.get_future();
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    if (stopping_) return UnavailableError("tracelake is shutting down");
    if (queue_.size() >= static_cast<size_t>(options_.max_queued_batches)) {
      rejected_batches_.fetch_add(1);
      return ResourceExhaustedError("Ingest queue is full; retry after a short delay");
    }
    queue_.push_back(std::move(pending));
  }
  queue_cv_.notify_one();
  return done.get();
}

void SqliteTraceStore::WriterLoop() {
  for (;;) {
    std::vector<std::unique_ptr<Pending>> work;
    {
      std::unique_lock<std::mutex> lock(queue_mu_);
      queue_cv_.wait(lock, [this] { return (stopping_ || !queue_.empty()) && !paused_; });
      if (queue_.empty()) return;  // stopping and drained
      size_t spans = 0;
      while (!queue_.empty() &&
             (work.empty() || spans + queue_.front()->batch.spans.size() <=
                                  static_cast<size_t>(options_.max_batch_spans))) {
        spans += queue_.front()->batch.spans.size();
        work.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    std::vector<Status> results(work.size());
    {
      std::lock_guard<std::mutex> lock(write_mu_);
      Status begin = writer_db_.Exec("BEGIN IMMEDIATE");
      for (size_t i = 0; i < work.size() && begin.ok(); ++i) {
        // A savepoint per batch: one bad batch fails alone, the others still commit.
        results[i] = writer_db_.Exec("SAVEPOINT batch");
        if (results[i].ok()) results[i] = ApplyBatch(*work[i]);
        if (results[i].ok()) {
          results[i] = writer_db_.Exec("RELEASE batch");
        } else {
          writer_db_.Exec("ROLLBACK TO batch").IgnoreError();
          writer_db_.Exec("RELEASE batch").IgnoreError();
        }
      }
      writer_db_.ResetAll();
      Status commit = begin.ok() ? writer_db_.Exec("COMMIT") : begin;
      if (!commit.ok()) {
        writer_db_.Exec("ROLLBACK").IgnoreError();
        resource_ids_.clear();  // ids from the rolled back transaction are gone
        for (auto& r : results) r = commit;
      }
    }
    for (size_t i = 0; i < work.size(); ++i) work[i]->done.set_value(results[i]);
  }
}

Result<int64_t> SqliteTraceStore::ResourceId(const model::Resource& resource) {
  std::string body = EncodeAttributes(resource.attributes);
  uint64_t hash = HashBytes(body);
  if (auto it = resource_ids_.find(hash); it != resource_ids_.end()) return it->second;
  ASSIGN_OR_RETURN(Stmt* find, writer_db_.Cached("SELECT resource_id, body FROM resources WHERE hash = ?"));
  find->Bind(1, static_cast<int64_t>(hash));
  bool row = false;
  RETURN_IF_ERROR(find->Step(&row));
  while (row) {
    if (find->Blob(1) == body) {
      int64_t id = find->Int(0);
      find->Reset();
      resource_ids_[hash] = id;
      return id;
    }
    RETURN_IF_ERROR(find->Step(&row));
  }
  ASSIGN_OR_RETURN(Stmt* ins, writer_db_.Cached("INSERT INTO resources(hash, body) VALUES(?, ?)"));
  ins->Bind(1, static_cast<int64_t>(hash)).BindBlob(2, body);
  RETURN_IF_ERROR(ins->Run());
  int64_t id = sqlite3_last_insert_rowid(writer_db_.raw());
  resource_ids_[hash] = id;
  return id;
}

Status SqliteTraceStore::ApplyBatch(Pending& pending) {
  IngestBatch& batch = pending.batch;
  Db& db = writer_db_;
  ASSIGN_OR_RETURN(int64_t experiment_id, ParseExperimentId(batch.experiment_id));

  // Log records: kept by (trace id, span id); merged into spans when read.
  for (size_t li = 0; li < batch.log_records.size(); ++li) {
    const model::LogRecord& rec = batch.log_records[li];
    if (pending.log_bodies[li].empty()) continue;
    ASSIGN_OR_RETURN(Stmt* ins, db.Cached(
        "INSERT INTO span_logs(trace_id, span_id, seq, body) VALUES(?, ?, "
        "(SELECT coalesce(max(seq), -1) + 1 FROM span_logs WHERE trace_id = ? AND span_id = ?), ?)"));
    const int64_t sid = SpanIdToInt(rec.span_id);
    ins->BindBlob(1, Blob(rec.trace_id)).Bind(2, sid).BindBlob(3, Blob(rec.trace_id)).Bind(4, sid)
        .BindBlob(5, pending.log_bodies[li]);
    RETURN_IF_ERROR(ins->Run());
  }

  // Spans grouped by trace, in first-seen order.
  std::unordered_map<TraceId, std::vector<size_t>, ByteIdHash> by_trace;
  std::vector<TraceId> order;
  for (size_t i = 0; i < batch.spans.size(); ++i) {
    auto [it, inserted] = by_trace.try_emplace(batch.spans[i].trace_id);
    if (inserted) order.push_back(batch.spans[i].trace_id);
    it->second.push_back(i);
  }
  const model::Resource* last_resource = nullptr;
  int64_t last_resource_id = 0;
  for (const TraceId& trace_id : order) {
    TraceRow r;
    ASSIGN_OR_RETURN(Stmt* load, db.Cached(
        "SELECT trace_key, experiment_id, request_time, duration, state, client_state, root_span_id, "
        "root_name, min_start, max_end, span_count, error_spans, input_tokens, output_tokens, "
        "total_tokens, cached_tokens, request_preview, response_preview, client_previews, "
        "client_request_id FROM traces WHERE trace_id = ?"));
    load->BindBlob(1, Blob(trace_id));
    bool row = false;
    RETURN_IF_ERROR(load->Step(&row));
    if (row) {
      r.exists = true;
      r.trace_key = load->Int(0);
      r.experiment_id = load->Int(1);
      r.request_time = load->Int(2);
      r.duration = load->Int(3);
      r.state = load->Int(4);
      r.client_state = OptInt(*load, 5);
      r.root_span_id = OptInt(*load, 6);
      r.root_name = std::string(load->Text(7));
      r.min_start = OptInt(*load, 8);
      r.max_end = OptInt(*load, 9);
      r.span_count = load->Int(10);
      r.error_spans = load->Int(11);
      r.usage.input_tokens = OptInt(*load, 12);
      r.usage.output_tokens = OptInt(*load, 13);
      r.usage.total_tokens = OptInt(*load, 14);
      r.usage.cached_input_tokens = OptInt(*load, 15);
      r.request_preview = std::string(load->Text(16));
      r.response_preview = std::string(load->Text(17));
      r.client_previews = load->Int(18) != 0;
      r.client_request_id = std::string(load->Text(19));
      // Previews of a fragmented trace came from its earliest span so far.
      r.preview_span_start = r.root_span_id ? INT64_MIN : r.min_start.value_or(INT64_MAX);
    } else {
      r.experiment_id = experiment_id;
    }
    load->Reset();
    if (!r.exists) {
      ASSIGN_OR_RETURN(Stmt* ins, db.Cached(
          "INSERT INTO traces(trace_id, experiment_id, request_time, duration, state) VALUES(?,?,0,0,1)"));
      ins->BindBlob(1, Blob(trace_id)).Bind(2, r.experiment_id);
      RETURN_IF_ERROR(ins->Run());
      r.trace_key = sqlite3_last_insert_rowid(db.raw());
      trace_count_.fetch_add(1, std::memory_order_relaxed);
    }

    std::string session, user;
    for (size_t index : by_trace[trace_id]) {
      model::Span* s = &batch.spans[index];
      const int64_t span_id = SpanIdToInt(s->span_id);
      if (r.exists) {
        // Re-delivery (exporter retry) replaces the span; undo its old contribution.
        ASSIGN_OR_RETURN(Stmt* old, db.Cached(
            "SELECT status, input_tokens, output_tokens, total_tokens, cached_tokens FROM spans "
            "WHERE trace_key = ? AND span_id = ?"));
        old->Bind(1, r.trace_key).Bind(2, span_id);
        bool found = false;
        RETURN_IF_ERROR(old->Step(&found));
        if (found) {
          --r.span_count;
          if (old->Int(0) == 2) --r.error_spans;
          Subtract(r.usage.input_tokens, OptInt(*old, 1));
          Subtract(r.usage.output_tokens, OptInt(*old, 2));
          Subtract(r.usage.total_tokens, OptInt(*old, 3));
          Subtract(r.usage.cached_input_tokens, OptInt(*old, 4));
          span_count_.fetch_sub(1, std::memory_order_relaxed);
        }
        old->Reset();
      }
      std::optional<int64_t> resource_id;
      if (s->resource) {
        if (s->resource.get() != last_resource) {
          ASSIGN_OR_RETURN(last_resource_id, ResourceId(*s->resource));
          last_resource = s->resource.get();
        }
        resource_id = last_resource_id;
      }
      ASSIGN_OR_RETURN(Stmt* ins, db.Cached(
          "INSERT OR REPLACE INTO spans(trace_key, span_id, parent_id, name, type, start_ns, end_ns, "
          "status, resource_id, input_tokens, output_tokens, total_tokens, cached_tokens, body) "
          "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)"));
      const auto& u = s->view.usage;
      ins->Bind(1, r.trace_key).Bind(2, span_id).Bind(3, SpanIdToInt(s->parent_span_id))
          .Bind(4, s->name).Bind(5, s->view.span_type.empty() ? "UNKNOWN" : s->view.span_type)
          .Bind(6, static_cast<int64_t>(s->start_time_unix_nano))
          .Bind(7, static_cast<int64_t>(s->end_time_unix_nano))
          .Bind(8, static_cast<int64_t>(s->status_code));
      BindOpt(*ins, 9, resource_id);
      BindOpt(*ins, 10, u.input_tokens);
      BindOpt(*ins, 11, u.output_tokens);
      BindOpt(*ins, 12, u.total_tokens);
      BindOpt(*ins, 13, u.cached_input_tokens);
      ins->BindBlob(14, pending.bodies[index]);
      RETURN_IF_ERROR(ins->Run());
      span_count_.fetch_add(1, std::memory_order_relaxed);

      ++r.span_count;
      if (s->status_code == model::SpanStatusCode::kError) ++r.error_spans;
      r.usage.Add(u);
      const auto start = static_cast<int64_t>(s->start_time_unix_nano);
      const auto end = static_cast<int64_t>(s->end_time_unix_nano);
      if (!r.min_start || start < *r.min_start) r.min_start = start;
      if (!r.max_end || end > *r.max_end) r.max_end = end;
      const bool root = s->is_root();
      if (root) {
        r.root_span_id = span_id;
        r.root_name = s->name;
        r.request_time = start;
        r.duration = end > start ? end - start : 0;
        r.state = s->status_code == model::SpanStatusCode::kError ? 2 : 1;
      }
      // Previews: the root's, or while fragmented the earliest span's; client-set ones win.
      if (!r.client_previews && (root || (!r.root_span_id && start < r.preview_span_start))) {
        r.request_preview = model::MakePreview(s->view.inputs_json);
        r.response_preview = model::MakePreview(s->view.outputs_json);
        r.preview_span_start = root ? INT64_MIN : start;
      }
      if (session.empty()) session = s->view.session_id;
      if (user.empty()) user = s->view.user_id;
    }
    Finish(r);
    ASSIGN_OR_RETURN(Stmt* upd, db.Cached(
        "UPDATE traces SET request_time=?, duration=?, state=?, root_span_id=?, root_name=?, "
        "min_start=?, max_end=?, span_count=?, error_spans=?, input_tokens=?, output_tokens=?, "
        "total_tokens=?, cached_tokens=?, request_preview=?, response_preview=? WHERE trace_key=?"));
    upd->Bind(1, r.request_time).Bind(2, r.duration).Bind(3, r.state);
    BindOpt(*upd, 4, r.root_span_id);
    upd->Bind(5, r.root_name);
    BindOpt(*upd, 6, r.min_start);
    BindOpt(*upd, 7, r.max_end);
    upd->Bind(8, r.span_count).Bind(9, r.error_spans);
    BindOpt(*upd, 10, r.usage.input_tokens);
    BindOpt(*upd, 11, r.usage.output_tokens);
    BindOpt(*upd, 12, r.usage.total_tokens);
    BindOpt(*upd, 13, r.usage.cached_input_tokens);
    upd->Bind(14, r.request_preview).Bind(15, r.response_preview).Bind(16, r.trace_key);
    RETURN_IF_ERROR(upd->Run());
    for (const auto& [key, value] : {std::pair<const char*, std::string&>{"mlflow.trace.session", session},
                                     std::pair<const char*, std::string&>{"mlflow.trace.user", user}}) {
      if (value.empty()) continue;
      ASSIGN_OR_RETURN(Stmt* md, db.Cached(
          "INSERT OR IGNORE INTO trace_metadata(trace_key, key, value) VALUES(?,?,?)"));
      md->Bind(1, r.trace_key).Bind(2, key).Bind(3, value);
      RETURN_IF_ERROR(md->Run());
    }
  }
  return OkStatus();
}

// --- traces: reads ----------------------------------------------------------------------

Result<int64_t> SqliteTraceStore::TraceKey(Db& db, const TraceId& id) {
  ASSIGN_OR_RETURN(Stmt* s, db.Cached("SELECT trace_key FROM traces WHERE trace_id = ?"));
  s->BindBlob(1, Blob(id));
  bool row = false;
  RETURN_IF_ERROR(s->Step(&row));
  if (!row) return NotFoundError("Trace with ID " + MlflowTraceId(id) + " not found.");
  int64_t key = s->Int(0);
  s->Reset();
  return key;
}

namespace {
constexpr const char* kInfoColumns =
    "t.trace_key, t.trace_id, t.experiment_id, t.request_time, t.duration, t.state, "
    "t.root_span_id, t.span_count, t.input_tokens, t.output_tokens, t.total_tokens, "
    "t.cached_tokens, t.request_preview, t.response_preview, t.client_request_id";
}

Result<model::TraceInfo> SqliteTraceStore::LoadTraceInfo(Db& db, int64_t trace_key,
                                                         bool with_assessments) {
  static const std::string sql =
      std::string("SELECT ") + kInfoColumns + " FROM traces t WHERE t.trace_key = ?";
  ASSIGN_OR_RETURN(Stmt* s, db.Cached(sql.c_str()));
  s->Bind(1, trace_key);
  bool row = false;
  RETURN_IF_ERROR(s->Step(&row));
  if (!row) return NotFoundError("Trace not found");
  model::TraceInfo info;
  if (auto id = TraceId::FromBytes(s->Blob(1))) info.trace_id = *id;
  info.experiment_id = std::to_string(s->Int(2));
  info.request_time_ns = s->Int(3);
  info.execution_duration_ns = s->Int(4);
  info.state = static_cast<model::TraceState>(s->Int(5));
  info.fragmented = s->IsNull(6);
  info.span_count = s->Int(7);
  info.usage.input_tokens = OptInt(*s, 8);
  info.usage.output_tokens = OptInt(*s, 9);
  info.usage.total_tokens = OptInt(*s, 10);
  info.usage.cached_input_tokens = OptInt(*s, 11);
  info.request_preview = std::string(s->Text(12));
  info.response_preview = std::string(s->Text(13));
  info.client_request_id = std::string(s->Text(14));
  s->Reset();

  ASSIGN_OR_RETURN(Stmt* tags, db.Cached("SELECT key, value FROM trace_tags WHERE trace_key = ?"));
  tags->Bind(1, trace_key);
  while (tags->Next())
    info.tags[std::string(tags->Text(0))] = std::string(tags->Text(1));
  ASSIGN_OR_RETURN(Stmt* md, db.Cached("SELECT key, value FROM trace_metadata WHERE trace_key = ?"));
  md->Bind(1, trace_key);
  while (md->Next())
    info.trace_metadata[std::string(md->Text(0))] = std::string(md->Text(1));
  info.trace_metadata.try_emplace("mlflow.trace_schema.version", "3");
  if (!info.usage.empty()) {
    Json u = Json::object();
    u["input_tokens"] = info.usage.input_tokens.value_or(0);
    u["output_tokens"] = info.usage.output_tokens.value_or(0);
    u["total_tokens"] = info.usage.total_tokens.value_or(0);
    if (info.usage.cached_input_tokens) u["cache_read_input_tokens"] = *info.usage.cached_input_tokens;
    info.trace_metadata["mlflow.trace.tokenUsage"] = u.dump();
  }
  info.trace_metadata["tracelake.span_count"] = std::to_string(info.span_count);
  if (info.fragmented) info.trace_metadata["tracelake.fragmented"] = "true";
  if (with_assessments) {
    ASSIGN_OR_RETURN(info.assessments, LoadAssessments(db, trace_key, nullptr));
  }
  return info;
}

Result<model::TraceInfo> SqliteTraceStore::GetTraceInfo(const TraceId& id) {
  return WithReader([&](Db& db) -> Result<model::TraceInfo> {
    ASSIGN_OR_RETURN(int64_t key, TraceKey(db, id));
    return LoadTraceInfo(db, key, true);
  });
}

Result<model::Trace> SqliteTraceStore::GetTrace(const TraceId& id) {
  return WithReader([&](Db& db) -> Result<model::Trace> {
    ASSIGN_OR_RETURN(int64_t key, TraceKey(db, id));
    model::Trace trace;
    ASSIGN_OR_RETURN(trace.info, LoadTraceInfo(db, key, true));
    std::map<int64_t, std::shared_ptr<const model::Resource>> resources;
    ASSIGN_OR_RETURN(Stmt* s, db.Cached(
        "SELECT span_id, parent_id, name, type, start_ns, end_ns, status, resource_id, input_tokens, "
        "output_tokens, total_tokens, cached_tokens, body FROM spans WHERE trace_key = ? "
        "ORDER BY start_ns, span_id"));
    s->Bind(1, key);
    while (s->Next()) {
      model::Span span;
      span.trace_id = id;
      span.span_id = SpanIdFromInt(s->Int(0));
      span.parent_span_id = SpanIdFromInt(s->Int(1));
      span.name = std::string(s->Text(2));
      span.view.span_type = std::string(s->Text(3));
      span.start_time_unix_nano = static_cast<uint64_t>(s->Int(4));
      span.end_time_unix_nano = static_cast<uint64_t>(s->Int(5));
      span.status_code = static_cast<model::SpanStatusCode>(s->Int(6) & 3);
      if (!s->IsNull(7)) resources[s->Int(7)];
      span.view.usage.input_tokens = OptInt(*s, 8);
      span.view.usage.output_tokens = OptInt(*s, 9);
      span.view.usage.total_tokens = OptInt(*s, 10);
      span.view.usage.cached_input_tokens = OptInt(*s, 11);
      RETURN_IF_ERROR(DecodeSpanBody(s->Blob(12), span));
      if (!s->IsNull(7)) {
        // Resolved below; remember the id in the shared_ptr slot via a placeholder.
        auto placeholder = std::make_shared<model::Resource>();
        placeholder->schema_url = std::to_string(s->Int(7));
        span.resource = placeholder;
      }
      trace.spans.push_back(std::move(span));
    }
    RETURN_IF_ERROR(s->error());
    for (auto& [rid, res] : resources) {
      ASSIGN_OR_RETURN(Stmt* r, db.Cached("SELECT body FROM resources WHERE resource_id = ?"));
      r->Bind(1, rid);
      bool found = false;
      RETURN_IF_ERROR(r->Step(&found));
      auto resource = std::make_shared<model::Resource>();
      if (found) RETURN_IF_ERROR(DecodeAttributes(r->Blob(0), resource->attributes));
      r->Reset();
      res = resource;
    }
    for (auto& span : trace.spans) {
      if (span.resource) span.resource = resources[std::stoll(span.resource->schema_url)];
      // Derives the view and the MLflow attributes that were not stored.
      model::NormalizeSpan(span);
    }
    // GenAI content sent as log records.
    ASSIGN_OR_RETURN(Stmt* logs, db.Cached("SELECT span_id, body FROM span_logs WHERE trace_id = ? ORDER BY span_id, seq"));
    logs->BindBlob(1, Blob(id));
    std::map<int64_t, std::vector<model::LogRecord>> by_span;
    while (logs->Next()) {
      model::LogRecord rec;
      if (!DecodeLogRecord(logs->Blob(1), rec).ok()) continue;
      rec.trace_id = id;
      rec.span_id = SpanIdFromInt(logs->Int(0));
      by_span[logs->Int(0)].push_back(std::move(rec));
    }
    for (auto& span : trace.spans) {
      auto it = by_span.find(SpanIdToInt(span.span_id));
      if (it != by_span.end()) model::ApplyLogRecords(span, it->second);
    }
    return trace;
  });
}

Result<TracePage> SqliteTraceStore::SearchTraces(const TraceSearchRequest& req) {
  if (req.max_results < 1 || req.max_results > 50000)
    return InvalidArgumentError("max_results must be between 1 and 50000");
  ASSIGN_OR_RETURN(int64_t offset, ParsePageToken(req.page_token));
  SqlFragment where;
  where.sql = "1";
  if (!req.experiment_ids.empty()) {
    where.sql = "t.experiment_id IN (";
    for (size_t i = 0; i < req.experiment_ids.size(); ++i) {
      ASSIGN_OR_RETURN(int64_t id, ParseExperimentId(req.experiment_ids[i]));
      where.sql += i ? ",?" : "?";
      where.params.emplace_back(id);
    }
    where.sql += ")";
  }
  if (req.filter != nullptr) {
    where.sql += " AND ";
    RETURN_IF_ERROR(FilterToSql(*req.filter, where));
  }
  std::string sql = "SELECT t.trace_key FROM traces t WHERE " + where.sql + " ORDER BY " +
                    OrderByToSql(req.order_by) + " LIMIT ? OFFSET ?";
  return WithReader([&](Db& db) -> Result<TracePage> {
    ASSIGN_OR_RETURN(Stmt s, db.Prepare(sql));
    BindParams(s, where.params, 1);
    const int n = static_cast<int>(where.params.size());
    s.Bind(n + 1, static_cast<int64_t>(req.max_results) + 1).Bind(n + 2, offset);
    std::vector<int64_t> keys;
    while (s.Next()) keys.push_back(s.Int(0));
    RETURN_IF_ERROR(s.error());
    TracePage page;
    if (keys.size() > static_cast<size_t>(req.max_results)) {
      keys.pop_back();
      page.next_page_token = MakePageToken(offset + req.max_results);
    }
    for (int64_t key : keys) {
      ASSIGN_OR_RETURN(auto info, LoadTraceInfo(db, key, req.include_assessments));
      page.traces.push_back(std::move(info));
    }
    return page;
  });
}

// --- traces: writes ---------------------------------------------------------------------

Result<model::TraceInfo> SqliteTraceStore::UpsertTraceInfo(const model::TraceInfo& info) {
  if (info.trace_id.IsZero()) return InvalidArgumentError("trace_id is required");
  RETURN_IF_ERROR(WithReader([&](Db& db) { return CheckExperimentActive(db, info.experiment_id); }));
  ASSIGN_OR_RETURN(int64_t experiment_id, ParseExperimentId(info.experiment_id));
  ASSIGN_OR_RETURN(int64_t key, WithWriteTxn([&](Db& db) -> Result<int64_t> {
    ASSIGN_OR_RETURN(Stmt* ins, db.Cached(
        "INSERT OR IGNORE INTO traces(trace_id, experiment_id, request_time, duration, state) "
        "VALUES(?,?,?,?,?)"));
    ins->BindBlob(1, Blob(info.trace_id)).Bind(2, experiment_id).Bind(3, info.request_time_ns)
        .Bind(4, info.execution_duration_ns).Bind(5, static_cast<int64_t>(info.state));
    RETURN_IF_ERROR(ins->Run());
    if (db.Changes() > 0) trace_count_.fetch_add(1);
    ASSIGN_OR_RETURN(int64_t k, TraceKey(db, info.trace_id));
    // Client-given values: state when no root span decided it; times when no spans arrived.
    ASSIGN_OR_RETURN(Stmt* upd, db.Cached(
        "UPDATE traces SET client_state = ?, "
        "state = CASE WHEN root_span_id IS NULL THEN ? ELSE state END, "
        "request_time = CASE WHEN span_count = 0 OR ? THEN ? ELSE request_time END, "
        "duration = CASE WHEN span_count = 0 OR ? THEN ? ELSE duration END, "
        "client_request_id = coalesce(nullif(?, ''), client_request_id) WHERE trace_key = ?"));
    const bool has_root_times = info.request_time_ns > 0 && info.execution_duration_ns > 0;
    upd->Bind(1, static_cast<int64_t>(info.state)).Bind(2, static_cast<int64_t>(info.state))
        .Bind(3, int64_t{0}).Bind(4, info.request_time_ns)
        .Bind(5, int64_t{0}).Bind(6, info.execution_duration_ns)
        .Bind(7, info.client_request_id).Bind(8, k);
    (void)has_root_times;
    RETURN_IF_ERROR(upd->Run());
    if (!info.request_preview.empty() || !info.response_preview.empty()) {
      ASSIGN_OR_RETURN(Stmt* pv, db.Cached(
          "UPDATE traces SET request_preview = ?, response_preview = ?, client_previews = 1 "
          "WHERE trace_key = ?"));
      pv->Bind(1, info.request_preview).Bind(2, info.response_preview).Bind(3, k);
      RETURN_IF_ERROR(pv->Run());
    }
    for (const auto& [table, map] :
         {std::pair<const char*, const std::map<std::string, std::string>*>{"trace_tags", &info.tags},
          {"trace_metadata", &info.trace_metadata}}) {
      std::string sql = std::string("INSERT OR REPLACE INTO ") + table + "(trace_key, key, value) VALUES(?,?,?)";
      ASSIGN_OR_RETURN(Stmt st, db.Prepare(sql));
      for (const auto& [k2, v] : *map) {
        if (std::string_view(k2).starts_with("tracelake.") || k2 == "mlflow.trace.tokenUsage") continue;
        st.Bind(1, k).Bind(2, k2).Bind(3, v);
        RETURN_IF_ERROR(st.Run());
      }
    }
    return k;
  }));
  return WithReader([&](Db& db) { return LoadTraceInfo(db, key, true); });
}

Result<int64_t> SqliteTraceStore::DeleteTraces(const DeleteTracesRequest& req) {
  ASSIGN_OR_RETURN(int64_t experiment_id, ParseExperimentId(req.experiment_id));
  if (req.trace_ids.empty() && !req.max_timestamp_millis)
    return InvalidArgumentError("Either trace_ids or max_timestamp_millis must be specified");
  if (!req.trace_ids.empty() && (req.max_timestamp_millis || req.max_traces))
    return InvalidArgumentError("trace_ids cannot be combined with max_timestamp_millis/max_traces");
  if (req.max_traces && *req.max_traces <= 0) return InvalidArgumentError("max_traces must be positive");
  return WithWriteTxn([&](Db& db) -> Result<int64_t> {
    std::vector<std::pair<int64_t, std::string>> victims;  // trace_key, trace_id bytes
    if (!req.trace_ids.empty()) {
      ASSIGN_OR_RETURN(Stmt* s, db.Cached("SELECT trace_key, trace_id FROM traces WHERE trace_id = ? AND experiment_id = ?"));
      for (const auto& id : req.trace_ids) {
        s->BindBlob(1, Blob(id)).Bind(2, experiment_id);
        bool row = false;
        RETURN_IF_ERROR(s->Step(&row));
        if (row) victims.emplace_back(s->Int(0), std::string(s->Blob(1)));
        s->Reset();
      }
    } else {
      ASSIGN_OR_RETURN(Stmt s, db.Prepare(
          "SELECT trace_key, trace_id FROM traces WHERE experiment_id = ? AND request_time <= ? "
          "ORDER BY request_time ASC LIMIT ?"));
      s.Bind(1, experiment_id).Bind(2, *req.max_timestamp_millis * 1000000 + 999999)
          .Bind(3, req.max_traces.value_or(INT64_MAX));
      while (s.Next())
        victims.emplace_back(s.Int(0), std::string(s.Blob(1)));
    }
    for (const auto& [key, tid] : victims) {
      for (const char* sql : {"DELETE FROM spans WHERE trace_key = ?", "DELETE FROM trace_tags WHERE trace_key = ?",
                              "DELETE FROM trace_metadata WHERE trace_key = ?",
                              "DELETE FROM assessments WHERE trace_key = ?"}) {
        ASSIGN_OR_RETURN(Stmt* d, db.Cached(sql));
        d->Bind(1, key);
        RETURN_IF_ERROR(d->Run());
        if (sql[12] == 's' && sql[13] == 'p') span_count_.fetch_sub(db.Changes());
      }
      ASSIGN_OR_RETURN(Stmt* dl, db.Cached("DELETE FROM span_logs WHERE trace_id = ?"));
      dl->BindBlob(1, tid);
      RETURN_IF_ERROR(dl->Run());
      ASSIGN_OR_RETURN(Stmt* dt, db.Cached("DELETE FROM traces WHERE trace_key = ?"));
      dt->Bind(1, key);
      RETURN_IF_ERROR(dt->Run());
      trace_count_.fetch_sub(1);
    }
    return static_cast<int64_t>(victims.size());
  });
}

namespace {
Status SetKeyValue(Db& db, const char* table, int64_t trace_key, const std::string& key,
                   const std::string* value) {
  if (key.empty()) return InvalidArgumentError("key must not be empty");
  std::string sql = value ? std::string("INSERT OR REPLACE INTO ") + table + "(trace_key, key, value) VALUES(?,?,?)"
                          : std::string("DELETE FROM ") + table + " WHERE trace_key = ? AND key = ?";
  ASSIGN_OR_RETURN(Stmt s, db.Prepare(sql));
  s.Bind(1, trace_key).Bind(2, key);
  if (value) s.Bind(3, *value);
  return s.Run();
}
}  // namespace

Status SqliteTraceStore::SetTraceTag(const TraceId& id, const std::string& key, const std::string& value) {
  return WithWriteTxn([&](Db& db) -> Status {
    ASSIGN_OR_RETURN(int64_t k, TraceKey(db, id));
    return SetKeyValue(db, "trace_tags", k, key, &value);
  });
}

Status SqliteTraceStore::DeleteTraceTag(const TraceId& id, const std::string& key) {
  return WithWriteTxn([&](Db& db) -> Status {
    ASSIGN_OR_RETURN(int64_t k, TraceKey(db, id));
    RETURN_IF_ERROR(SetKeyValue(db, "trace_tags", k, key, nullptr));
    if (db.Changes() == 0) return NotFoundError("No tag with key '" + key + "' on trace " + MlflowTraceId(id));
    return OkStatus();
  });
}

Status SqliteTraceStore::SetTraceMetadata(const TraceId& id, const std::string& key,
                                          const std::string& value) {
  return WithWriteTxn([&](Db& db) -> Status {
    ASSIGN_OR_RETURN(int64_t k, TraceKey(db, id));
    return SetKeyValue(db, "trace_metadata", k, key, &value);
  });
}

// --- stats ------------------------------------------------------------------------------

StoreStats SqliteTraceStore::Stats() {
  StoreStats s;
  s.traces = trace_count_.load();
  s.spans = span_count_.load();
  s.rejected_batches = rejected_batches_.load();
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    s.queue_depth = static_cast<int64_t>(queue_.size());
  }
  if (!memory_) {
    std::error_code ec;
    for (const char* suffix : {"", "-wal"}) {
      auto size = std::filesystem::file_size(path_ + suffix, ec);
      if (!ec) s.bytes_on_disk += static_cast<int64_t>(size);
    }
  }
  return s;
}

}  // namespace tracelake::storage::sqlite
