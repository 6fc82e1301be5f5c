// Named metric values from MetricCells: the last step of a metric query, shared by every
// backend and by the REST handler (docs/metrics.md lists the names).
//
//   trace level: trace_count, error_count, error_rate, latency_p50_ms, latency_p90_ms,
//                latency_p99_ms
//   span level:  span_count, span_error_count, span_error_rate, span_latency_p50_ms,
//                span_latency_p90_ms, span_latency_p99_ms, input_tokens, output_tokens,
//                cached_input_tokens, total_tokens, cost_usd, unpriced_tokens
//
// cost_usd sums the cost of priced models; tokens of unpriced models are not counted as zero
// cost but reported in unpriced_tokens, and cost_usd is null when a point has tokens and none of
// them is priced. Rates and percentiles are null where nothing was counted.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/price_table.h"
#include "storage/metric_query.h"
#include "tracelake/status.h"

namespace tracelake::storage {

// kInvalidArgument for an unknown name.
Result<MetricLevel> LevelOfMetric(const std::string& name);
// Whether a group-by dimension exists at a level (span dimensions do not group traces).
bool DimensionAllowed(MetricLevel level, MetricDimension dimension);
// "span_name", "tag.<k>", "tags.<k>", "metadata.<k>", ... ; kInvalidArgument otherwise.
Result<MetricGroupBy> ParseGroupBy(const std::string& text);

struct MetricPoint {
  int64_t time_ms = 0;
  std::vector<std::pair<std::string, std::optional<double>>> values;  // in requested order
};
struct MetricSeries {
  std::vector<std::pair<std::string, std::optional<std::string>>> group;  // label -> value
  std::vector<MetricPoint> points;  // ascending time
};

// Most buckets one query may ask for.
inline constexpr int64_t kMaxMetricBuckets = 10'000;

// Series of `metrics` (all of q.level) from the cells of q: one per distinct group (sorted by
// group values), each with one point per bucket from the bucket of start_ms to the last one
// before end_ms (empty buckets have zero counts), or one point at start_ms when unbucketed.
Result<std::vector<MetricSeries>> BuildMetricSeries(const MetricQuery& q, MetricTable table,
                                                    const std::vector<std::string>& metrics,
                                                    const model::PriceTable& prices);

}  // namespace tracelake::storage
