// SqliteTraceStore reads: trace info, whole traces, search.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <deque>
#include <limits>
#include <map>
#include <unordered_map>

#include "model/normalize.h"
#include "storage/page_token.h"
#include "storage/span_chunk.h"
#include "storage/span_codec.h"
#include "storage/sqlite/schema.h"
#include "storage/sqlite/sqlite_dialect.h"
#include "storage/sqlite/sqlite_assessment_store.h"
#include "storage/sqlite/sqlite_experiment_store.h"
#include "storage/sqlite/sqlite_trace_store.h"
#include "storage/sqlite/store_util.h"
#include "storage/sqlite/trace_rows.h"

namespace tracelake::storage::sqlite {
namespace {

constexpr int kMaxSearchResults = 50000;  // MLflow's SEARCH_MAX_RESULTS_THRESHOLD

std::optional<int64_t> OptInt(const Stmt& s, int col) {
  if (s.IsNull(col)) return std::nullopt;
  return s.Int(col);
}

// MLflow's trace-level usage always carries the three counts.
std::string TotalsJson(model::TokenUsage u) {
  if (!u.total_tokens) u.total_tokens = u.input_tokens.value_or(0) + u.output_tokens.value_or(0);
  if (!u.input_tokens) u.input_tokens = 0;
  if (!u.output_tokens) u.output_tokens = 0;
  return u.ToMlflowJson();
}

}  // namespace

Result<model::TraceInfo> SqliteTraceStore::LoadTraceInfo(Db& db, int64_t trace_key,
                                                         bool with_assessments) {
  static const std::string kSql =
      "SELECT t.trace_id, t.experiment_id, t.request_time, t.duration, t.state, " +
      std::string(kFragmentedSql) +
      ", t.span_count, t.input_tokens, t.output_tokens, t.total_tokens, t.cached_tokens, "
      "t.client_request_id, p.request_preview, p.response_preview, t.input_cost, t.output_cost, "
      "t.total_cost FROM traces t "
      "LEFT JOIN trace_previews p ON p.trace_key = t.trace_key WHERE t.trace_key = ?";
  ASSIGN_OR_RETURN(Stmt * s, db.Cached(kSql.c_str()));
  s->Bind(1, trace_key);
  bool row = false;
  RETURN_IF_ERROR(s->Step(&row));
  if (!row) {
    s->Reset();
    return NotFoundError("Trace not found");
  }
  model::TraceInfo info;
  if (auto id = TraceId::FromBytes(s->Blob(0))) info.trace_id = *id;
  info.experiment_id = std::to_string(s->Int(1));
  info.request_time_ns = s->Int(2);
  info.execution_duration_ns = s->Int(3);
  info.state = static_cast<model::TraceState>(s->Int(4) & 3);
  info.fragmented = s->Int(5) != 0;
  info.span_count = s->Int(6);
  info.usage.input_tokens = OptInt(*s, 7);
  info.usage.output_tokens = OptInt(*s, 8);
  info.usage.total_tokens = OptInt(*s, 9);
  info.usage.cached_input_tokens = OptInt(*s, 10);
  info.client_request_id = std::string(s->Text(11));
  info.request_preview = std::string(s->Text(12));
  info.response_preview = std::string(s->Text(13));
  if (!s->IsNull(16)) info.cost = model::Cost{s->Double(14), s->Double(15), s->Double(16)};
  s->Reset();

  ASSIGN_OR_RETURN(Stmt * tags, db.Cached("SELECT key, value FROM trace_tags WHERE trace_key = ?"));
  tags->Bind(1, trace_key);
  while (tags->Next()) info.tags[std::string(tags->Text(0))] = std::string(tags->Text(1));
  RETURN_IF_ERROR(tags->error());
  ASSIGN_OR_RETURN(Stmt * md, db.Cached("SELECT key, value FROM trace_metadata WHERE trace_key = ?"));
  md->Bind(1, trace_key);
  while (md->Next()) info.trace_metadata[std::string(md->Text(0))] = std::string(md->Text(1));
  RETURN_IF_ERROR(md->error());
  info.trace_metadata.try_emplace("mlflow.trace_schema.version", "3");
  if (!info.usage.empty()) info.trace_metadata["mlflow.trace.tokenUsage"] = TotalsJson(info.usage);
  // MLflow's server sums the spans' mlflow.llm.cost into mlflow.trace.cost (log_spans); a
  // client-sent value stays when no stored span has a cost.
  if (info.cost) info.trace_metadata["mlflow.trace.cost"] = info.cost->ToMlflowJson();
  info.trace_metadata["tracelake.span_count"] = std::to_string(info.span_count);
  if (info.fragmented) info.trace_metadata["tracelake.fragmented"] = "true";
  if (with_assessments) {
    ASSIGN_OR_RETURN(info.assessments, LoadAssessments(db, trace_key, nullptr));
  }
  return info;
}

Result<std::vector<model::Span>> SqliteTraceStore::LoadStoredSpans(Db& db, int64_t trace_key,
                                                                   const TraceId& id,
                                                                   int64_t from_batch,
                                                                   int64_t to_batch) {
  from_batch = std::clamp<int64_t>(from_batch, 0, kChunksPerTrace);
  to_batch = std::clamp<int64_t>(to_batch, from_batch, kChunksPerTrace);
  if (from_batch == to_batch) return std::vector<model::Span>{};
  // Bodies first: the trace's chunks of batches [from_batch, to_batch) are one rowid range.
  std::deque<SpanChunk> chunks;  // deque: entries point into each chunk, which must not move
  std::unordered_map<int64_t, std::pair<SpanChunk*, size_t>> by_seq;  // seq -> chunk, next body
  {
    ASSIGN_OR_RETURN(Stmt * c, db.Cached(
        "SELECT chunk_id, body FROM span_chunks WHERE chunk_id BETWEEN ? AND ?"));
    c->Bind(1, trace_key * kChunksPerTrace + from_batch)
        .Bind(2, trace_key * kChunksPerTrace + to_batch - 1);
    while (c->Next()) {
      chunks.emplace_back();
      RETURN_IF_ERROR(chunks.back().Parse(c->Blob(1)));
      by_seq[c->Int(0) - trace_key * kChunksPerTrace] = {&chunks.back(), 0};
    }
    RETURN_IF_ERROR(c->error());
    c->Reset();
  }

  std::vector<model::Span> spans;
  std::unordered_map<uint64_t, std::shared_ptr<const model::Resource>> resources;
  // Rows in span-id order: the k-th row of a chunk owns the chunk's k-th body.
  ASSIGN_OR_RETURN(Stmt * s, db.Cached(
      "SELECT span_id, parent_id, start_ns, duration_ns, status, name, chunk FROM spans "
      "WHERE trace_key = ? AND chunk >= ? AND chunk < ? ORDER BY span_id"));
  s->Bind(1, trace_key).Bind(2, from_batch).Bind(3, to_batch);
  while (s->Next()) {
    auto it = by_seq.find(s->Int(6));
    if (it == by_seq.end() || it->second.second >= it->second.first->spans().size())
      return DataLossError("A stored span has no body");
    const ChunkSpan& body = it->second.first->spans()[it->second.second++];
    model::Span span;
    span.trace_id = id;
    span.span_id = SpanIdFromInt(s->Int(0));
    span.parent_span_id = SpanIdFromInt(s->Int(1));
    const int64_t start = s->Int(2);
    span.start_time_unix_nano = static_cast<uint64_t>(start);
    span.end_time_unix_nano = static_cast<uint64_t>(start + s->Int(3));
    span.status_code = static_cast<model::SpanStatusCode>(s->Int(4) & 3);
    span.name = std::string(s->Text(5));
    RETURN_IF_ERROR(DecodeSpanBody(body.body, span));
    if (const uint64_t h = body.resource_hash; h != 0) {
      auto [r, fresh] = resources.try_emplace(h);
      if (fresh) {
        ASSIGN_OR_RETURN(Stmt * rs, db.Cached("SELECT body FROM resources WHERE resource_hash = ?"));
        rs->Bind(1, static_cast<int64_t>(h));
        bool found = false;
        RETURN_IF_ERROR(rs->Step(&found));
        auto resource = std::make_shared<model::Resource>();
        if (found) RETURN_IF_ERROR(DecodeResource(rs->Blob(0), *resource));
        rs->Reset();
        r->second = std::move(resource);
      }
      span.resource = r->second;
    }
    spans.push_back(std::move(span));
  }
  RETURN_IF_ERROR(s->error());
  s->Reset();
  for (const auto& [seq, cursor] : by_seq)
    if (cursor.second != cursor.first->spans().size())
      return DataLossError("A span chunk does not match its spans");
  return spans;
}

Result<std::vector<model::Span>> SqliteTraceStore::LoadSpans(Db& db, int64_t trace_key,
                                                             const TraceId& id) {
  ASSIGN_OR_RETURN(std::vector<model::Span> spans,
                   LoadStoredSpans(db, trace_key, id, 0, kChunksPerTrace));
  // Derive the view and the MLflow attributes that were not stored.
  for (auto& span : spans) model::NormalizeSpan(span);

  if (any_logs_.load()) {
    ASSIGN_OR_RETURN(Stmt * logs, db.Cached(
        "SELECT span_id, body FROM span_logs WHERE trace_id = ? ORDER BY log_id"));
    logs->BindBlob(1, id.AsStringView());
    std::map<int64_t, std::vector<model::LogRecord>> by_span;
    while (logs->Next()) {
      model::LogRecord rec;
      if (!DecodeLogRecord(logs->Blob(1), rec).ok()) continue;
      rec.trace_id = id;
      rec.span_id = SpanIdFromInt(logs->Int(0));
      by_span[logs->Int(0)].push_back(std::move(rec));
    }
    RETURN_IF_ERROR(logs->error());
    logs->Reset();
    for (auto& span : spans) {
      auto it = by_span.find(SpanIdToInt(span.span_id));
      if (it != by_span.end()) model::ApplyLogRecords(span, it->second);
    }
  }
  std::sort(spans.begin(), spans.end(), [](const model::Span& a, const model::Span& b) {
    if (a.start_time_unix_nano != b.start_time_unix_nano)
      return a.start_time_unix_nano < b.start_time_unix_nano;
    return a.span_id < b.span_id;
  });
  return spans;
}

Result<model::TraceInfo> SqliteTraceStore::GetTraceInfo(const TraceId& id) {
  return db_.WithReader([&](Db& db) -> Result<model::TraceInfo> {
    ASSIGN_OR_RETURN(int64_t key, FindTraceKey(db, id));
    return LoadTraceInfo(db, key, /*with_assessments=*/true);
  });
}

Result<model::Trace> SqliteTraceStore::GetTrace(const TraceId& id) {
  return db_.WithReader([&](Db& db) -> Result<model::Trace> {
    ASSIGN_OR_RETURN(int64_t key, FindTraceKey(db, id));
    model::Trace trace;
    ASSIGN_OR_RETURN(trace.info, LoadTraceInfo(db, key, /*with_assessments=*/true));
    ASSIGN_OR_RETURN(trace.spans, LoadSpans(db, key, id));
    return trace;
  });
}

Result<TraceSlice> SqliteTraceStore::ReadTraceSlice(const TraceId& id,
                                                    const TraceSliceRequest& req) {
  return db_.WithReader([&](Db& db) -> Result<TraceSlice> {
    ASSIGN_OR_RETURN(int64_t key, FindTraceKey(db, id));
    TraceSlice slice;
    ASSIGN_OR_RETURN(slice.info, LoadTraceInfo(db, key, /*with_assessments=*/true));
    {
      ASSIGN_OR_RETURN(Stmt * n, db.Cached("SELECT next_chunk FROM traces WHERE trace_key = ?"));
      n->Bind(1, key);
      bool found = false;
      RETURN_IF_ERROR(n->Step(&found));
      slice.next_batch = found ? n->Int(0) : 0;
      n->Reset();
    }
    const int64_t to_batch = req.to_batch < 0 ? slice.next_batch : req.to_batch;
    ASSIGN_OR_RETURN(slice.spans, LoadStoredSpans(db, key, id, req.from_batch, to_batch));
    slice.last_log = req.after_log;
    if (any_logs_.load()) {
      ASSIGN_OR_RETURN(Stmt * logs, db.Cached(
          "SELECT log_id, span_id, body FROM span_logs WHERE trace_id = ? AND log_id > ? "
          "AND log_id <= ? ORDER BY log_id"));
      logs->BindBlob(1, id.AsStringView())
          .Bind(2, req.after_log)
          .Bind(3, req.to_log < 0 ? std::numeric_limits<int64_t>::max() : req.to_log);
      while (logs->Next()) {
        slice.last_log = logs->Int(0);
        model::LogRecord rec;
        if (!DecodeLogRecord(logs->Blob(2), rec).ok()) continue;
        rec.trace_id = id;
        rec.span_id = SpanIdFromInt(logs->Int(1));
        slice.logs.push_back(std::move(rec));
        slice.log_ids.push_back(slice.last_log);
      }
      RETURN_IF_ERROR(logs->error());
      logs->Reset();
    }
    if (req.to_log > slice.last_log) slice.last_log = req.to_log;
    return slice;
  });
}

Result<TracePage> SqliteTraceStore::SearchTraces(const TraceSearchRequest& req) {
  if (req.max_results < 1 || req.max_results > kMaxSearchResults)
    return InvalidArgumentError("Invalid value for max_results: it must be between 1 and " +
                                std::to_string(kMaxSearchResults) + ", got " +
                                std::to_string(req.max_results));
  const std::vector<SortKey> keys = SortKeysFor(req.order_by);
  std::string fingerprint_text;
  for (const auto& e : req.experiment_ids) fingerprint_text += e + ",";
  fingerprint_text += "|";
  if (req.filter != nullptr) fingerprint_text += query::ToString(*req.filter);
  fingerprint_text += "|" + OrderByClause(keys);
  const uint64_t fingerprint = ContentHash(fingerprint_text);

  SqlFragment where;
  where.sql = "1";
  if (!req.experiment_ids.empty()) {
    where.sql = req.experiment_ids.size() == 1 ? "t.experiment_id = ?" : "t.experiment_id IN (";
    for (size_t i = 0; i < req.experiment_ids.size(); ++i) {
      ASSIGN_OR_RETURN(int64_t id, ParseExperimentId(req.experiment_ids[i]));
      if (req.experiment_ids.size() > 1) where.sql += i ? ",?" : "?";
      where.params.emplace_back(id);
    }
    if (req.experiment_ids.size() > 1) where.sql += ")";
  }
  if (req.filter != nullptr) {
    where.sql += " AND ";
    RETURN_IF_ERROR(sql::FilterToSql(SqliteDialect::Instance(), *req.filter, where));
  }
  if (!req.page_token.empty()) {
    ASSIGN_OR_RETURN(PageToken token, DecodePageToken(req.page_token, fingerprint));
    where.sql += " AND ";
    RETURN_IF_ERROR(
        sql::AppendKeysetCondition(SqliteDialect::Instance(), keys, token.values, where));
  }
  const std::string sql = "SELECT t.trace_key, " + SortKeyColumns(keys) + " FROM traces t WHERE " +
                          where.sql + " ORDER BY " + OrderByClause(keys) + " LIMIT ?";
  return db_.WithReader([&](Db& db) -> Result<TracePage> {
    ASSIGN_OR_RETURN(Stmt s, db.Prepare(sql));
    BindParams(s, where.params);
    s.Bind(static_cast<int>(where.params.size()) + 1, static_cast<int64_t>(req.max_results) + 1);
    std::vector<int64_t> trace_keys;
    PageToken next;
    next.query_fingerprint = fingerprint;
    bool more = false;
    while (s.Next()) {
      if (trace_keys.size() == static_cast<size_t>(req.max_results)) {
        more = true;  // a row beyond this page exists
        break;
      }
      trace_keys.push_back(s.Int(0));
      next.values.clear();
      for (size_t i = 0; i < keys.size(); ++i) {
        const int col = static_cast<int>(i) + 1;
        if (keys[i].kind == SortKey::Kind::kInt) next.values.emplace_back(s.Int(col));
        else if (keys[i].kind == SortKey::Kind::kText) next.values.emplace_back(std::string(s.Text(col)));
        else next.values.emplace_back(std::string(s.Blob(col)));
      }
    }
    RETURN_IF_ERROR(s.error());
    TracePage page;
    if (more) page.next_page_token = EncodePageToken(next);
    page.traces.reserve(trace_keys.size());
    for (int64_t key : trace_keys) {
      ASSIGN_OR_RETURN(model::TraceInfo info, LoadTraceInfo(db, key, req.include_assessments));
      page.traces.push_back(std::move(info));
    }
    return page;
  });
}

}  // namespace tracelake::storage::sqlite
