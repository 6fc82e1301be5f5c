// SqliteMetricStore value metric queries (storage/metric_values.h, MLflow's trace-metrics API):
// raw trace rows (index traces_by_time) and raw span rows (spans of the traces in and around
// the window, with span_facts for models). Assessments: sqlite_assessment_metrics.cc.
#include <string>

#include "storage/sqlite/schema.h"
#include "storage/sqlite/sqlite_metric_store.h"
#include "storage/sqlite/store_util.h"
#include "storage/sqlite/value_metrics_sql.h"

namespace tracelake::storage::sqlite {
namespace {

constexpr int64_t kNsPerMs = 1'000'000;
// Keeps every bound in ns inside int64 (about year 2255 either side of 1970).
constexpr int64_t kMaxAbsMs = 9'000'000'000'000;
constexpr int64_t kMaxBucketMs = int64_t{1000} * 366 * 24 * 3600 * 1000;  // a thousand years

// A span query reads the spans of traces whose request time lies within this much of the
// window (a span starts after its trace's request time, and traces rarely last longer), as
// the tracelake metrics API does (docs/metrics.md).
constexpr int64_t kSpanLookbackNs = int64_t{24} * 3600 * 1'000'000'000;
constexpr int64_t kSpanLookaheadNs = int64_t{3600} * 1'000'000'000;

bool DimensionOfView(ValueView view, ValueDimension d) {
  switch (d) {
    case ValueDimension::kTraceName:
    case ValueDimension::kTraceStatus:
      return view == ValueView::kTraces;
    case ValueDimension::kSpanName:
    case ValueDimension::kSpanType:
    case ValueDimension::kSpanStatus:
    case ValueDimension::kSpanModel:
    case ValueDimension::kSpanModelProvider:
      return view == ValueView::kSpans;
    case ValueDimension::kAssessmentName:
    case ValueDimension::kAssessmentValue:
      return view == ValueView::kAssessments;
  }
  return false;
}

bool ColumnOfView(ValueView view, ValueColumn c) {
  switch (c) {
    case ValueColumn::kNone:
      return true;
    case ValueColumn::kTraceLatencyMs:
    case ValueColumn::kTraceInputTokens:
    case ValueColumn::kTraceOutputTokens:
    case ValueColumn::kTraceTotalTokens:
    case ValueColumn::kTraceCachedInputTokens:
      return view == ValueView::kTraces;
    case ValueColumn::kSpanLatencyMs:
    case ValueColumn::kSpanInputCost:
    case ValueColumn::kSpanOutputCost:
    case ValueColumn::kSpanTotalCost:
      return view == ValueView::kSpans;
    case ValueColumn::kAssessmentValue:
      return view == ValueView::kAssessments;
  }
  return false;
}

bool FilterOfView(ValueView view, ValueRowFilter::Field f) {
  switch (f) {
    case ValueRowFilter::Field::kSpanName:
    case ValueRowFilter::Field::kSpanStatus:
    case ValueRowFilter::Field::kSpanType:
    case ValueRowFilter::Field::kSpanModel:
    case ValueRowFilter::Field::kSpanModelProvider:
      return view == ValueView::kSpans;
    case ValueRowFilter::Field::kAssessmentName:
    case ValueRowFilter::Field::kAssessmentType:
      return view == ValueView::kAssessments;
  }
  return false;
}

std::optional<int64_t> OptInt(const Stmt& s, int col) {
  if (s.IsNull(col)) return std::nullopt;
  return s.Int(col);
}

// Trace rows: t.request_time, t.state, t.duration, t.input_tokens, t.output_tokens,
// t.total_tokens, t.cached_tokens[, trace name].
std::optional<double> TraceValue(ValueColumn column, const Stmt& s) {
  const std::optional<int64_t> in = OptInt(s, 3), out = OptInt(s, 4), total = OptInt(s, 5),
                               cached = OptInt(s, 6);
  // mlflow.trace.tokenUsage exists when any span reported usage (sqlite_trace_reads.cc).
  const bool usage = in || out || total || cached;
  switch (column) {
    case ValueColumn::kNone:
      return std::nullopt;
    case ValueColumn::kTraceLatencyMs: {
      const int64_t duration = s.Int(2);
      if (duration <= 0 && (s.Int(1) & 3) == 3) return std::nullopt;  // IN_PROGRESS, unmeasured
      return static_cast<double>(FloorDiv(duration, kNsPerMs));
    }
    case ValueColumn::kTraceInputTokens:
      if (!usage) return std::nullopt;
      return static_cast<double>(in.value_or(0));
    case ValueColumn::kTraceOutputTokens:
      if (!usage) return std::nullopt;
      return static_cast<double>(out.value_or(0));
    case ValueColumn::kTraceTotalTokens:
      if (!usage) return std::nullopt;
      return static_cast<double>(total ? *total : in.value_or(0) + out.value_or(0));
    case ValueColumn::kTraceCachedInputTokens:
      if (!cached) return std::nullopt;
      return static_cast<double>(*cached);
    default:
      return std::nullopt;
  }
}

Result<ValueTable> QueryTraceValues(Db& db, const ValueMetricQuery& q) {
  bool want_name = false;
  for (ValueDimension d : q.dimensions) want_name = want_name || d == ValueDimension::kTraceName;
  SqlFragment sql;
  sql.sql =
      "SELECT t.request_time, t.state, t.duration, t.input_tokens, t.output_tokens, "
      "t.total_tokens, t.cached_tokens";
  if (want_name) {
    // MLflow names a trace by its mlflow.traceName tag, which its server sets from the root
    // span; a trace whose root has not arrived has no name yet.
    sql.sql +=
        ", COALESCE((SELECT n.value FROM trace_tags n WHERE n.trace_key = t.trace_key "
        "AND n.key = 'mlflow.traceName'), CASE WHEN NOT " +
        std::string(kFragmentedSql) + " THEN t.root_name END)";
  }
  sql.sql += " FROM traces t WHERE ";
  RETURN_IF_ERROR(AppendExperimentCondition(q, sql));
  AppendTraceTimeCondition(q, sql);
  RETURN_IF_ERROR(AppendTraceFilter(q, sql));
  ASSIGN_OR_RETURN(Stmt s, PrepareValueQuery(db, sql));
  ValueCellMap cells(q);
  ValueCellMap::Group group(q.dimensions.size());
  while (s.Next()) {
    for (size_t i = 0; i < q.dimensions.size(); ++i) {
      if (q.dimensions[i] == ValueDimension::kTraceStatus) {
        ValueCellMap::Set(group[i], TraceStateName(s.Int(1)));
      } else if (s.IsNull(7)) {
        group[i] = std::nullopt;
      } else {
        ValueCellMap::Set(group[i], s.Text(7));
      }
    }
    cells.Add(FloorDiv(s.Int(0), kNsPerMs), group, TraceValue(q.column, s));
  }
  RETURN_IF_ERROR(s.error());
  return cells.Take();
}

// Appends the condition of one span row filter.
void AppendSpanRowFilter(const ValueRowFilter& f, SqlFragment& sql) {
  switch (f.field) {
    case ValueRowFilter::Field::kSpanName:
      sql.sql += " AND s.name = ?";
      sql.params.emplace_back(f.value);
      return;
    case ValueRowFilter::Field::kSpanStatus:
      if (f.value == "OK")
        sql.sql += " AND (s.status & 3) = 1";
      else if (f.value == "ERROR")
        sql.sql += " AND (s.status & 3) = 2";
      else if (f.value == "UNSET")
        sql.sql += " AND (s.status & 3) NOT IN (1, 2)";
      else
        sql.sql += " AND 0";  // no span has another status
      return;
    case ValueRowFilter::Field::kSpanType:
      if (f.value == "UNKNOWN") {
        sql.sql += " AND (s.type IS NULL OR s.type = 'UNKNOWN')";
      } else {
        sql.sql += " AND s.type = ?";
        sql.params.emplace_back(f.value);
      }
      return;
    case ValueRowFilter::Field::kSpanModel:
      sql.sql += " AND f.model = ?";
      sql.params.emplace_back(f.value);
      return;
    case ValueRowFilter::Field::kSpanModelProvider:
      sql.sql += " AND f.provider = ?";
      sql.params.emplace_back(f.value);
      return;
    default:
      return;  // not a span filter (checked by the caller)
  }
}

Result<ValueTable> QuerySpanValues(Db& db, const ValueMetricQuery& q) {
  bool want_model = false;
  for (ValueDimension d : q.dimensions)
    want_model = want_model || d == ValueDimension::kSpanModel ||
                 d == ValueDimension::kSpanModelProvider;
  for (const auto& f : q.row_filters)
    want_model = want_model || f.field == ValueRowFilter::Field::kSpanModel ||
                 f.field == ValueRowFilter::Field::kSpanModelProvider;
  const char* cost_column = nullptr;
  if (q.column == ValueColumn::kSpanInputCost) cost_column = "f.input_cost";
  if (q.column == ValueColumn::kSpanOutputCost) cost_column = "f.output_cost";
  if (q.column == ValueColumn::kSpanTotalCost) cost_column = "f.total_cost";
  SqlFragment sql;
  sql.sql = "SELECT s.start_ns, s.duration_ns, s.status, s.name, s.type";
  sql.sql += want_model || cost_column ? ", f.model" : ", NULL";
  sql.sql += cost_column ? std::string(", ") + cost_column : std::string(", NULL");
  sql.sql += want_model || cost_column ? ", f.provider" : ", NULL";
  sql.sql += " FROM traces t JOIN spans s ON s.trace_key = t.trace_key";
  // Cost: only spans with a cost are rows (a priced span always has a span_facts row).
  if (cost_column)
    sql.sql += " JOIN span_facts f ON f.trace_key = s.trace_key AND f.span_id = s.span_id AND " +
               std::string(cost_column) + " IS NOT NULL";
  else if (want_model)
    sql.sql += " LEFT JOIN span_facts f ON f.trace_key = s.trace_key AND f.span_id = s.span_id";
  sql.sql += " WHERE ";
  RETURN_IF_ERROR(AppendExperimentCondition(q, sql));
  // A span is in the window by its own start time; its trace by request time, near it.
  // The trace's span extent must reach into the window too: traces of the lookback that ended
  // before it stay out of the span join.
  if (q.start_ms) {
    sql.sql += " AND t.request_time >= ? AND t.max_end >= ? AND s.start_ns >= ?";
    sql.params.emplace_back(*q.start_ms * kNsPerMs - kSpanLookbackNs);
    sql.params.emplace_back(*q.start_ms * kNsPerMs);
    sql.params.emplace_back(*q.start_ms * kNsPerMs);
  }
  if (q.end_ms) {
    sql.sql += " AND t.request_time < ? AND t.min_start < ? AND s.start_ns < ?";
    sql.params.emplace_back((*q.end_ms + 1) * kNsPerMs + kSpanLookaheadNs);
    sql.params.emplace_back((*q.end_ms + 1) * kNsPerMs);
    sql.params.emplace_back((*q.end_ms + 1) * kNsPerMs);
  }
  RETURN_IF_ERROR(AppendTraceFilter(q, sql));
  for (const auto& f : q.row_filters) AppendSpanRowFilter(f, sql);
  ASSIGN_OR_RETURN(Stmt s, PrepareValueQuery(db, sql));
  ValueCellMap cells(q);
  ValueCellMap::Group group(q.dimensions.size());
  while (s.Next()) {
    for (size_t i = 0; i < q.dimensions.size(); ++i) {
      switch (q.dimensions[i]) {
        case ValueDimension::kSpanName:
          ValueCellMap::Set(group[i], s.Text(3));
          break;
        case ValueDimension::kSpanType:
          ValueCellMap::Set(group[i], s.IsNull(4) ? std::string_view("UNKNOWN") : s.Text(4));
          break;
        case ValueDimension::kSpanStatus:
          ValueCellMap::Set(group[i], SpanStatusName(s.Int(2)));
          break;
        case ValueDimension::kSpanModel:
          // span_facts.model is "" for a span that names no model: MLflow has no value there.
          if (s.IsNull(5) || s.Text(5).empty())
            group[i] = std::nullopt;
          else
            ValueCellMap::Set(group[i], s.Text(5));
          break;
        case ValueDimension::kSpanModelProvider:
          if (s.IsNull(7) || s.Text(7).empty())
            group[i] = std::nullopt;
          else
            ValueCellMap::Set(group[i], s.Text(7));
          break;
        default:
          group[i] = std::nullopt;
      }
    }
    std::optional<double> value;
    if (q.column == ValueColumn::kSpanLatencyMs)
      value = static_cast<double>(FloorDiv(s.Int(1), kNsPerMs));
    else if (cost_column != nullptr && !s.IsNull(6))
      value = s.Double(6);
    cells.Add(FloorDiv(s.Int(0), kNsPerMs), group, value);
  }
  RETURN_IF_ERROR(s.error());
  return cells.Take();
}

}  // namespace

Status AppendExperimentCondition(const ValueMetricQuery& q, SqlFragment& sql) {
  sql.sql += "t.experiment_id IN (";
  for (size_t i = 0; i < q.experiment_ids.size(); ++i) {
    ASSIGN_OR_RETURN(int64_t id, ParseExperimentId(q.experiment_ids[i]));
    sql.sql += i ? ",?" : "?";
    sql.params.emplace_back(id);
  }
  sql.sql += ")";
  return OkStatus();
}

void AppendTraceTimeCondition(const ValueMetricQuery& q, SqlFragment& sql) {
  // The request time in whole ms lies in [start, end]: ns in [start, end + 1) ms.
  if (q.start_ms) {
    sql.sql += " AND t.request_time >= ?";
    sql.params.emplace_back(*q.start_ms * kNsPerMs);
  }
  if (q.end_ms) {
    sql.sql += " AND t.request_time < ?";
    sql.params.emplace_back((*q.end_ms + 1) * kNsPerMs);
  }
}

Status AppendTraceFilter(const ValueMetricQuery& q, SqlFragment& sql) {
  if (q.trace_filter == nullptr) return OkStatus();
  sql.sql += " AND (";
  RETURN_IF_ERROR(sql::FilterToSql(SqliteDialect::Instance(), *q.trace_filter, sql));
  sql.sql += ")";
  return OkStatus();
}

Result<Stmt> PrepareValueQuery(Db& db, const SqlFragment& sql) {
  ASSIGN_OR_RETURN(Stmt s, db.Prepare(sql.sql));
  BindParams(s, sql.params);
  return s;
}

Result<ValueTable> SqliteMetricStore::QueryMetricValues(const ValueMetricQuery& q) {
  if (q.experiment_ids.empty()) return InvalidArgumentError("experiment_ids must not be empty");
  for (const auto& id : q.experiment_ids) RETURN_IF_ERROR(ParseExperimentId(id).status());
  for (const auto& bound : {q.start_ms, q.end_ms}) {
    if (bound && (*bound < -kMaxAbsMs || *bound > kMaxAbsMs))
      return InvalidArgumentError("The time range is out of bounds");
  }
  if (q.bucket_ms && (*q.bucket_ms <= 0 || *q.bucket_ms > kMaxBucketMs))
    return InvalidArgumentError("The time interval must be positive and at most 1000 years");
  if (!ColumnOfView(q.view, q.column))
    return InvalidArgumentError("The metric's value does not exist in this view");
  for (ValueDimension d : q.dimensions) {
    if (!DimensionOfView(q.view, d))
      return InvalidArgumentError("A dimension does not exist in this view");
  }
  for (const auto& f : q.row_filters) {
    if (!FilterOfView(q.view, f.field))
      return InvalidArgumentError("A filter does not apply to this view");
  }
  return db_.WithReader([&](Db& db) -> Result<ValueTable> {
    switch (q.view) {
      case ValueView::kTraces:
        return QueryTraceValues(db, q);
      case ValueView::kSpans:
        return QuerySpanValues(db, q);
      case ValueView::kAssessments:
        return QueryAssessmentValues(db, q);
    }
    return InvalidArgumentError("Unknown view");
  });
}

}  // namespace tracelake::storage::sqlite
