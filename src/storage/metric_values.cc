#include "storage/metric_values.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace tracelake::storage {

std::optional<double> AggregateValues(ValueCell& cell, ValueAggregation aggregation,
                                      double percentile) {
  std::vector<double>& v = cell.values;
  switch (aggregation) {
    case ValueAggregation::kCount:
      return static_cast<double>(cell.count);
    case ValueAggregation::kSum: {
      if (v.empty()) return std::nullopt;
      double sum = 0;
      for (double x : v) sum += x;
      return sum;
    }
    case ValueAggregation::kAvg: {
      if (v.empty()) return std::nullopt;
      double sum = 0;
      for (double x : v) sum += x;
      return sum / static_cast<double>(v.size());
    }
    case ValueAggregation::kMin:
      if (v.empty()) return std::nullopt;
      return *std::min_element(v.begin(), v.end());
    case ValueAggregation::kMax:
      if (v.empty()) return std::nullopt;
      return *std::max_element(v.begin(), v.end());
    case ValueAggregation::kPercentile: {
      if (v.empty()) return std::nullopt;
      const double q = std::clamp(percentile, 0.0, 100.0) / 100.0;
      const double h = q * static_cast<double>(v.size() - 1);
      const auto lo = static_cast<size_t>(std::floor(h));
      const size_t hi = std::min(lo + 1, v.size() - 1);
      // Two selections instead of a full sort: the lower rank, then the smallest above it.
      std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(lo), v.end());
      const double a = v[lo];
      double b = a;
      if (hi != lo) b = *std::min_element(v.begin() + static_cast<std::ptrdiff_t>(hi), v.end());
      const double frac = h - static_cast<double>(lo);
      return frac == 0 ? a : a + frac * (b - a);
    }
  }
  return std::nullopt;
}

std::optional<double> AssessmentNumericValue(std::string_view value_json) {
  const auto first = value_json.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return std::nullopt;
  const auto last = value_json.find_last_not_of(" \t\r\n");
  const std::string_view s = value_json.substr(first, last - first + 1);
  if (s == "true" || s == "\"yes\"") return 1.0;
  if (s == "false" || s == "\"no\"") return 0.0;
  if (s == "null" || s.front() == '"' || s.front() == '[' || s.front() == '{') return std::nullopt;
  double out = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(out)) return std::nullopt;
  return out;
}

}  // namespace tracelake::storage
