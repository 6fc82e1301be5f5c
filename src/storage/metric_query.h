// Metric queries: aggregate statistics over an experiment's traces and spans for dashboards and
// the metrics REST API (docs/metrics.md). Backend-neutral: a TraceStore answers a MetricQuery
// with MetricCells (one per time bucket x group x model); metric_series.h turns cells into the
// named metric values (percentiles, rates, cost).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/span.h"
#include "query/filter.h"
#include "storage/latency_sketch.h"

namespace tracelake::storage {

// Trace metrics count traces, bucketed by request time; span metrics count spans (and their
// tokens), bucketed by each span's start time.
enum class MetricLevel { kTrace, kSpan };

enum class MetricDimension {
  kStatus,      // the trace's state: OK, ERROR, IN_PROGRESS
  kSpanName,    // span level only
  kSpanType,    // span level only; "UNKNOWN" when untyped
  kSpanStatus,  // span level only: UNSET, OK, ERROR
  kModel,       // span level only; "" when the span names no model
  kErrorType,   // span level only: exception.type of a failed span ("" when none or not failed)
  kTag,         // trace tag `key`; absent = no value
  kMetadata,    // trace metadata `key`
};

struct MetricGroupBy {
  MetricDimension dimension = MetricDimension::kStatus;
  std::string key;    // for kTag / kMetadata
  std::string label;  // as the caller wrote it ("span_name", "tag.user"), echoed in answers
};

struct MetricQuery {
  MetricLevel level = MetricLevel::kTrace;
  std::vector<std::string> experiment_ids;  // at least one
  int64_t start_ms = 0;                     // inclusive
  int64_t end_ms = 0;                       // exclusive
  std::optional<int64_t> bucket_ms;         // buckets aligned to multiples of it; none = one total
  std::vector<MetricGroupBy> group_by;
  const query::Expr* filter = nullptr;      // the search grammar; nullable
  // Reads raw rows (exact percentiles) even where rollups could answer.
  bool exact = false;
};

// Latencies of a cell: a sketch (rollups) or every value (raw rows, exact).
struct LatencyValues {
  bool exact = false;
  LatencySketch sketch;
  std::vector<int64_t> values_ns;

  int64_t count() const { return exact ? static_cast<int64_t>(values_ns.size()) : sketch.count(); }
  void Merge(LatencyValues&& other);
  // The q-quantile in ns (0 when empty); exact values use rank floor(q * (n - 1)) as the sketch.
  double Quantile(double q);
};

struct MetricCell {
  int64_t time_ms = 0;  // bucket start (start_ms when the query has no bucket)
  std::vector<std::optional<std::string>> group;  // one per group_by; nullopt = no value
  std::string model;    // span level: model of the token counts ("" = none); "" at trace level
  int64_t count = 0;    // traces or spans
  int64_t error_count = 0;
  int64_t input_tokens = 0, output_tokens = 0, cached_input_tokens = 0, total_tokens = 0;
  LatencyValues latency;  // trace durations (IN_PROGRESS traces excluded) or span durations
};

struct MetricTable {
  std::vector<MetricCell> cells;
  bool from_rollups = false;  // answered from rollups (sketch percentiles) vs raw rows (exact)
};

// Token usage of one trace per model (trace-level cost).
struct ModelUsage {
  std::string model;
  model::TokenUsage usage;
};

// Bucket start of time t (ms) for the query (start_ms when unbucketed).
int64_t BucketStart(const MetricQuery& q, int64_t t_ms);

}  // namespace tracelake::storage
