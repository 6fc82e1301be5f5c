// MLflow 3's own trace-metrics API (docs/metrics.md): POST /api/3.0/mlflow/traces/metrics,
// rpc queryTraceMetrics / message QueryTraceMetrics of mlflow/protos/service.proto. One metric
// of one view (TRACES, SPANS, ASSESSMENTS), a list of aggregations, optional dimensions, time
// buckets and MLflow's metric filters ("trace.status = 'OK'", "span.type = 'LLM'"); the answer
// is MLflow's list of data points. Which metric allows which aggregation and dimension, the
// value names ("COUNT", "P95.0"), the ISO time buckets, the ordering, the max_results cut and
// the error texts follow MLflow's SQL store (mlflow/store/tracking/utils/
// sql_trace_metrics_utils.py). The rows and their exact aggregation come from storage
// (storage/metric_values.h); this file maps JSON and MLflow's rules onto them.
#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/span.h"
#include "query/filter.h"
#include "server/mlflow/routes.h"
#include "storage/metric_values.h"

namespace tracelake::server {
namespace {

struct TraceMetricsDeps {
  storage::MetricStore& store;
  storage::ExperimentStore& experiments;
};

using storage::ValueAggregation;
using storage::ValueColumn;
using storage::ValueDimension;
using storage::ValueRowFilter;
using storage::ValueView;

constexpr int64_t kDefaultMaxResults = 1000;  // QueryTraceMetrics.max_results default
constexpr int64_t kMaxMaxResults = 100000;
constexpr size_t kMaxListItems = 64;  // aggregations, dimensions, filters each
// Keeps bucket arithmetic in int64 ms (a thousand years).
constexpr int64_t kMaxIntervalSeconds = int64_t{1000} * 366 * 24 * 3600;

constexpr std::array<const char*, 3> kViewNames = {"TRACES", "SPANS", "ASSESSMENTS"};
// AggregationType values 1..6, in proto order.
constexpr std::array<const char*, 6> kAggregationNames = {"COUNT",      "SUM", "AVG",
                                                          "PERCENTILE", "MIN", "MAX"};
constexpr std::array<ValueAggregation, 6> kAggregations = {
    ValueAggregation::kCount,      ValueAggregation::kSum, ValueAggregation::kAvg,
    ValueAggregation::kPercentile, ValueAggregation::kMin, ValueAggregation::kMax};

// Bits of kAggregations.
constexpr unsigned kCount = 1, kSum = 2, kAvg = 4, kPercentile = 8, kMin = 16, kMax = 32;
// MIN and MAX are tracelake's addition for value metrics: MLflow's SQL store rejects them.
constexpr unsigned kValueAggs = kAvg | kPercentile | kMin | kMax;
constexpr unsigned kTokenAggs = kSum | kValueAggs;

struct MetricSpec {
  ValueView view;
  const char* name;
  ValueColumn column;
  unsigned aggregations;
  std::vector<const char*> dimensions;  // MLflow's, in MLflow's error-message order (sorted)
  const char* unsupported;              // non-null: MLflow has it, tracelake cannot answer it
};

const std::vector<MetricSpec>& Specs() {
  static const std::vector<MetricSpec> kSpecs = {
      {ValueView::kTraces,
       "trace_count",
       ValueColumn::kNone,
       kCount,
       {"trace_name", "trace_status"},
       nullptr},
      {ValueView::kTraces,
       "latency",
       ValueColumn::kTraceLatencyMs,
       kValueAggs,
       {"trace_name"},
       nullptr},
      {ValueView::kTraces,
       "input_tokens",
       ValueColumn::kTraceInputTokens,
       kTokenAggs,
       {"trace_name"},
       nullptr},
      {ValueView::kTraces,
       "output_tokens",
       ValueColumn::kTraceOutputTokens,
       kTokenAggs,
       {"trace_name"},
       nullptr},
      {ValueView::kTraces,
       "total_tokens",
       ValueColumn::kTraceTotalTokens,
       kTokenAggs,
       {"trace_name"},
       nullptr},
      {ValueView::kTraces,
       "cache_read_input_tokens",
       ValueColumn::kTraceCachedInputTokens,
       kTokenAggs,
       {"trace_name"},
       nullptr},
      {ValueView::kTraces,
       "cache_creation_input_tokens",
       ValueColumn::kNone,
       kTokenAggs,
       {"trace_name"},
       "tracelake does not record cache-creation input tokens"},
      {ValueView::kSpans,
       "span_count",
       ValueColumn::kNone,
       kCount,
       {"span_model_name", "span_model_provider", "span_name", "span_status", "span_type"},
       nullptr},
      {ValueView::kSpans,
       "latency",
       ValueColumn::kSpanLatencyMs,
       kValueAggs,
       {"span_name", "span_status"},
       nullptr},
      {ValueView::kSpans,
       "input_cost",
       ValueColumn::kSpanInputCost,
       kTokenAggs,
       {"span_model_name", "span_model_provider"},
       nullptr},
      {ValueView::kSpans,
       "output_cost",
       ValueColumn::kSpanOutputCost,
       kTokenAggs,
       {"span_model_name", "span_model_provider"},
       nullptr},
      {ValueView::kSpans,
       "total_cost",
       ValueColumn::kSpanTotalCost,
       kTokenAggs,
       {"span_model_name", "span_model_provider"},
       nullptr},
      {ValueView::kAssessments,
       "assessment_count",
       ValueColumn::kNone,
       kCount,
       {"assessment_name", "assessment_value"},
       nullptr},
      {ValueView::kAssessments,
       "assessment_value",
       ValueColumn::kAssessmentValue,
       kValueAggs,
       {"assessment_name"},
       nullptr},
  };
  return kSpecs;
}

std::optional<ValueDimension> DimensionByName(const std::string& name) {
  static const std::pair<const char*, ValueDimension> kDims[] = {
      {"trace_name", ValueDimension::kTraceName},
      {"trace_status", ValueDimension::kTraceStatus},
      {"span_name", ValueDimension::kSpanName},
      {"span_type", ValueDimension::kSpanType},
      {"span_status", ValueDimension::kSpanStatus},
      {"span_model_name", ValueDimension::kSpanModel},
      {"span_model_provider", ValueDimension::kSpanModelProvider},
      {"assessment_name", ValueDimension::kAssessmentName},
      {"assessment_value", ValueDimension::kAssessmentValue},
  };
  for (const auto& [n, d] : kDims)
    if (name == n) return d;
  return std::nullopt;
}

// Python's list repr of strings: ['a', 'b'].
std::string PyList(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", '" : "'") + items[i] + "'";
  return out + "]";
}

// datetime.fromtimestamp(ms / 1000, tz=timezone.utc).isoformat(), as MLflow reports buckets.
std::string IsoUtc(int64_t ms) {
  int64_t secs = ms / 1000, frac_ms = ms % 1000;
  if (frac_ms < 0) {
    frac_ms += 1000;
    --secs;
  }
  int64_t days = secs / 86400, sod = secs % 86400;
  if (sod < 0) {
    sod += 86400;
    --days;
  }
  // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  char out[160];  // room for any int64 fields
  std::snprintf(out, sizeof out, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld",
                static_cast<long long>(y), static_cast<long long>(m), static_cast<long long>(d),
                static_cast<long long>(sod / 3600), static_cast<long long>(sod / 60 % 60),
                static_cast<long long>(sod % 60));
  std::string s = out;
  if (frac_ms != 0) {
    std::snprintf(out, sizeof out, ".%03lld000", static_cast<long long>(frac_ms));
    s += out;
  }
  return s + "+00:00";
}

// An enum parameter given by name or by its proto number (1-based), as protobuf's JSON parser
// accepts it. Returns the 0-based index.
Result<size_t> EnumParam(const Json& value, const std::string& param, const char* const* names,
                         size_t count) {
  if (value.is_string()) {
    const std::string s = value.get<std::string>();
    for (size_t i = 0; i < count; ++i)
      if (s == names[i]) return i;
  } else if (value.is_number_integer()) {
    const int64_t n = value.get<int64_t>();
    if (n >= 1 && static_cast<size_t>(n) <= count) return static_cast<size_t>(n - 1);
  }
  std::vector<std::string> all(names, names + count);
  return InvalidArgumentError("Invalid value " + DumpJson(value).substr(0, 80) +
                              " for parameter '" + param + "': expected one of " + PyList(all));
}

struct Aggregation {
  ValueAggregation kind;
  size_t index;       // into kAggregationNames
  double percentile;  // kPercentile only
  std::string label;  // MLflow's str(MetricAggregation): "COUNT", "P95.0"
};

Result<std::vector<Aggregation>> ParseAggregations(const ParamReader& p) {
  const Json* list = p.Get("aggregations");
  if (list == nullptr || (list->is_array() && list->empty())) return p.Missing("aggregations");
  if (!list->is_array()) return p.Invalid("aggregations", *list);
  if (list->size() > kMaxListItems)
    return InvalidArgumentError("Too many aggregations: at most " + std::to_string(kMaxListItems));
  std::vector<Aggregation> out;
  for (size_t i = 0; i < list->size(); ++i) {
    const std::string path = "aggregations[" + std::to_string(i) + "]";
    if (!(*list)[i].is_object()) return p.Invalid("aggregations", (*list)[i], "expected objects");
    ParamReader a((*list)[i], path);
    const Json* type = a.Get("aggregation_type");
    if (type == nullptr) return a.Missing("aggregation_type");
    ASSIGN_OR_RETURN(size_t idx, EnumParam(*type, a.PathOf("aggregation_type"),
                                           kAggregationNames.data(), kAggregationNames.size()));
    Aggregation agg{kAggregations[idx], idx, 0, kAggregationNames[idx]};
    std::optional<double> pct;
    if (const Json* v = a.Get("percentile_value")) {
      if (v->is_number()) {
        pct = v->get<double>();
      } else if (v->is_string()) {
        const std::string s = v->get<std::string>();
        double d = 0;
        const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
        if (ec != std::errc() || end != s.data() + s.size())
          return a.Invalid("percentile_value", *v);
        pct = d;
      } else {
        return a.Invalid("percentile_value", *v);
      }
    }
    // MLflow's MetricAggregation.__post_init__.
    if (agg.kind == ValueAggregation::kPercentile) {
      if (!pct)
        return InvalidArgumentError("Percentile value is required for PERCENTILE aggregation");
      if (!std::isfinite(*pct) || *pct > 100 || *pct < 0)
        return InvalidArgumentError("Percentile value must be between 0 and 100, got " +
                                    model::PythonFloatRepr(*pct));
      agg.percentile = *pct;
      agg.label = "P" + model::PythonFloatRepr(*pct);
    } else if (pct) {
      return InvalidArgumentError(
          "Percentile value is only allowed for PERCENTILE aggregation type, got " + agg.label);
    }
    out.push_back(std::move(agg));
  }
  return out;
}

// One of MLflow's metric filters: "<view>.<entity>[.<key>] = '<value>'".
struct MetricFilter {
  std::string view, entity, key, value;
};

bool IdentChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == ':' ||
         c == '/';
}

