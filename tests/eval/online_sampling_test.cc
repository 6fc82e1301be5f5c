// MLflow's dense, deterministic sampling of live traces.
#include "eval/online_sampling.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace tracelake::eval {
namespace {

std::string Id(int i) { return "tr-" + std::to_string(1000000 + i) + "abcdef"; }

TEST(DenseSampleTest, SameTraceSameChoiceAndLowerRatesAreSubsets) {
  const std::vector<SampledScorer> scorers = {{"fluency", 0.1}, {"safety", 0.5}, {"all", 1.0}};
  std::set<int> ten, fifty;
  const int n = 4000;
  for (int i = 0; i < n; ++i) {
    std::vector<size_t> picked = DenseSample(Id(i), scorers);
    EXPECT_EQ(picked, DenseSample(Id(i), scorers));  // deterministic
    // Highest rate first; the 100% scorer always.
    ASSERT_FALSE(picked.empty());
    EXPECT_EQ(picked[0], 2U);
    for (size_t k : picked) {
      if (k == 1) fifty.insert(i);
      if (k == 0) ten.insert(i);
    }
  }
  // Every trace the 10% scorer sees, the 50% scorer sees too.
  for (int i : ten) EXPECT_TRUE(fifty.count(i)) << i;
  // The rates hold (binomial: far outside 6 standard deviations would be a bug, not chance).
  EXPECT_NEAR(static_cast<double>(fifty.size()) / n, 0.5, 0.05);
  EXPECT_NEAR(static_cast<double>(ten.size()) / n, 0.1, 0.03);
}

TEST(DenseSampleTest, ZeroRateNeverAndTheWalkStopsAtTheFirstRejection) {
  EXPECT_TRUE(DenseSample("tr-x", {{"off", 0.0}}).empty());
  EXPECT_TRUE(DenseSample("tr-x", {}).empty());
  // A scorer is only reached through the ones with higher rates.
  for (int i = 0; i < 500; ++i) {
    std::vector<size_t> picked = DenseSample(Id(i), {{"a", 0.3}, {"b", 0.2}});
    if (!picked.empty()) {
      EXPECT_EQ(picked[0], 0U);
    }
    if (picked.size() == 2) {
      EXPECT_EQ(picked[1], 1U);
    }
    EXPECT_EQ(picked.empty(), SampleHash(Id(i), "a") > 0.3);
  }
}

TEST(DenseSampleTest, HashIsAFractionOfSha256) {
  // int(hashlib.sha256(b"tr-1:s").hexdigest(), 16) / 2**256, as MLflow's sampler computes it.
  const double h = SampleHash("tr-1", "s");
  EXPECT_NEAR(h, 0.9802354515192412, 1e-12);
  EXPECT_NE(h, SampleHash("tr-1", "t"));
}

}  // namespace
}  // namespace tracelake::eval
