#include "storage/latency_sketch.h"

#include <algorithm>
#include <cmath>

namespace tracelake::storage {
namespace {

const double kGamma = (1 + LatencySketch::kRelativeError) / (1 - LatencySketch::kRelativeError);
const double kLogGamma = std::log(kGamma);

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}
uint64_t ZigZag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

bool GetVarint(std::string_view& in, uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (in.empty()) return false;
    const auto b = static_cast<uint8_t>(in.front());
    in.remove_prefix(1);
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return true;
  }
  return false;
}

// Indexes of values up to ~1e18 ns stay far below this; anything outside is corrupt input.
constexpr int64_t kMaxIndex = 1 << 16;
constexpr uint64_t kMaxBuckets = 1 << 16;

}  // namespace

int32_t LatencySketch::IndexOf(int64_t value_ns) {
  return static_cast<int32_t>(std::ceil(std::log(static_cast<double>(value_ns)) / kLogGamma));
}

double LatencySketch::ValueOf(int32_t index) {
  return 2 * std::pow(kGamma, index) / (kGamma + 1);
}

void LatencySketch::Grow(int32_t index) {
  if (counts_.empty()) {
    offset_ = index;
    counts_.assign(1, 0);
    return;
  }
  if (index < offset_) {
    counts_.insert(counts_.begin(), static_cast<size_t>(offset_ - index), 0);
    offset_ = index;
  } else if (index >= offset_ + static_cast<int32_t>(counts_.size())) {
    counts_.resize(static_cast<size_t>(index - offset_ + 1), 0);
  }
}

void LatencySketch::Trim() {
  size_t first = 0;
  while (first < counts_.size() && counts_[first] == 0) ++first;
  if (first == counts_.size()) {
    counts_.clear();
    offset_ = 0;
    return;
  }
  size_t last = counts_.size();
  while (counts_[last - 1] == 0) --last;
  counts_.resize(last);
  counts_.erase(counts_.begin(), counts_.begin() + static_cast<std::ptrdiff_t>(first));
  offset_ += static_cast<int32_t>(first);
}

void LatencySketch::Add(int64_t value_ns, int64_t count) {
  count_ += count;
  if (value_ns <= 0) {
    zero_ += count;
    return;
  }
  const int32_t i = IndexOf(value_ns);
  Grow(i);
  counts_[static_cast<size_t>(i - offset_)] += count;
  if (count < 0) Trim();
}

void LatencySketch::Merge(const LatencySketch& other) { MergeSigned(other, 1); }

void LatencySketch::MergeSigned(const LatencySketch& other, int64_t sign) {
  count_ += sign * other.count_;
  zero_ += sign * other.zero_;
  if (other.counts_.empty()) return;
  Grow(other.offset_);
  Grow(other.offset_ + static_cast<int32_t>(other.counts_.size()) - 1);
  const size_t base = static_cast<size_t>(other.offset_ - offset_);
  for (size_t k = 0; k < other.counts_.size(); ++k) counts_[base + k] += sign * other.counts_[k];
  if (sign < 0) Trim();
}

double LatencySketch::Quantile(double q) const {
  if (count_ <= 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  const auto rank = static_cast<int64_t>(std::floor(q * static_cast<double>(count_ - 1)));
  int64_t seen = zero_;
  if (rank < seen) return 0;
  for (size_t k = 0; k < counts_.size(); ++k) {
    seen += counts_[k];
    if (rank < seen) return ValueOf(offset_ + static_cast<int32_t>(k));
  }
  return counts_.empty() ? 0 : ValueOf(offset_ + static_cast<int32_t>(counts_.size()) - 1);
}

// Layout: varint zero count (zigzag), zigzag offset, varint bucket count, then zigzag counts.
// The total is the sum, so it is not stored.
std::string LatencySketch::Encode() const {
  std::string out;
  out.reserve(8 + counts_.size() * 2);
  PutVarint(out, ZigZag(zero_));
  PutVarint(out, ZigZag(offset_));
  PutVarint(out, counts_.size());
  for (int64_t c : counts_) PutVarint(out, ZigZag(c));
  return out;
}

Result<LatencySketch> LatencySketch::Decode(std::string_view bytes) {
  LatencySketch s;
  RETURN_IF_ERROR(s.MergeEncoded(bytes));
  return s;
}

Status LatencySketch::MergeEncoded(std::string_view in, int64_t sign) {
  uint64_t zero = 0, offset = 0, n = 0;
  if (!GetVarint(in, zero) || !GetVarint(in, offset) || !GetVarint(in, n) || n > kMaxBuckets)
    return DataLossError("A latency sketch is malformed");
  const int64_t first = UnZigZag(offset);
  if (first < -kMaxIndex || first + static_cast<int64_t>(n) > kMaxIndex)
    return DataLossError("A latency sketch is malformed");
  const int64_t z = UnZigZag(zero) * sign;
  zero_ += z;
  count_ += z;
  if (n == 0) return in.empty() ? OkStatus() : DataLossError("A latency sketch is malformed");
  Grow(static_cast<int32_t>(first));
  Grow(static_cast<int32_t>(first + static_cast<int64_t>(n) - 1));
  const size_t base = static_cast<size_t>(first - offset_);
  for (size_t k = 0; k < n; ++k) {
    uint64_t c = 0;
    if (!GetVarint(in, c)) return DataLossError("A latency sketch is malformed");
    const int64_t v = UnZigZag(c) * sign;
    counts_[base + k] += v;
    count_ += v;
  }
  if (!in.empty()) return DataLossError("A latency sketch is malformed");
  if (sign < 0) Trim();
  return OkStatus();
}

}  // namespace tracelake::storage
