#include "storage/latency_sketch.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace tracelake::storage {
namespace {

double ExactQuantile(std::vector<int64_t> v, double q) {
  std::sort(v.begin(), v.end());
  return static_cast<double>(v[static_cast<size_t>(std::floor(q * static_cast<double>(v.size() - 1)))]);
}

void ExpectWithinError(double estimate, double exact) {
  EXPECT_LE(std::abs(estimate - exact), LatencySketch::kRelativeError * exact + 1e-9)
      << "estimate " << estimate << " exact " << exact;
}

TEST(LatencySketchTest, QuantilesAreWithinTheRelativeErrorOfExactRanks) {
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> dist(std::log(50e6), 1.5);  // ~50 ms, wide tail
  std::vector<int64_t> values;
  LatencySketch sketch;
  for (int i = 0; i < 20000; ++i) {
    const auto v = static_cast<int64_t>(dist(rng)) + 1;
    values.push_back(v);
    sketch.Add(v);
  }
  EXPECT_EQ(sketch.count(), 20000);
  for (double q : {0.0, 0.01, 0.25, 0.5, 0.9, 0.99, 0.999, 1.0})
    ExpectWithinError(sketch.Quantile(q), ExactQuantile(values, q));
}

TEST(LatencySketchTest, ZeroDurationsAreExact) {
  LatencySketch s;
  s.Add(0, 3);
  s.Add(1'000'000);
  EXPECT_EQ(s.Quantile(0.5), 0);
  ExpectWithinError(s.Quantile(1.0), 1e6);
  EXPECT_EQ(LatencySketch().Quantile(0.5), 0);
}

TEST(LatencySketchTest, MergeEqualsOneSketchOfAllValues) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int64_t> dist(1, 10'000'000'000);
  LatencySketch a, b, all;
  for (int i = 0; i < 5000; ++i) {
    const int64_t v = dist(rng);
    (i % 3 == 0 ? a : b).Add(v);
    all.Add(v);
  }
  a.Merge(b);
  EXPECT_EQ(a.Encode(), all.Encode());
  LatencySketch c;
  ASSERT_TRUE(c.MergeEncoded(b.Encode()).ok());
  ASSERT_TRUE(c.MergeEncoded(all.Encode()).ok());
  ASSERT_TRUE(c.MergeEncoded(b.Encode(), -1).ok());
  EXPECT_EQ(c.Encode(), all.Encode());
}

TEST(LatencySketchTest, TakingValuesBackRestoresTheSketch) {
  LatencySketch s;
  s.Add(5'000'000);
  const std::string before = s.Encode();
  s.Add(900'000'000);
  s.Add(1);
  s.Add(900'000'000, -1);
  s.Add(1, -1);
  EXPECT_EQ(s.Encode(), before);
  s.Add(5'000'000, -1);
  EXPECT_TRUE(s.empty());
}

TEST(LatencySketchTest, EncodingRoundTripsAndRejectsGarbage) {
  LatencySketch s;
  for (int64_t v : {0LL, 1LL, 999LL, 123'456'789LL, 3'600'000'000'000LL}) s.Add(v);
  auto decoded = LatencySketch::Decode(s.Encode());
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->Encode(), s.Encode());
  EXPECT_EQ(decoded->count(), 5);
  std::string truncated = s.Encode();
  truncated.pop_back();
  EXPECT_EQ(LatencySketch::Decode(truncated).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(LatencySketch::Decode("\xff\xff\xff").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(LatencySketch::Decode(std::string("\x00\x00\xff\xff\x7f", 5)).status().code(),
            StatusCode::kDataLoss);
}

TEST(LatencySketchTest, BucketBoundsHoldTheRelativeError) {
  for (int64_t v : {1LL, 2LL, 10LL, 1000LL, 1'000'000LL, 123'456'789'012LL}) {
    const double est = LatencySketch::ValueOf(LatencySketch::IndexOf(v));
    ExpectWithinError(est, static_cast<double>(v));
  }
}

}  // namespace
}  // namespace tracelake::storage
