// LatencySketch: a mergeable quantile sketch of durations (DDSketch, Masson et al., VLDB 2019)
// with a 1% relative-error guarantee. Dashboards keep one per rollup row and merge them.
//
// A value v > 0 (nanoseconds) goes to bucket i = ceil(log_gamma(v)), gamma = (1 + a) / (1 - a),
// a = kRelativeError; bucket i holds (gamma^(i-1), gamma^i] and is reported as
// 2 gamma^i / (gamma + 1), which is within a of every value in it. Zero (and negative) values
// have their own exact bucket. Counts are signed so a contribution can be taken back exactly
// (a late root changes a trace's duration; a re-delivered span replaces its old copy):
// Add(v, -1) undoes Add(v, 1).
//
// Quantile(q) returns the estimate for the value of rank floor(q * (n - 1)) (0-based) in sorted
// order, so it is within kRelativeError of that exact value (tests/storage checks this).
//
// Confine each object to one thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tracelake/status.h"

namespace tracelake::storage {

class LatencySketch {
 public:
  static constexpr double kRelativeError = 0.01;

  // Adds `count` occurrences of value_ns (count may be negative to take values back).
  void Add(int64_t value_ns, int64_t count = 1);
  void Merge(const LatencySketch& other);
  // Adds other's counts multiplied by sign (+1 or -1).
  void MergeSigned(const LatencySketch& other, int64_t sign);

  int64_t count() const { return count_; }
  bool empty() const { return count_ == 0 && zero_ == 0 && counts_.empty(); }
  // The q-quantile (0 <= q <= 1) in nanoseconds; 0 when empty.
  double Quantile(double q) const;

  // Compact varint encoding; Decode/MergeEncoded refuse malformed bytes with kDataLoss.
  std::string Encode() const;
  static Result<LatencySketch> Decode(std::string_view bytes);
  // Merges an encoded sketch without materializing it (the hot loop of rollup queries).
  Status MergeEncoded(std::string_view bytes, int64_t sign = 1);

  // The bucket index of a positive value (exposed for tests).
  static int32_t IndexOf(int64_t value_ns);
  static double ValueOf(int32_t index);

 private:
  void Grow(int32_t index);
  void Trim();

  int64_t count_ = 0;  // all values, zero bucket included
  int64_t zero_ = 0;   // values <= 0
  int32_t offset_ = 0;  // index of counts_[0]
  std::vector<int64_t> counts_;
};

}  // namespace tracelake::storage
