// RollupDelta: changes to the per-experiment, per-minute metric rollups that one write causes
// (docs/metrics.md, "Rollups"). Pure logic shared by every backend: the writer adds the
// contributions of new spans and trace aggregates with sign +1 and of replaced/deleted ones with
// -1, then applies the delta to its rollup tables in the same transaction as the write, so the
// rollups always equal an aggregation over the stored rows.
//
// Confine each object to one thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>

#include "model/span.h"
#include "storage/latency_sketch.h"
#include "storage/trace_aggregate.h"

namespace tracelake::storage {

// What rollups and raw metric queries need of one span.
struct SpanFacts {
  int64_t start_ns = 0;
  int64_t duration_ns = 0;
  std::string name;
  std::string type;  // "" for UNKNOWN
  int status = 0;    // model::SpanStatusCode
  std::string model;
  std::string provider;  // kept in span_facts for raw metric queries, not in rollups
  std::string error_type;  // failed spans: exception.type of its first exception event, or ""
  model::TokenUsage usage;
  std::optional<model::Cost> cost;  // the span's mlflow.llm.cost (raw metric queries only)

  // From a normalized span.
  static SpanFacts From(const model::Span& span);
  // Whether the backend must keep a per-span row for it (model, tokens, cost or an error type).
  bool HasExtras() const {
    return !model.empty() || !usage.empty() || cost.has_value() || !error_type.empty();
  }
};

inline constexpr int64_t kMinuteMs = 60'000;
inline constexpr int64_t kHourMs = 3'600'000;

struct TraceRollupKey {
  int64_t experiment_id = 0;
  int64_t minute_ms = 0;
  int state = 0;  // model::TraceState
  auto operator<=>(const TraceRollupKey&) const = default;
};

struct SpanRollupKey {
  int64_t experiment_id = 0;
  int64_t minute_ms = 0;
  std::string name, type;
  int status = 0;
  std::string model, error_type;
  auto operator<=>(const SpanRollupKey&) const = default;
};

struct RollupValues {
  int64_t count = 0;
  int64_t input_tokens = 0, output_tokens = 0, cached_input_tokens = 0, total_tokens = 0;
  LatencySketch latency;

  void Add(const RollupValues& v);
  // Adds nothing (e.g. a contribution that was taken back in the same delta).
  bool IsZero() const {
    return count == 0 && input_tokens == 0 && output_tokens == 0 && cached_input_tokens == 0 &&
           total_tokens == 0 && latency.empty();
  }
};

class RollupDelta {
 public:
  // The contribution of a trace row (its aggregate). IN_PROGRESS traces count but have no
  // latency. sign is +1 or -1.
  void AddTrace(int64_t experiment_id, const TraceAggregate& agg, int sign);
  void AddSpan(int64_t experiment_id, const SpanFacts& span, int sign);
  // Adds every contribution of other (deltas are sums, so applying the merged delta once equals
  // applying both).
  void Merge(const RollupDelta& other);

  bool empty() const { return traces_.empty() && spans_.empty(); }
  const std::map<TraceRollupKey, RollupValues>& traces() const { return traces_; }
  const std::map<SpanRollupKey, RollupValues>& spans() const { return spans_; }
  void Clear() {
    traces_.clear();
    spans_.clear();
  }

 private:
  std::map<TraceRollupKey, RollupValues> traces_;
  std::map<SpanRollupKey, RollupValues> spans_;
};

// floor(ns / 1 minute) in ms, correct for negative times.
int64_t MinuteOf(int64_t time_ns);

}  // namespace tracelake::storage
