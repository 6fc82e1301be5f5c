// SqliteMetricStore metric queries (docs/metrics.md): rollups for unfiltered minute-aligned
// queries, raw rows (traces, spans + span_facts, the search filter from filter_sql.cc) for the
// rest, and per-trace model usage for trace cost.
#include <map>

#include "storage/metric_series.h"
#include "storage/sqlite/rollup_tables.h"
#include "storage/sqlite/sqlite_dialect.h"
#include "storage/sqlite/sqlite_metric_store.h"
#include "storage/sqlite/store_util.h"

namespace tracelake::storage::sqlite {
namespace {

bool InRollups(MetricLevel level, MetricDimension d) {
  if (level == MetricLevel::kTrace) return d == MetricDimension::kStatus;
  return d == MetricDimension::kSpanName || d == MetricDimension::kSpanType ||
         d == MetricDimension::kSpanStatus || d == MetricDimension::kModel ||
         d == MetricDimension::kErrorType;
}

int64_t FloorTo(int64_t t, int64_t unit) {
  int64_t k = t / unit;
  if (t % unit != 0 && t < 0) --k;
  return k * unit;
}

// Cells keyed by (bucket, group, model).
class CellMap {
 public:
  using Group = std::vector<std::optional<std::string>>;
  MetricCell& At(int64_t time_ms, Group group, const std::string& model) {
    auto [it, fresh] = cells_.try_emplace(Key{time_ms, std::move(group), model});
    if (fresh) {
      it->second.time_ms = time_ms;
      it->second.group = std::get<1>(it->first);
      it->second.model = model;
    }
    return it->second;
  }
  MetricTable Take(bool from_rollups) {
    MetricTable t;
    t.from_rollups = from_rollups;
    t.cells.reserve(cells_.size());
    for (auto& [k, c] : cells_) t.cells.push_back(std::move(c));
    return t;
  }

