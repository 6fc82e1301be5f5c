// tracelake's metrics REST API (docs/metrics.md): POST /api/2.0/tracelake/metrics/query answers
// aggregate statistics (counts, error rates, latency percentiles, tokens, cost) per time bucket
// and group; POST /api/2.0/tracelake/traces/costs answers the cost of given traces. Errors
// have MLflow's shape. The numbers come from storage (metric_series.h); this file only maps JSON.
#include "server/tracelake/metrics_query.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "query/filter.h"
#include "server/mlflow/routes.h"
#include "storage/metric_series.h"

namespace tracelake::server {
namespace {

struct MetricsQueryDeps {
  storage::MetricStore& store;
  storage::ExperimentStore& experiments;
  MetricsQueryOptions options;

  const model::PriceTable& prices() const {
    return options.prices ? *options.prices : model::PriceTable::Default();
  }
};

constexpr size_t kMaxMetrics = 32;
constexpr size_t kMaxGroupBy = 4;

Json NumberOrNull(const std::optional<double>& v) {
  if (!v || !std::isfinite(*v)) return nullptr;
  // Integral values print as integers (counts, token sums).
  if (std::abs(*v) < 9e15 && *v == std::floor(*v)) return static_cast<int64_t>(*v);
  return *v;
}

Json GroupKeyJson(const storage::MetricSeries& s) {
  Json g = Json::object();
  for (const auto& [label, value] : s.group) g[label] = value ? Json(*value) : Json(nullptr);
  return g;
}

Result<Json> QueryMetrics(const HttpRequest& req, const MetricsQueryDeps& ctx) {
  ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
  ParamReader p(params);
  ASSIGN_OR_RETURN(std::vector<std::string> experiments, MetricExperimentIds(p));
  for (const auto& e : experiments) RETURN_IF_ERROR(CheckExperimentExists(ctx.experiments, e));
  ASSIGN_OR_RETURN(std::optional<int64_t> start, p.OptInt("start_time_ms"));
  ASSIGN_OR_RETURN(std::optional<int64_t> end, p.OptInt("end_time_ms"));
  if (!start) return p.Missing("start_time_ms");
  if (!end) return p.Missing("end_time_ms");
  ASSIGN_OR_RETURN(std::optional<int64_t> bucket, p.OptInt("bucket_ms", 1));
  ASSIGN_OR_RETURN(std::vector<std::string> metrics, p.StringList("metrics", /*required=*/true));
  ASSIGN_OR_RETURN(std::vector<std::string> group_by, p.StringList("group_by"));
  ASSIGN_OR_RETURN(std::string filter_text, p.StringOr("filter"));
  ASSIGN_OR_RETURN(std::optional<bool> exact, p.OptBool("exact"));
  if (metrics.size() > kMaxMetrics)
    return InvalidArgumentError("Too many metrics: at most " + std::to_string(kMaxMetrics));
  if (group_by.size() > kMaxGroupBy)
    return InvalidArgumentError("Too many group_by keys: at most " + std::to_string(kMaxGroupBy));

  storage::MetricQuery base;
  base.experiment_ids = experiments;
  base.start_ms = *start;
  base.end_ms = *end;
  base.bucket_ms = bucket;
  base.exact = exact.value_or(false);
  for (const auto& g : group_by) {
    ASSIGN_OR_RETURN(storage::MetricGroupBy parsed, storage::ParseGroupBy(g));
    base.group_by.push_back(std::move(parsed));
  }
  std::unique_ptr<query::Expr> filter;
  if (!filter_text.empty()) {
    ASSIGN_OR_RETURN(filter, query::ParseFilter(filter_text));
    base.filter = filter.get();
  }
  // Metrics of each level are answered by one store query each.
  std::vector<std::string> by_level[2];
  for (const auto& m : metrics) {
    ASSIGN_OR_RETURN(storage::MetricLevel level, storage::LevelOfMetric(m));
    auto& list = by_level[level == storage::MetricLevel::kTrace ? 0 : 1];
    if (std::find(list.begin(), list.end(), m) == list.end()) list.push_back(m);
  }
  for (const auto& g : base.group_by) {
    if (!by_level[0].empty() && !storage::DimensionAllowed(storage::MetricLevel::kTrace,
                                                           g.dimension))
      return InvalidArgumentError("Trace metrics (" + by_level[0][0] +
                                  ") cannot be grouped by '" + g.label +
                                  "'; use span metrics such as span_count");
  }

  // Series of both levels merged by group, points by time.
  std::map<std::string, std::pair<Json, std::map<int64_t, Json>>> merged;
  bool from_rollups = true;
  for (int level = 0; level < 2; ++level) {
    if (by_level[level].empty()) continue;
    storage::MetricQuery q = base;
    q.level = level == 0 ? storage::MetricLevel::kTrace : storage::MetricLevel::kSpan;
    ASSIGN_OR_RETURN(storage::MetricTable table, ctx.store.QueryMetrics(q));
    from_rollups = from_rollups && table.from_rollups;
    ASSIGN_OR_RETURN(std::vector<storage::MetricSeries> series,
                     storage::BuildMetricSeries(q, std::move(table), by_level[level],
                                                ctx.prices()));
    for (const auto& s : series) {
      Json group = GroupKeyJson(s);
      auto& [group_json, points] = merged[group.dump()];
      group_json = group;
      for (const auto& pt : s.points) {
        Json& values = points[pt.time_ms];
        if (values.is_null()) values = Json::object();
        for (const auto& [name, v] : pt.values) values[name] = NumberOrNull(v);
      }
    }
  }
  Json series = Json::array();
  for (auto& [key, entry] : merged) {
    Json points = Json::array();
    for (auto& [t, values] : entry.second) {
      // Metrics of the other level, where this group had none, read as absent: fill them.
      for (const auto& m : metrics)
        if (!values.contains(m)) values[m] = nullptr;
      points.push_back({{"time_ms", t}, {"values", std::move(values)}});
    }
    series.push_back({{"group", std::move(entry.first)}, {"points", std::move(points)}});
  }
  return Json{{"series", std::move(series)},
              {"source", from_rollups ? "rollups" : "raw"},
              {"relative_error", from_rollups ? storage::LatencySketch::kRelativeError : 0.0}};
}

Result<Json> TraceCosts(const HttpRequest& req, const MetricsQueryDeps& ctx) {
  ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
  ParamReader p(params);
  ASSIGN_OR_RETURN(std::vector<std::string> raw, p.StringList("trace_ids", /*required=*/true));
  if (raw.size() > static_cast<size_t>(ctx.options.max_batch_trace_ids))
    return InvalidArgumentError("Too many trace_ids: at most " +
                                std::to_string(ctx.options.max_batch_trace_ids) +
                                " per request, got " + std::to_string(raw.size()) + ".");
  std::vector<TraceId> ids;
  for (const auto& s : raw) {
    ASSIGN_OR_RETURN(TraceId id, ParseTraceIdParam(s, "trace_ids"));
    ids.push_back(id);
  }
  ASSIGN_OR_RETURN(auto usage, ctx.store.GetModelUsage(ids));
  const model::PriceTable& prices = ctx.prices();
  Json traces = Json::array();
  for (size_t i = 0; i < ids.size(); ++i) {
    double cost = 0;
    bool any_priced = false;
    Json unpriced = Json::array();
    Json models = Json::array();
    for (const auto& u : usage[i]) {
      std::optional<double> c = prices.Cost(u.model, u.usage);
      const bool has_tokens = u.usage.input_tokens.value_or(0) + u.usage.output_tokens.value_or(0) > 0;
      Json m = {{"model", u.model},
                {"input_tokens", u.usage.input_tokens.value_or(0)},
                {"output_tokens", u.usage.output_tokens.value_or(0)},
                {"cached_input_tokens", u.usage.cached_input_tokens.value_or(0)},
                {"total_tokens", u.usage.total_tokens.value_or(0)},
                {"cost_usd", NumberOrNull(c)}};
      models.push_back(std::move(m));
      if (c) {
        cost += *c;
        any_priced = true;
      } else if (has_tokens) {
        unpriced.push_back(u.model);
      }
    }
    Json t = {{"trace_id", MlflowTraceId(ids[i])},
              {"cost_usd", any_priced || unpriced.empty() ? Json(cost) : Json(nullptr)},
              {"unpriced_models", std::move(unpriced)},
              {"models", std::move(models)}};
    if (usage[i].empty()) t["cost_usd"] = nullptr;  // no token usage at all: nothing to price
    traces.push_back(std::move(t));
  }
  return Json{{"traces", std::move(traces)}};
}

}  // namespace

void RegisterMetricsQueryRoutes(Router& router, storage::MetricStore& store,
                                storage::ExperimentStore& experiments,
                                const MetricsQueryOptions& options) {
  MlflowRouteTable table(router);
  BoundRoutes<MetricsQueryDeps> routes(table, MetricsQueryDeps{store, experiments, options});
  routes.Add({"POST"}, 2, "/tracelake/metrics/query", Scope::kRead, QueryMetrics);
  routes.Add({"POST"}, 2, "/tracelake/traces/costs", Scope::kRead, TraceCosts);
}

}  // namespace tracelake::server