// Parses one filter; the grammar of MLflow's SearchTraceMetricsUtils.parse_search_filter: an
// identifier of dot-separated parts (a key may be `backquoted`), the comparator =, and a
// quoted string. Errors use MLflow's texts where MLflow has one.
Result<MetricFilter> ParseMetricFilter(const std::string& text) {
  const std::string shown = text.substr(0, 200);
  size_t i = 0;
  auto ws = [&] {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  };
  ws();
  std::vector<std::string> parts;
  std::string ident_text;
  while (true) {
    const size_t part_start = i;
    if (i < text.size() && text[i] == '`') {
      const size_t close = text.find('`', i + 1);
      if (close == std::string::npos)
        return InvalidArgumentError("Invalid filter '" + shown + "': unterminated `");
      parts.push_back(text.substr(i + 1, close - i - 1));
      i = close + 1;
    } else {
      while (i < text.size() && IdentChar(text[i])) ++i;
      parts.push_back(text.substr(part_start, i - part_start));
    }
    ident_text += (ident_text.empty() ? "" : ".") + text.substr(part_start, i - part_start);
    if (parts.back().empty())
      return InvalidArgumentError("Invalid filter '" + shown + "': expected an identifier");
    if (i < text.size() && text[i] == '.') {
      ++i;
      continue;
    }
    break;
  }
  ws();
  const size_t op_start = i;
  if (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) {
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
  } else {
    while (i < text.size() && std::string_view("=!<>~").find(text[i]) != std::string_view::npos)
      ++i;
  }
  const std::string op = text.substr(op_start, i - op_start);
  if (op.empty())
    return InvalidArgumentError("Invalid filter '" + shown + "': expected a comparator");
  if (op != "=")
    return InvalidArgumentError("Invalid comparator: '" + op +
                                "', only '=' operator is supported in trace metrics filters");
  ws();
  if (i >= text.size() || (text[i] != '\'' && text[i] != '"'))
    return InvalidArgumentError("Invalid filter '" + shown +
                                "': expected a quoted string value after '='");
  const char quote = text[i++];
  std::string value;
  bool closed = false;
  for (; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      value += text[++i];
    } else if (text[i] == quote) {
      if (i + 1 < text.size() && text[i + 1] == quote) {  // SQL's doubled quote
        value += quote;
        ++i;
      } else {
        closed = true;
        ++i;
        break;
      }
    } else {
      value += text[i];
    }
  }
  if (!closed) return InvalidArgumentError("Invalid filter '" + shown + "': unterminated string");
  ws();
  if (i != text.size())
    return InvalidArgumentError("Invalid filter '" + shown +
                                "': one comparison per filter (list several filters to AND them)");

  static const std::pair<const char*, std::vector<const char*>> kEntities[] = {
      {"trace", {"status", "tag", "metadata"}},
      {"span", {"name", "status", "type", "model", "model_provider"}},
      {"assessment", {"name", "type"}},
  };
  const std::vector<const char*>* entities = nullptr;
  if (parts.size() >= 2) {
    for (const auto& [view, list] : kEntities)
      if (parts[0] == view) entities = &list;
  }
  if (entities == nullptr)
    return InvalidArgumentError("Invalid identifier '" + ident_text.substr(0, 200) +
                                "': expected trace.<entity>, span.<entity> or assessment.<entity>");
  bool known = false;
  for (const char* e : *entities) known = known || parts[1] == e;
  if (!known) {
    std::vector<std::string> names(entities->begin(), entities->end());
    return InvalidArgumentError("Invalid entity '" + parts[1].substr(0, 100) + "' specified for " +
                                parts[0] + " filters. Valid entities: " + PyList(names));
  }
  MetricFilter f{parts[0], parts[1], "", value};
  const bool keyed = parts[1] == "tag" || parts[1] == "metadata";
  if (keyed) {
    if (parts.size() < 3)
      return InvalidArgumentError("Entity '" + parts[1] + "' requires a key: " + parts[0] + "." +
                                  parts[1] + ".<key>");
    for (size_t k = 2; k < parts.size(); ++k) f.key += (k > 2 ? "." : "") + parts[k];
  } else if (parts.size() > 2) {
    return InvalidArgumentError("Entity '" + parts[1] + "' does not require a key");
  }
  return f;
}