 private:
  using Key = std::tuple<int64_t, Group, std::string>;
  std::map<Key, MetricCell> cells_;
};

// The SQL of a group-by value and the parameter it needs (tag/metadata keys).
std::string GroupSql(const MetricGroupBy& g, std::vector<SqlParam>& params) {
  switch (g.dimension) {
    case MetricDimension::kStatus: return "t.state";
    case MetricDimension::kSpanName: return "s.name";
    case MetricDimension::kSpanType: return "s.type";
    case MetricDimension::kSpanStatus: return "s.status";
    case MetricDimension::kModel: return "f.model";
    case MetricDimension::kErrorType: return "f.error_type";
    case MetricDimension::kTag:
      params.emplace_back(g.key);
      return "(SELECT value FROM trace_tags WHERE trace_key = t.trace_key AND key = ?)";
    case MetricDimension::kMetadata:
      params.emplace_back(g.key);
      return "(SELECT value FROM trace_metadata WHERE trace_key = t.trace_key AND key = ?)";
  }
  return "NULL";
}

// The group value of column `col` of a raw row, as rollups would name it.
std::optional<std::string> GroupValue(const MetricGroupBy& g, const Stmt& s, int col) {
  switch (g.dimension) {
    case MetricDimension::kStatus: return TraceStateName(s.Int(col));
    case MetricDimension::kSpanStatus: return SpanStatusName(s.Int(col));
    case MetricDimension::kSpanType:
      return s.IsNull(col) ? std::string("UNKNOWN") : std::string(s.Text(col));
    case MetricDimension::kModel:
    case MetricDimension::kErrorType:
      return std::string(s.Text(col));  // NULL (no facts row) is ""
    case MetricDimension::kSpanName:
      return std::string(s.Text(col));
    case MetricDimension::kTag:
    case MetricDimension::kMetadata:
      if (s.IsNull(col)) return std::nullopt;
      return std::string(s.Text(col));
  }
  return std::nullopt;
}

std::string Placeholders(size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += i ? ",?" : "?";
  return out;
}

// Binds the experiment ids for the "experiment_id IN (...)" placeholders of a query.
Status AppendExperimentIds(const std::vector<std::string>& ids, SqlFragment& sql) {
  for (const auto& e : ids) {
    ASSIGN_OR_RETURN(int64_t id, ParseExperimentId(e));
    sql.params.emplace_back(id);
  }
  return OkStatus();
}

// Appends the query's search filter (if any) to a WHERE clause, then prepares and binds.
Result<Stmt> PrepareFiltered(Db& db, const query::Expr* filter, SqlFragment& sql) {
  if (filter != nullptr) {
    sql.sql += " AND (";
    RETURN_IF_ERROR(sql::FilterToSql(SqliteDialect::Instance(), *filter, sql));
    sql.sql += ")";
  }
  ASSIGN_OR_RETURN(Stmt s, db.Prepare(sql.sql));
  BindParams(s, sql.params);
  return s;
}

// A raw span query's traces: those whose request time lies within this much of the window
// (a span starts after its trace's request time, and traces rarely last longer).
constexpr int64_t kRawSpanLookbackNs = int64_t{24} * 3600 * 1'000'000'000;
constexpr int64_t kRawSpanLookaheadNs = int64_t{3600} * 1'000'000'000;

}  // namespace

Result<MetricTable> SqliteMetricStore::QueryMetrics(const MetricQuery& q) {
  if (q.experiment_ids.empty()) return InvalidArgumentError("experiment_ids must not be empty");
  for (const auto& id : q.experiment_ids) RETURN_IF_ERROR(ParseExperimentId(id).status());
  if (q.end_ms <= q.start_ms)
    return InvalidArgumentError("end_time_ms must be greater than start_time_ms");
  constexpr int64_t kMaxMs = 9'000'000'000'000;  // keeps ns arithmetic in int64
  if (q.start_ms < -kMaxMs || q.end_ms > kMaxMs)
    return InvalidArgumentError("The time range is out of bounds");
  if (q.bucket_ms && *q.bucket_ms <= 0) return InvalidArgumentError("bucket_ms must be positive");
  bool rollups = !q.exact && q.filter == nullptr && q.start_ms % kMinuteMs == 0 &&
                 q.end_ms % kMinuteMs == 0 && (!q.bucket_ms || *q.bucket_ms % kMinuteMs == 0);
  for (const auto& g : q.group_by) rollups = rollups && InRollups(q.level, g.dimension);
  return db_.WithReader([&](Db& db) -> Result<MetricTable> {
    if (rollups) return QueryRollups(db, q);
    return q.level == MetricLevel::kTrace ? QueryRawTraces(db, q) : QueryRawSpans(db, q);
  });
}

Result<MetricTable> SqliteMetricStore::QueryRollups(Db& db, const MetricQuery& q) {
  // Whole hours inside the window come from hour rows when buckets are whole hours; the edges
  // (and everything, for finer buckets) from minute rows.
  std::vector<std::tuple<int64_t, int64_t, int64_t>> segments;  // period, from, to
  const int64_t h0 = -FloorTo(-q.start_ms, kHourMs);
  const int64_t h1 = FloorTo(q.end_ms, kHourMs);
  if ((!q.bucket_ms || *q.bucket_ms % kHourMs == 0) && h0 < h1) {
    if (q.start_ms < h0) segments.emplace_back(kMinutePeriod, q.start_ms, h0);
    segments.emplace_back(kHourPeriod, h0, h1);
    if (h1 < q.end_ms) segments.emplace_back(kMinutePeriod, h1, q.end_ms);
  } else {
    segments.emplace_back(kMinutePeriod, q.start_ms, q.end_ms);
  }
  CellMap cells;
  CellMap::Group group(q.group_by.size());
  const bool traces = q.level == MetricLevel::kTrace;
  ASSIGN_OR_RETURN(
      Stmt * s,
      db.Cached(traces
                    ? "SELECT time_ms, state, trace_count, latency FROM rollup_traces "
                      "WHERE experiment_id = ? AND period = ? AND time_ms >= ? AND time_ms < ?"
                    : "SELECT time_ms, span_count, latency, input_tokens, output_tokens, "
                      "cached_tokens, total_tokens, status, name, type, model, error_type "
                      "FROM rollup_spans "
                      "WHERE experiment_id = ? AND period = ? AND time_ms >= ? AND time_ms < ?"));
  for (const auto& experiment : q.experiment_ids) {
    ASSIGN_OR_RETURN(int64_t experiment_id, ParseExperimentId(experiment));
    for (const auto& [period, from, to] : segments) {
      s->Bind(1, experiment_id).Bind(2, period).Bind(3, from).Bind(4, to);
      while (s->Next()) {
        const int64_t bucket = BucketStart(q, s->Int(0));
        if (traces) {
          const int64_t state = s->Int(1);
          if (!q.group_by.empty()) group[0] = TraceStateName(state);
          MetricCell& c = cells.At(bucket, group, "");
          c.count += s->Int(2);
          if ((state & 3) == 2) c.error_count += s->Int(2);
          RETURN_IF_ERROR(c.latency.sketch.MergeEncoded(s->Blob(3)));
          continue;
        }
        const int64_t status = s->Int(7);
        for (size_t i = 0; i < q.group_by.size(); ++i) {
          switch (q.group_by[i].dimension) {
            case MetricDimension::kSpanName: group[i] = std::string(s->Text(8)); break;
            case MetricDimension::kSpanType:
              group[i] = s->Text(9).empty() ? std::string("UNKNOWN") : std::string(s->Text(9));
              break;
            case MetricDimension::kSpanStatus: group[i] = SpanStatusName(status); break;
            case MetricDimension::kModel: group[i] = std::string(s->Text(10)); break;
            case MetricDimension::kErrorType: group[i] = std::string(s->Text(11)); break;
            default: break;
          }
        }
        MetricCell& c = cells.At(bucket, group, std::string(s->Text(10)));
        const int64_t n = s->Int(1);
        c.count += n;
        if ((status & 3) == 2) c.error_count += n;
        RETURN_IF_ERROR(c.latency.sketch.MergeEncoded(s->Blob(2)));
        c.input_tokens += s->Int(3);
        c.output_tokens += s->Int(4);
        c.cached_input_tokens += s->Int(5);
        c.total_tokens += s->Int(6);
      }
      RETURN_IF_ERROR(s->error());
      s->Reset();
    }
  }
  return cells.Take(/*from_rollups=*/true);
}

Result<MetricTable> SqliteMetricStore::QueryRawTraces(Db& db, const MetricQuery& q) {
  for (const auto& g : q.group_by) {
    if (!DimensionAllowed(MetricLevel::kTrace, g.dimension))
      return InvalidArgumentError("Trace metrics cannot be grouped by '" + g.label +
                                  "'; use span metrics (span_count, ...) for it");
  }
  SqlFragment sql;
  sql.sql = "SELECT t.request_time, t.state, t.duration";
  for (const auto& g : q.group_by) sql.sql += ", " + GroupSql(g, sql.params);
  sql.sql += " FROM traces t WHERE t.experiment_id IN (" + Placeholders(q.experiment_ids.size()) +
             ") AND t.request_time >= ? AND t.request_time < ?";
  RETURN_IF_ERROR(AppendExperimentIds(q.experiment_ids, sql));
  sql.params.emplace_back(q.start_ms * 1'000'000);
  sql.params.emplace_back(q.end_ms * 1'000'000);
  ASSIGN_OR_RETURN(Stmt s, PrepareFiltered(db, q.filter, sql));
  CellMap cells;
  CellMap::Group group(q.group_by.size());
  while (s.Next()) {
    const int64_t t_ms = FloorTo(s.Int(0), 1'000'000) / 1'000'000;
    for (size_t i = 0; i < q.group_by.size(); ++i)
      group[i] = GroupValue(q.group_by[i], s, 3 + static_cast<int>(i));
    MetricCell& c = cells.At(BucketStart(q, t_ms), group, "");
    c.latency.exact = true;
    const int64_t state = s.Int(1) & 3;
    ++c.count;
    if (state == 2) ++c.error_count;
    if (state != 3) c.latency.values_ns.push_back(s.Int(2));
  }
  RETURN_IF_ERROR(s.error());
  return cells.Take(/*from_rollups=*/false);
}

Result<MetricTable> SqliteMetricStore::QueryRawSpans(Db& db, const MetricQuery& q) {
  SqlFragment sql;
  sql.sql =
      "SELECT s.start_ns, s.duration_ns, s.status, f.model, f.input_tokens, f.output_tokens, "
      "f.cached_tokens, f.total_tokens";
  for (const auto& g : q.group_by) sql.sql += ", " + GroupSql(g, sql.params);
  sql.sql +=
      " FROM traces t JOIN spans s ON s.trace_key = t.trace_key "
      "LEFT JOIN span_facts f ON f.trace_key = s.trace_key AND f.span_id = s.span_id "
      "WHERE t.experiment_id IN (" + Placeholders(q.experiment_ids.size()) +
      ") AND t.request_time >= ? AND t.request_time < ? "
      // The trace's span extent must reach into the window: this keeps the traces of the
      // lookback that ended before it away from the span join and the filter.
      "AND t.max_end >= ? AND t.min_start < ? AND s.start_ns >= ? AND s.start_ns < ?";
  RETURN_IF_ERROR(AppendExperimentIds(q.experiment_ids, sql));
  const int64_t start_ns = q.start_ms * 1'000'000, end_ns = q.end_ms * 1'000'000;
  sql.params.emplace_back(start_ns - kRawSpanLookbackNs);
  sql.params.emplace_back(end_ns + kRawSpanLookaheadNs);
  for (int i = 0; i < 2; ++i) {
    sql.params.emplace_back(start_ns);
    sql.params.emplace_back(end_ns);
  }
  ASSIGN_OR_RETURN(Stmt s, PrepareFiltered(db, q.filter, sql));
  CellMap cells;
  CellMap::Group group(q.group_by.size());
  while (s.Next()) {
    const int64_t t_ms = FloorTo(s.Int(0), 1'000'000) / 1'000'000;
    for (size_t i = 0; i < q.group_by.size(); ++i)
      group[i] = GroupValue(q.group_by[i], s, 8 + static_cast<int>(i));
    MetricCell& c = cells.At(BucketStart(q, t_ms), group, std::string(s.Text(3)));
    c.latency.exact = true;
    ++c.count;
    if ((s.Int(2) & 3) == 2) ++c.error_count;
    c.latency.values_ns.push_back(s.Int(1));
    c.input_tokens += s.Int(4);
    c.output_tokens += s.Int(5);
    c.cached_input_tokens += s.Int(6);
    c.total_tokens += s.Int(7);
  }
  RETURN_IF_ERROR(s.error());
  return cells.Take(/*from_rollups=*/false);
}

Result<std::vector<std::vector<ModelUsage>>> SqliteMetricStore::GetModelUsage(
    const std::vector<TraceId>& ids) {
  return db_.WithReader([&](Db& db) -> Result<std::vector<std::vector<ModelUsage>>> {
    ASSIGN_OR_RETURN(Stmt * s, db.Cached(
        "SELECT f.model, sum(f.input_tokens), sum(f.output_tokens), sum(f.cached_tokens), "
        "sum(f.total_tokens) FROM traces t JOIN span_facts f ON f.trace_key = t.trace_key "
        "WHERE t.trace_id = ? AND (f.input_tokens IS NOT NULL OR f.output_tokens IS NOT NULL OR "
        "f.cached_tokens IS NOT NULL OR f.total_tokens IS NOT NULL) "
        "GROUP BY f.model ORDER BY f.model"));
    std::vector<std::vector<ModelUsage>> out(ids.size());
    for (size_t i = 0; i < ids.size(); ++i) {
      s->BindBlob(1, ids[i].AsStringView());
      while (s->Next()) {
        ModelUsage u;
        u.model = std::string(s->Text(0));
        std::optional<int64_t>* fields[] = {&u.usage.input_tokens, &u.usage.output_tokens,
                                            &u.usage.cached_input_tokens, &u.usage.total_tokens};
        for (int k = 0; k < 4; ++k)
          if (!s->IsNull(1 + k)) *fields[k] = s->Int(1 + k);
        out[i].push_back(std::move(u));
      }
      RETURN_IF_ERROR(s->error());
      s->Reset();
    }
    return out;
  });
}

}  // namespace tracelake::storage::sqlite
