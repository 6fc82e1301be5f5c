#include "storage/sqlite/trace_rows.h"

namespace tracelake::storage::sqlite {
namespace {

// Column order shared by the SELECT, INSERT and UPDATE below (after trace_key, trace_id).
constexpr const char* kLoadSql =
    "SELECT t.trace_key, t.experiment_id, t.request_time, t.duration, t.state, t.fragmented, "
    "t.span_count, t.error_spans, t.root_name, t.preview_span_id, t.preview_span_start, "
    "t.min_start, t.max_end, t.input_tokens, t.output_tokens, t.total_tokens, t.cached_tokens, "
    "t.client_state, t.client_request_time, t.client_duration, t.client_previews, "
    "t.client_request_id, t.next_chunk, p.request_preview, p.response_preview, "
    "t.input_cost, t.output_cost, t.total_cost "
    "FROM traces t LEFT JOIN trace_previews p ON p.trace_key = t.trace_key WHERE t.trace_id = ?";

constexpr const char* kInsertSql =
    "INSERT INTO traces(experiment_id, request_time, duration, state, fragmented, span_count, "
    "error_spans, root_name, preview_span_id, preview_span_start, min_start, max_end, "
    "input_tokens, output_tokens, total_tokens, cached_tokens, client_state, client_request_time, "
    "client_duration, client_previews, client_request_id, next_chunk, input_cost, output_cost, "
    "total_cost, change_seq, trace_key, trace_id) "
    "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";

constexpr const char* kUpdateSql =
    "UPDATE traces SET experiment_id=?, request_time=?, duration=?, state=?, fragmented=?, "
    "span_count=?, error_spans=?, root_name=?, preview_span_id=?, preview_span_start=?, "
    "min_start=?, max_end=?, input_tokens=?, output_tokens=?, total_tokens=?, cached_tokens=?, "
    "client_state=?, client_request_time=?, client_duration=?, client_previews=?, "
    "client_request_id=?, next_chunk=?, input_cost=?, output_cost=?, total_cost=?, change_seq=? "
    "WHERE trace_key=?";

std::optional<int64_t> OptInt(const Stmt& s, int col) {
  if (s.IsNull(col)) return std::nullopt;
  return s.Int(col);
}

void BindOpt(Stmt& s, int i, const std::optional<int64_t>& v) {
  if (v) s.Bind(i, *v);
  else s.BindNull(i);
}

// Binds the 25 shared columns starting at parameter 1.
void BindColumns(Stmt& s, const TraceRow& row) {
  const TraceAggregate& a = row.agg;
  s.Bind(1, row.experiment_id).Bind(2, a.request_time_ns).Bind(3, a.duration_ns)
      .Bind(4, static_cast<int64_t>(a.state)).Bind(5, int64_t{a.fragmented ? 1 : 0})
      .Bind(6, a.span_count).Bind(7, a.error_spans);
  if (a.root_name.empty()) s.BindNull(8);
  else s.Bind(8, a.root_name);
  BindOpt(s, 9, a.preview_span ? std::optional<int64_t>(SpanIdToInt(*a.preview_span)) : std::nullopt);
  BindOpt(s, 10, a.preview_span ? std::optional<int64_t>(a.preview_span_start) : std::nullopt);
  BindOpt(s, 11, a.min_start_ns);
  BindOpt(s, 12, a.max_end_ns);
  BindOpt(s, 13, a.usage.input_tokens);
  BindOpt(s, 14, a.usage.output_tokens);
  BindOpt(s, 15, a.usage.total_tokens);
  BindOpt(s, 16, a.usage.cached_input_tokens);
  BindOpt(s, 17, a.client_state ? std::optional<int64_t>(static_cast<int64_t>(*a.client_state))
                                : std::nullopt);
  BindOpt(s, 18, a.client_request_time_ns);
  BindOpt(s, 19, a.client_duration_ns);
  s.Bind(20, int64_t{a.client_previews});
  if (row.client_request_id.empty()) s.BindNull(21);
  else s.Bind(21, row.client_request_id);
  s.Bind(22, row.next_chunk);
  if (a.cost) s.Bind(23, a.cost->input_cost).Bind(24, a.cost->output_cost).Bind(25, a.cost->total_cost);
  else s.BindNull(23).BindNull(24).BindNull(25);
}

Status WritePreviews(Db& db, const TraceRow& row) {
  const TraceAggregate& a = row.agg;
  if (!a.previews_changed) return OkStatus();
  if (a.request_preview.empty() && a.response_preview.empty()) {
    ASSIGN_OR_RETURN(Stmt * del, db.Cached("DELETE FROM trace_previews WHERE trace_key = ?"));
    return del->Bind(1, row.trace_key).Run();
  }
  ASSIGN_OR_RETURN(Stmt * put, db.Cached(
      "INSERT OR REPLACE INTO trace_previews(trace_key, request_preview, response_preview) "
      "VALUES(?,?,?)"));
  return put->Bind(1, row.trace_key).Bind(2, a.request_preview).Bind(3, a.response_preview).Run();
}

}  // namespace

Result<std::optional<TraceRow>> LoadTraceRow(Db& db, const TraceId& trace_id) {
  ASSIGN_OR_RETURN(Stmt * s, db.Cached(kLoadSql));
  s->BindBlob(1, trace_id.AsStringView());
  bool found = false;
  RETURN_IF_ERROR(s->Step(&found));
  if (!found) {
    s->Reset();
    return std::optional<TraceRow>();
  }
  TraceRow row;
  row.trace_id = trace_id;
  row.trace_key = s->Int(0);
  row.experiment_id = s->Int(1);
  TraceAggregate& a = row.agg;
  a.request_time_ns = s->Int(2);
  a.duration_ns = s->Int(3);
  a.state = static_cast<model::TraceState>(s->Int(4) & 3);
  a.fragmented = s->Int(5) != 0;
  a.span_count = s->Int(6);
  a.error_spans = s->Int(7);
  a.root_name = std::string(s->Text(8));
  if (!s->IsNull(9)) {
    a.preview_span = SpanIdFromInt(s->Int(9));
    a.preview_span_start = s->Int(10);
  }
  a.min_start_ns = OptInt(*s, 11);
  a.max_end_ns = OptInt(*s, 12);
  a.usage.input_tokens = OptInt(*s, 13);
  a.usage.output_tokens = OptInt(*s, 14);
  a.usage.total_tokens = OptInt(*s, 15);
  a.usage.cached_input_tokens = OptInt(*s, 16);
  if (!s->IsNull(17)) a.client_state = static_cast<model::TraceState>(s->Int(17) & 3);
  a.client_request_time_ns = OptInt(*s, 18);
  a.client_duration_ns = OptInt(*s, 19);
  a.client_previews = static_cast<int>(s->Int(20));
  row.client_request_id = std::string(s->Text(21));
  row.next_chunk = s->Int(22);
  a.request_preview = std::string(s->Text(23));
  a.response_preview = std::string(s->Text(24));
  if (!s->IsNull(27)) a.cost = model::Cost{s->Double(25), s->Double(26), s->Double(27)};
  s->Reset();
  return std::optional<TraceRow>(std::move(row));
}

Status InsertTraceRow(Db& db, const TraceRow& row, int64_t change_seq) {
  ASSIGN_OR_RETURN(Stmt * s, db.Cached(kInsertSql));
  BindColumns(*s, row);
  s->Bind(26, change_seq).Bind(27, row.trace_key).BindBlob(28, row.trace_id.AsStringView());
  RETURN_IF_ERROR(s->Run());
  return WritePreviews(db, row);
}

Status UpdateTraceRow(Db& db, const TraceRow& row, int64_t change_seq) {
  ASSIGN_OR_RETURN(Stmt * s, db.Cached(kUpdateSql));
  BindColumns(*s, row);
  s->Bind(26, change_seq).Bind(27, row.trace_key);
  RETURN_IF_ERROR(s->Run());
  return WritePreviews(db, row);
}

Status TouchTraceRow(Db& db, int64_t trace_key, int64_t change_seq) {
  ASSIGN_OR_RETURN(Stmt * s, db.Cached("UPDATE traces SET change_seq = ? WHERE trace_key = ?"));
  return s->Bind(1, change_seq).Bind(2, trace_key).Run();
}

Result<int64_t> FindTraceKey(Db& db, const TraceId& id) {
  ASSIGN_OR_RETURN(Stmt * s, db.Cached("SELECT trace_key FROM traces WHERE trace_id = ?"));
  s->BindBlob(1, id.AsStringView());
  bool row = false;
  RETURN_IF_ERROR(s->Step(&row));
  if (!row) {
    s->Reset();
    return NotFoundError("Trace with ID " + MlflowTraceId(id) + " not found.");
  }
  const int64_t key = s->Int(0);
  s->Reset();
  return key;
}

}  // namespace tracelake::storage::sqlite