std::unique_ptr<query::Expr> EqualityExpr(query::FieldKind kind, std::string key,
                                          std::string value) {
  auto e = std::make_unique<query::Expr>();
  e->kind = query::Expr::Kind::kComparison;
  e->comparison.field = {kind, std::move(key)};
  e->comparison.op = query::Op::kEq;
  e->comparison.value = std::move(value);
  return e;
}

// MLflow's filters translated: trace-level ones into the search grammar's AST (ANDed), span
// and assessment ones into row conditions.
struct TranslatedFilters {
  std::unique_ptr<query::Expr> trace;
  std::vector<ValueRowFilter> rows;
};

Result<TranslatedFilters> TranslateFilters(const std::vector<std::string>& filters, ValueView view,
                                           const char* view_name) {
  TranslatedFilters out;
  std::vector<std::unique_ptr<query::Expr>> trace_terms;
  for (const auto& text : filters) {
    ASSIGN_OR_RETURN(MetricFilter f, ParseMetricFilter(text));
    if (f.view == "trace") {
      if (f.entity == "status") {
        trace_terms.push_back(EqualityExpr(query::FieldKind::kStatus, "", f.value));
      } else if (f.entity == "tag") {
        trace_terms.push_back(EqualityExpr(query::FieldKind::kTag, f.key, f.value));
      } else {
        trace_terms.push_back(EqualityExpr(query::FieldKind::kMetadata, f.key, f.value));
      }
      continue;
    }
    if (f.view == "span") {
      if (view != ValueView::kSpans)
        return InvalidArgumentError(
            std::string("Filtering by span is only supported for SPANS view type, got ") +
            view_name);
      ValueRowFilter::Field field = ValueRowFilter::Field::kSpanName;
      if (f.entity == "status") field = ValueRowFilter::Field::kSpanStatus;
      if (f.entity == "type") field = ValueRowFilter::Field::kSpanType;
      if (f.entity == "model") field = ValueRowFilter::Field::kSpanModel;
      if (f.entity == "model_provider") field = ValueRowFilter::Field::kSpanModelProvider;
      out.rows.push_back({field, f.value});
      continue;
    }
    if (view != ValueView::kAssessments)
      return InvalidArgumentError(
          std::string("Filtering by assessment is only supported for ASSESSMENTS view type, got ") +
          view_name);
    out.rows.push_back({f.entity == "name" ? ValueRowFilter::Field::kAssessmentName
                                           : ValueRowFilter::Field::kAssessmentType,
                        f.value});
  }
  if (trace_terms.size() == 1) {
    out.trace = std::move(trace_terms[0]);
  } else if (trace_terms.size() > 1) {
    out.trace = std::make_unique<query::Expr>();
    out.trace->kind = query::Expr::Kind::kAnd;
    out.trace->children = std::move(trace_terms);
  }
  return out;
}

