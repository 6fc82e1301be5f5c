#include "storage/sqlite/rollup_tables.h"

#include <map>

#include "storage/sqlite/trace_rows.h"

namespace tracelake::storage::sqlite {
namespace {

int64_t HourOf(int64_t minute_ms) {
  int64_t k = minute_ms / kHourMs;
  if (minute_ms % kHourMs != 0 && minute_ms < 0) --k;
  return k * kHourMs;
}

// Read-modify-write of one trace rollup row.
Status ApplyTraceRow(Db& db, int64_t period, const TraceRollupKey& k, const RollupValues& v) {
  ASSIGN_OR_RETURN(Stmt * get, db.Cached(
      "SELECT trace_count, latency FROM rollup_traces WHERE experiment_id = ? AND period = ? "
      "AND time_ms = ? AND state = ?"));
  get->Bind(1, k.experiment_id).Bind(2, period).Bind(3, k.minute_ms).Bind(4, int64_t{k.state});
  bool found = false;
  RETURN_IF_ERROR(get->Step(&found));
  int64_t count = v.count;
  LatencySketch sketch = v.latency;
  Status merged = OkStatus();
  if (found) {
    count += get->Int(0);
    merged = sketch.MergeEncoded(get->Blob(1));
  }
  get->Reset();
  RETURN_IF_ERROR(merged);
  if (count <= 0) {
    ASSIGN_OR_RETURN(Stmt * del, db.Cached(
        "DELETE FROM rollup_traces WHERE experiment_id = ? AND period = ? AND time_ms = ? AND "
        "state = ?"));
    return del->Bind(1, k.experiment_id).Bind(2, period).Bind(3, k.minute_ms)
        .Bind(4, int64_t{k.state}).Run();
  }
  ASSIGN_OR_RETURN(Stmt * put, db.Cached(
      "INSERT OR REPLACE INTO rollup_traces(experiment_id, period, time_ms, state, trace_count, "
      "latency) VALUES(?,?,?,?,?,?)"));
  return put->Bind(1, k.experiment_id).Bind(2, period).Bind(3, k.minute_ms)
      .Bind(4, int64_t{k.state}).Bind(5, count).BindBlob(6, sketch.Encode()).Run();
}

Status ApplySpanRow(Db& db, int64_t period, const SpanRollupKey& k, const RollupValues& v) {
  ASSIGN_OR_RETURN(Stmt * get, db.Cached(
      "SELECT span_count, input_tokens, output_tokens, cached_tokens, total_tokens, latency "
      "FROM rollup_spans WHERE experiment_id = ? AND period = ? AND time_ms = ? AND name = ? AND "
      "type = ? AND status = ? AND model = ? AND error_type = ?"));
  get->Bind(1, k.experiment_id).Bind(2, period).Bind(3, k.minute_ms).Bind(4, k.name)
      .Bind(5, k.type).Bind(6, int64_t{k.status}).Bind(7, k.model).Bind(8, k.error_type);
  bool found = false;
  RETURN_IF_ERROR(get->Step(&found));
  RollupValues total = v;
  Status merged = OkStatus();
  if (found) {
    total.count += get->Int(0);
    total.input_tokens += get->Int(1);
    total.output_tokens += get->Int(2);
    total.cached_input_tokens += get->Int(3);
    total.total_tokens += get->Int(4);
    merged = total.latency.MergeEncoded(get->Blob(5));
  }
  get->Reset();
  RETURN_IF_ERROR(merged);
  if (total.count <= 0) {
    ASSIGN_OR_RETURN(Stmt * del, db.Cached(
        "DELETE FROM rollup_spans WHERE experiment_id = ? AND period = ? AND time_ms = ? AND "
        "name = ? AND type = ? AND status = ? AND model = ? AND error_type = ?"));
    return del->Bind(1, k.experiment_id).Bind(2, period).Bind(3, k.minute_ms).Bind(4, k.name)
        .Bind(5, k.type).Bind(6, int64_t{k.status}).Bind(7, k.model).Bind(8, k.error_type).Run();
  }
  ASSIGN_OR_RETURN(Stmt * put, db.Cached(
      "INSERT OR REPLACE INTO rollup_spans(experiment_id, period, time_ms, name, type, status, "
      "model, error_type, span_count, input_tokens, output_tokens, cached_tokens, total_tokens, "
      "latency) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)"));
  return put->Bind(1, k.experiment_id).Bind(2, period).Bind(3, k.minute_ms).Bind(4, k.name)
      .Bind(5, k.type).Bind(6, int64_t{k.status}).Bind(7, k.model).Bind(8, k.error_type)
      .Bind(9, total.count).Bind(10, total.input_tokens).Bind(11, total.output_tokens)
      .Bind(12, total.cached_input_tokens).Bind(13, total.total_tokens)
      .BindBlob(14, total.latency.Encode()).Run();
}

}  // namespace

Status ApplyRollupDelta(Db& db, const RollupDelta& delta) {
  std::map<TraceRollupKey, RollupValues> trace_hours;
  for (const auto& [k, v] : delta.traces()) {
    if (v.IsZero()) continue;
    RETURN_IF_ERROR(ApplyTraceRow(db, kMinutePeriod, k, v));
    TraceRollupKey hour = k;
    hour.minute_ms = HourOf(k.minute_ms);
    trace_hours[hour].Add(v);
  }
  for (const auto& [k, v] : trace_hours)
    if (!v.IsZero()) RETURN_IF_ERROR(ApplyTraceRow(db, kHourPeriod, k, v));
  std::map<SpanRollupKey, RollupValues> span_hours;
  for (const auto& [k, v] : delta.spans()) {
    if (v.IsZero()) continue;
    RETURN_IF_ERROR(ApplySpanRow(db, kMinutePeriod, k, v));
    SpanRollupKey hour = k;
    hour.minute_ms = HourOf(k.minute_ms);
    span_hours[hour].Add(v);
  }
  for (const auto& [k, v] : span_hours)
    if (!v.IsZero()) RETURN_IF_ERROR(ApplySpanRow(db, kHourPeriod, k, v));
  return OkStatus();
}

Status PutSpanFacts(Db& db, int64_t trace_key, int64_t span_id, const SpanFacts& f) {
  ASSIGN_OR_RETURN(Stmt * put, db.Cached(
      "INSERT OR REPLACE INTO span_facts(trace_key, span_id, model, error_type, input_tokens, "
      "output_tokens, cached_tokens, total_tokens, input_cost, output_cost, total_cost, "
      "provider) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)"));
  put->Bind(1, trace_key).Bind(2, span_id).Bind(3, f.model).Bind(4, f.error_type);
  const std::optional<int64_t>* counts[] = {&f.usage.input_tokens, &f.usage.output_tokens,
                                            &f.usage.cached_input_tokens, &f.usage.total_tokens};
  for (int i = 0; i < 4; ++i) {
    if (*counts[i]) put->Bind(5 + i, **counts[i]);
    else put->BindNull(5 + i);
  }
  if (f.cost) {
    put->Bind(9, f.cost->input_cost).Bind(10, f.cost->output_cost).Bind(11, f.cost->total_cost);
  } else {
    put->BindNull(9).BindNull(10).BindNull(11);
  }
  put->Bind(12, f.provider);
  return put->Run();
}

Status DeleteSpanFacts(Db& db, int64_t trace_key, int64_t span_id) {
  ASSIGN_OR_RETURN(Stmt * del, db.Cached(
      "DELETE FROM span_facts WHERE trace_key = ? AND span_id = ?"));
  return del->Bind(1, trace_key).Bind(2, span_id).Run();
}

namespace {

std::optional<int64_t> OptCol(const Stmt& s, int col) {
  if (s.IsNull(col)) return std::nullopt;
  return s.Int(col);
}

// SELECT columns: start_ns, duration_ns, name, type, status, then facts (may be NULL).
SpanFacts FactsFromRow(const Stmt& s) {
  SpanFacts f;
  f.start_ns = s.Int(0);
  f.duration_ns = s.Int(1);
  f.name = std::string(s.Text(2));
  f.type = std::string(s.Text(3));
  f.status = static_cast<int>(s.Int(4) & 3);
  f.model = std::string(s.Text(5));
  f.error_type = std::string(s.Text(6));
  f.usage.input_tokens = OptCol(s, 7);
  f.usage.output_tokens = OptCol(s, 8);
  f.usage.cached_input_tokens = OptCol(s, 9);
  f.usage.total_tokens = OptCol(s, 10);
  return f;
}

// Db::Cached keys statements by pointer: one literal.
constexpr const char* kSpanFactsOfTrace =
    "SELECT s.start_ns, s.duration_ns, s.name, s.type, s.status, f.model, f.error_type, "
    "f.input_tokens, f.output_tokens, f.cached_tokens, f.total_tokens "
    "FROM spans s LEFT JOIN span_facts f ON f.trace_key = s.trace_key AND f.span_id = s.span_id "
    "WHERE s.trace_key = ?";

constexpr const char* kSpanFactsOfSpan =
    "SELECT s.start_ns, s.duration_ns, s.name, s.type, s.status, f.model, f.error_type, "
    "f.input_tokens, f.output_tokens, f.cached_tokens, f.total_tokens "
    "FROM spans s LEFT JOIN span_facts f ON f.trace_key = s.trace_key AND f.span_id = s.span_id "
    "WHERE s.trace_key = ? AND s.span_id = ?";

}  // namespace

Status RemoveSpanFacts(Db& db, int64_t trace_key, int64_t span_id, int64_t experiment_id,
                       RollupDelta& delta) {
  ASSIGN_OR_RETURN(Stmt * s, db.Cached(kSpanFactsOfSpan));
  s->Bind(1, trace_key).Bind(2, span_id);
  bool found = false;
  RETURN_IF_ERROR(s->Step(&found));
  if (found) delta.AddSpan(experiment_id, FactsFromRow(*s), -1);
  s->Reset();
  if (!found) return OkStatus();
  return DeleteSpanFacts(db, trace_key, span_id);
}

Status RemoveTraceSpanFacts(Db& db, int64_t trace_key, int64_t experiment_id,
                            RollupDelta& delta) {
  ASSIGN_OR_RETURN(Stmt * s, db.Cached(kSpanFactsOfTrace));
  s->Bind(1, trace_key);
  while (s->Next()) delta.AddSpan(experiment_id, FactsFromRow(*s), -1);
  RETURN_IF_ERROR(s->error());
  s->Reset();
  ASSIGN_OR_RETURN(Stmt * del, db.Cached("DELETE FROM span_facts WHERE trace_key = ?"));
  return del->Bind(1, trace_key).Run();
}

Status BackfillRollups(Db& db) {
  RollupDelta delta;
  {
    ASSIGN_OR_RETURN(Stmt s, db.Prepare(
        "SELECT experiment_id, request_time, duration, state FROM traces"));
    while (s.Next()) {
      TraceAggregate agg;
      agg.request_time_ns = s.Int(1);
      agg.duration_ns = s.Int(2);
      agg.state = static_cast<model::TraceState>(s.Int(3) & 3);
      delta.AddTrace(s.Int(0), agg, 1);
    }
    RETURN_IF_ERROR(s.error());
  }
  {
    ASSIGN_OR_RETURN(Stmt s, db.Prepare(
        "SELECT s.start_ns, s.duration_ns, s.name, s.type, s.status, '', '', NULL, NULL, NULL, "
        "NULL, t.experiment_id FROM spans s JOIN traces t ON t.trace_key = s.trace_key"));
    while (s.Next()) delta.AddSpan(s.Int(11), FactsFromRow(s), 1);
    RETURN_IF_ERROR(s.error());
  }
  return ApplyRollupDelta(db, delta);
}

Status RebuildRollups(Db& db) {
  RETURN_IF_ERROR(db.Exec("DELETE FROM rollup_traces; DELETE FROM rollup_spans;"));
  RollupDelta delta;
  {
    ASSIGN_OR_RETURN(Stmt s, db.Prepare(
        "SELECT experiment_id, request_time, duration, state FROM traces"));
    while (s.Next()) {
      TraceAggregate agg;
      agg.request_time_ns = s.Int(1);
      agg.duration_ns = s.Int(2);
      agg.state = static_cast<model::TraceState>(s.Int(3) & 3);
      delta.AddTrace(s.Int(0), agg, 1);
    }
    RETURN_IF_ERROR(s.error());
  }
  {
    ASSIGN_OR_RETURN(Stmt s, db.Prepare(
        "SELECT s.start_ns, s.duration_ns, s.name, s.type, s.status, f.model, f.error_type, "
        "f.input_tokens, f.output_tokens, f.cached_tokens, f.total_tokens, t.experiment_id "
        "FROM spans s JOIN traces t ON t.trace_key = s.trace_key "
        "LEFT JOIN span_facts f ON f.trace_key = s.trace_key AND f.span_id = s.span_id"));
    while (s.Next()) delta.AddSpan(s.Int(11), FactsFromRow(s), 1);
    RETURN_IF_ERROR(s.error());
  }
  return ApplyRollupDelta(db, delta);
}

}  // namespace tracelake::storage::sqlite
