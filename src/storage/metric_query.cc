#include "storage/metric_query.h"

#include <algorithm>
#include <cmath>

namespace tracelake::storage {

int64_t BucketStart(const MetricQuery& q, int64_t t_ms) {
  if (!q.bucket_ms) return q.start_ms;
  const int64_t b = *q.bucket_ms;
  int64_t k = t_ms / b;
  if (t_ms % b != 0 && t_ms < 0) --k;
  return k * b;
}

void LatencyValues::Merge(LatencyValues&& other) {
  if (other.exact && other.values_ns.empty()) return;
  if (!other.exact && other.sketch.empty()) return;
  if (count() == 0 && values_ns.empty() && sketch.empty()) {
    *this = std::move(other);
    return;
  }
  if (exact && other.exact) {
    values_ns.insert(values_ns.end(), other.values_ns.begin(), other.values_ns.end());
    return;
  }
  // Mixed: fall back to the sketch.
  if (exact) {
    for (int64_t v : values_ns) sketch.Add(v);
    values_ns.clear();
    exact = false;
  }
  if (other.exact) {
    for (int64_t v : other.values_ns) sketch.Add(v);
  } else {
    sketch.Merge(other.sketch);
  }
}

double LatencyValues::Quantile(double q) {
  if (!exact) return sketch.Quantile(q);
  if (values_ns.empty()) return 0;
  q = std::clamp(q, 0.0, 1.0);
  const auto rank = static_cast<size_t>(
      std::floor(q * static_cast<double>(values_ns.size() - 1)));
  std::nth_element(values_ns.begin(), values_ns.begin() + static_cast<std::ptrdiff_t>(rank),
                   values_ns.end());
  return static_cast<double>(values_ns[rank]);
}

}  // namespace tracelake::storage