// MLflow's validate_query_trace_metrics_params (metric, aggregations, dimensions, with its
// messages), then what MLflow has and tracelake cannot compute: a clear refusal, never a
// made-up number.
Result<const MetricSpec*> CheckMlflowRules(ValueView view, const std::string& metric_name,
                                           const std::vector<Aggregation>& aggregations,
                                           const std::vector<std::string>& dimensions) {
  const MetricSpec* spec = nullptr;
  std::vector<std::string> view_metrics;
  for (const MetricSpec& s : Specs()) {
    if (s.view != view) continue;
    view_metrics.emplace_back(s.name);
    if (metric_name == s.name) spec = &s;
  }
  if (spec == nullptr)
    return InvalidArgumentError("metric_name must be one of " + PyList(view_metrics) + ", got '" +
                                metric_name.substr(0, 200) + "'");
  std::vector<std::string> bad_aggs, allowed_aggs;
  for (size_t i = 0; i < kAggregationNames.size(); ++i)
    if (spec->aggregations & (1u << i)) allowed_aggs.emplace_back(kAggregationNames[i]);
  for (const Aggregation& a : aggregations) {
    const std::string name = kAggregationNames[a.index];
    if (!(spec->aggregations & (1u << a.index)) &&
        std::find(bad_aggs.begin(), bad_aggs.end(), name) == bad_aggs.end())
      bad_aggs.push_back(name);
  }
  if (!bad_aggs.empty()) {
    std::sort(bad_aggs.begin(), bad_aggs.end());
    std::sort(allowed_aggs.begin(), allowed_aggs.end());
    return InvalidArgumentError("Found invalid aggregation_type(s): " + PyList(bad_aggs) +
                                ". Supported aggregation types: " + PyList(allowed_aggs));
  }
  std::vector<std::string> bad_dims;
  for (const auto& d : dimensions) {
    bool ok = false;
    for (const char* allowed : spec->dimensions) ok = ok || d == allowed;
    if (!ok && std::find(bad_dims.begin(), bad_dims.end(), d) == bad_dims.end())
      bad_dims.push_back(d.substr(0, 100));
  }
  if (!bad_dims.empty()) {
    std::sort(bad_dims.begin(), bad_dims.end());
    return InvalidArgumentError(
        "Found invalid dimension(s): " + PyList(bad_dims) +
        ". Supported dimensions: " + PyList({spec->dimensions.begin(), spec->dimensions.end()}));
  }
  if (spec->unsupported != nullptr)
    return InvalidArgumentError("The metric '" + metric_name +
                                "' is not supported by tracelake: " + spec->unsupported);
  for (const auto& d : dimensions) {
    if (!DimensionByName(d))
      return InvalidArgumentError("The dimension '" + d + "' is not supported by tracelake");
  }
  return spec;
}

