#include "eval/online_sampling.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "common/sha256.h"

namespace tracelake::eval {

double SampleHash(std::string_view entity_id, std::string_view scorer) {
  std::string input;
  input.reserve(entity_id.size() + scorer.size() + 1);
  input.append(entity_id).append(":").append(scorer);
  const std::string hex = Sha256Hex(input);
  // The leading 64 bits of the 256-bit digest: the fraction to within 2^-64, all a rate compare
  // can see.
  uint64_t top = 0;
  for (size_t i = 0; i < 16; ++i) {
    const char c = hex[i];
    top = (top << 4) | static_cast<uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
  }
  return std::ldexp(static_cast<double>(top), -64);
}

std::vector<size_t> DenseSample(std::string_view entity_id,
                                const std::vector<SampledScorer>& scorers) {
  std::vector<size_t> order(scorers.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return scorers[a].sample_rate > scorers[b].sample_rate;
  });
  std::vector<size_t> picked;
  double prev = 1.0;
  for (size_t i : order) {
    const double rate = scorers[i].sample_rate;
    const double conditional = prev > 0 ? rate / prev : 0;
    if (rate <= 0 || SampleHash(entity_id, scorers[i].name) > conditional) break;
    picked.push_back(i);
    prev = rate;
  }
  return picked;
}

}  // namespace tracelake::eval
