#include "storage/metric_series.h"

#include <map>

namespace tracelake::storage {
namespace {

struct MetricInfo {
  const char* name;
  MetricLevel level;
};

constexpr MetricInfo kMetrics[] = {
    {"trace_count", MetricLevel::kTrace},        {"error_count", MetricLevel::kTrace},
    {"error_rate", MetricLevel::kTrace},         {"latency_p50_ms", MetricLevel::kTrace},
    {"latency_p90_ms", MetricLevel::kTrace},     {"latency_p99_ms", MetricLevel::kTrace},
    {"span_count", MetricLevel::kSpan},          {"span_error_count", MetricLevel::kSpan},
    {"span_error_rate", MetricLevel::kSpan},     {"span_latency_p50_ms", MetricLevel::kSpan},
    {"span_latency_p90_ms", MetricLevel::kSpan}, {"span_latency_p99_ms", MetricLevel::kSpan},
    {"input_tokens", MetricLevel::kSpan},        {"output_tokens", MetricLevel::kSpan},
    {"cached_input_tokens", MetricLevel::kSpan}, {"total_tokens", MetricLevel::kSpan},
    {"cost_usd", MetricLevel::kSpan},            {"unpriced_tokens", MetricLevel::kSpan},
};

// One (bucket, group) after merging its cells across models.
struct Aggregate {
  int64_t count = 0, error_count = 0;
  int64_t input = 0, output = 0, cached = 0, total = 0;
  double cost = 0;
  int64_t priced_tokens = 0, unpriced_tokens = 0;
  LatencyValues latency;
};

std::optional<double> Ratio(int64_t num, int64_t den) {
  if (den <= 0) return std::nullopt;
  return static_cast<double>(num) / static_cast<double>(den);
}

std::optional<double> Value(const std::string& metric, Aggregate& a) {
  auto pct = [&a](double q) -> std::optional<double> {
    if (a.latency.count() == 0) return std::nullopt;
    return a.latency.Quantile(q) / 1e6;
  };
  if (metric == "trace_count" || metric == "span_count") return static_cast<double>(a.count);
  if (metric == "error_count" || metric == "span_error_count")
    return static_cast<double>(a.error_count);
  if (metric == "error_rate" || metric == "span_error_rate") return Ratio(a.error_count, a.count);
  if (metric.ends_with("_p50_ms")) return pct(0.50);
  if (metric.ends_with("_p90_ms")) return pct(0.90);
  if (metric.ends_with("_p99_ms")) return pct(0.99);
  if (metric == "input_tokens") return static_cast<double>(a.input);
  if (metric == "output_tokens") return static_cast<double>(a.output);
  if (metric == "cached_input_tokens") return static_cast<double>(a.cached);
  if (metric == "total_tokens") return static_cast<double>(a.total);
  if (metric == "unpriced_tokens") return static_cast<double>(a.unpriced_tokens);
  if (metric == "cost_usd") {
    if (a.priced_tokens == 0 && a.unpriced_tokens > 0) return std::nullopt;
    return a.cost;
  }
  return std::nullopt;
}

}  // namespace

Result<MetricLevel> LevelOfMetric(const std::string& name) {
  for (const auto& m : kMetrics)
    if (name == m.name) return m.level;
  return InvalidArgumentError("Unknown metric '" + name + "'");
}

bool DimensionAllowed(MetricLevel level, MetricDimension d) {
  switch (d) {
    case MetricDimension::kStatus:
    case MetricDimension::kTag:
    case MetricDimension::kMetadata:
      return true;
    default:
      return level == MetricLevel::kSpan;
  }
}

Result<MetricGroupBy> ParseGroupBy(const std::string& text) {
  MetricGroupBy g;
  g.label = text;
  static const std::pair<const char*, MetricDimension> kFixed[] = {
      {"status", MetricDimension::kStatus},         {"span_name", MetricDimension::kSpanName},
      {"span_type", MetricDimension::kSpanType},    {"span_status", MetricDimension::kSpanStatus},
      {"model", MetricDimension::kModel},           {"error_type", MetricDimension::kErrorType},
  };
  for (const auto& [name, d] : kFixed) {
    if (text == name) {
      g.dimension = d;
      return g;
    }
  }
  for (const auto& [prefix, d] :
       {std::pair{"tag.", MetricDimension::kTag}, std::pair{"tags.", MetricDimension::kTag},
        std::pair{"metadata.", MetricDimension::kMetadata}}) {
    if (text.starts_with(prefix) && text.size() > std::string_view(prefix).size()) {
      g.dimension = d;
      g.key = text.substr(std::string_view(prefix).size());
      if (g.key.size() >= 2 && g.key.front() == '`' && g.key.back() == '`')
        g.key = g.key.substr(1, g.key.size() - 2);
      return g;
    }
  }
  return InvalidArgumentError(
      "Unknown group_by '" + text +
      "': expected status, span_name, span_type, span_status, model, error_type, tag.<key> or "
      "metadata.<key>");
}

Result<std::vector<MetricSeries>> BuildMetricSeries(const MetricQuery& q, MetricTable table,
                                                    const std::vector<std::string>& metrics,
                                                    const model::PriceTable& prices) {
  std::vector<int64_t> buckets;
  if (q.bucket_ms) {
    const int64_t first = BucketStart(q, q.start_ms);
    const int64_t n = (q.end_ms - first + *q.bucket_ms - 1) / *q.bucket_ms;
    if (n > kMaxMetricBuckets)
      return InvalidArgumentError("The time range holds " + std::to_string(n) +
                                  " buckets; at most " + std::to_string(kMaxMetricBuckets) +
                                  " are allowed (choose a larger bucket_ms)");
    for (int64_t t = first; t < q.end_ms; t += *q.bucket_ms) buckets.push_back(t);
  } else {
    buckets.push_back(q.start_ms);
  }

  // Prices per distinct model, looked up once.
  std::map<std::string, std::optional<model::ModelPrice>> price_of;
  using Group = std::vector<std::optional<std::string>>;
  std::map<Group, std::map<int64_t, Aggregate>> groups;
  for (MetricCell& c : table.cells) {
    Aggregate& a = groups[c.group][c.time_ms];
    a.count += c.count;
    a.error_count += c.error_count;
    a.input += c.input_tokens;
    a.output += c.output_tokens;
    a.cached += c.cached_input_tokens;
    a.total += c.total_tokens;
    const int64_t tokens = c.input_tokens + c.output_tokens;
    if (tokens > 0) {
      auto [it, fresh] = price_of.try_emplace(c.model);
      if (fresh) it->second = prices.Find(c.model);
      if (it->second) {
        a.cost += model::PriceTable::Cost(*it->second, c.input_tokens, c.cached_input_tokens,
                                          c.output_tokens);
        a.priced_tokens += tokens;
      } else {
        a.unpriced_tokens += tokens;
      }
    }
    a.latency.Merge(std::move(c.latency));
  }

  std::vector<MetricSeries> out;
  for (auto& [group, by_time] : groups) {
    MetricSeries s;
    for (size_t i = 0; i < q.group_by.size(); ++i)
      s.group.emplace_back(q.group_by[i].label, i < group.size() ? group[i] : std::nullopt);
    for (int64_t t : buckets) {
      MetricPoint p;
      p.time_ms = t;
      auto it = by_time.find(t);
      Aggregate empty;
      Aggregate& a = it == by_time.end() ? empty : it->second;
      for (const auto& m : metrics) p.values.emplace_back(m, Value(m, a));
      s.points.push_back(std::move(p));
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace tracelake::storage