// MLflow's data points from the ordered cells: at most `limit` groups in order, then groups
// with an absent dimension or no value dropped (convert_results_to_metric_data_points).
Json DataPoints(const storage::ValueMetricQuery& q, storage::ValueTable table,
                const std::string& metric_name, const std::vector<std::string>& dimensions,
                const std::vector<Aggregation>& aggregations, int64_t limit) {
  Json points = Json::array();
  int64_t taken = 0;
  for (storage::ValueCell& cell : table.cells) {
    // Traces without a name are not rows at all in MLflow (an inner join on the name tag);
    // other absent dimensions form a group that takes its place in the LIMIT and is dropped.
    bool unnamed = false, absent = false;
    for (size_t i = 0; i < cell.group.size(); ++i) {
      if (cell.group[i]) continue;
      absent = true;
      unnamed = unnamed || q.dimensions[i] == ValueDimension::kTraceName;
    }
    if (unnamed) continue;
    if (taken++ >= limit) break;
    if (absent) continue;
    Json values = Json::object();
    for (const Aggregation& a : aggregations) {
      std::optional<double> v = storage::AggregateValues(cell, a.kind, a.percentile);
      if (v) values[a.label] = *v;
    }
    if (values.empty()) continue;
    Json dims = Json::object();
    if (q.bucket_ms) dims["time_bucket"] = IsoUtc(cell.bucket_ms);
    for (size_t i = 0; i < cell.group.size(); ++i) dims[dimensions[i]] = *cell.group[i];
    points.push_back({{"metric_name", metric_name},
                      {"dimensions", std::move(dims)},
                      {"values", std::move(values)}});
  }
  return points;
}

Result<Json> QueryTraceMetrics(const HttpRequest& req, const TraceMetricsDeps& ctx) {
  ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
  ParamReader p(params);
  ASSIGN_OR_RETURN(std::vector<std::string> experiments, MetricExperimentIds(p));
  const Json* view_json = p.Get("view_type");
  if (view_json == nullptr) return p.Missing("view_type");
  ASSIGN_OR_RETURN(size_t view_index,
                   EnumParam(*view_json, "view_type", kViewNames.data(), kViewNames.size()));
  const auto view = static_cast<ValueView>(view_index);
  const char* view_name = kViewNames[view_index];
  ASSIGN_OR_RETURN(std::string metric_name, p.RequiredString("metric_name"));
  ASSIGN_OR_RETURN(std::vector<Aggregation> aggregations, ParseAggregations(p));
  ASSIGN_OR_RETURN(std::vector<std::string> dimensions, p.StringList("dimensions"));
  ASSIGN_OR_RETURN(std::vector<std::string> filters, p.StringList("filters"));
  ASSIGN_OR_RETURN(std::optional<int64_t> interval,
                   p.OptInt("time_interval_seconds", 0, kMaxIntervalSeconds));
  ASSIGN_OR_RETURN(std::optional<int64_t> start, p.OptInt("start_time_ms"));
  ASSIGN_OR_RETURN(std::optional<int64_t> end, p.OptInt("end_time_ms"));
  ASSIGN_OR_RETURN(std::optional<int64_t> max_results, p.OptInt("max_results", 0, kMaxMaxResults));
  // MLflow's store takes page_token and never pages (next_page_token is never set).
  ASSIGN_OR_RETURN(std::optional<std::string> page_token, p.OptString("page_token"));
  (void)page_token;
  if (dimensions.size() > kMaxListItems || filters.size() > kMaxListItems)
    return InvalidArgumentError("Too many dimensions or filters: at most " +
                                std::to_string(kMaxListItems) + " each");

  ASSIGN_OR_RETURN(const MetricSpec* spec,
                   CheckMlflowRules(view, metric_name, aggregations, dimensions));
  storage::ValueMetricQuery q;
  q.view = view;
  q.column = spec->column;
  for (const auto& d : dimensions) q.dimensions.push_back(*DimensionByName(d));
  // time_interval_seconds 0 is unset, as for MLflow (a falsy interval).
  if (interval && *interval > 0) {
    if (!start || !end)
      return InvalidArgumentError(
          "start_time_ms and end_time_ms are required if time_interval_seconds is set");
    q.bucket_ms = *interval * 1000;
  }
  q.start_ms = start;
  q.end_ms = end;
  ASSIGN_OR_RETURN(TranslatedFilters translated, TranslateFilters(filters, view, view_name));
  q.trace_filter = translated.trace.get();
  q.row_filters = std::move(translated.rows);
  q.experiment_ids = experiments;
  for (const auto& e : experiments) RETURN_IF_ERROR(CheckExperimentExists(ctx.experiments, e));

  Json points = Json::array();
  const int64_t limit = max_results.value_or(kDefaultMaxResults);
  if (limit > 0) {
    ASSIGN_OR_RETURN(storage::ValueTable table, ctx.store.QueryMetricValues(q));
    points = DataPoints(q, std::move(table), metric_name, dimensions, aggregations, limit);
  }
  return Json{{"data_points", std::move(points)}};
}

}  // namespace

void RegisterTraceMetricsRoutes(MlflowRouteTable& table, storage::MetricStore& store,
                                storage::ExperimentStore& experiments) {
  BoundRoutes<TraceMetricsDeps> routes(table, TraceMetricsDeps{store, experiments});
  routes.Add({"POST"}, 3, "/mlflow/traces/metrics", Scope::kRead, QueryTraceMetrics);
}

}  // namespace tracelake::server
