#include "eval/stats.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace tracelake::eval {
namespace {

// Reference values computed by hand from the formulas (Wilson 1927; exact binomial tails).

TEST(WilsonIntervalTest, MatchesTheClosedForm) {
  // p = 0.8, n = 10, z = 1.96: centre 0.71674, half-width 0.22656.
  Interval i = WilsonInterval(8, 10);
  EXPECT_NEAR(i.low, 0.49016, 1e-4);
  EXPECT_NEAR(i.high, 0.94332, 1e-4);
}

TEST(WilsonIntervalTest, StaysInsideZeroOneAtTheEdges) {
  Interval all = WilsonInterval(20, 20);
  EXPECT_NEAR(all.high, 1.0, 1e-12);
  EXPECT_NEAR(all.low, 20.0 / (20 + 1.959963984540054 * 1.959963984540054), 1e-9);
  Interval none = WilsonInterval(0, 20);
  EXPECT_NEAR(none.low, 0.0, 1e-12);
  EXPECT_NEAR(none.high, 1 - all.low, 1e-9);
}

TEST(WilsonIntervalTest, NoTrialsIsTheWholeRange) {
  Interval i = WilsonInterval(0, 0);
  EXPECT_EQ(i.low, 0);
  EXPECT_EQ(i.high, 1);
}

TEST(SummarizeTest, UnknownIsReportedButNeverCountedAsPass) {
  std::vector<Verdict> v = {Verdict::kYes, Verdict::kYes, Verdict::kNo, Verdict::kUnknown,
                            Verdict::kUnknown};
  PassRate r = Summarize(v);
  EXPECT_EQ(r.yes, 2);
  EXPECT_EQ(r.no, 1);
  EXPECT_EQ(r.unknown, 2);
  EXPECT_EQ(r.decided(), 3);
  EXPECT_EQ(r.total(), 5);
  EXPECT_DOUBLE_EQ(r.rate, 2.0 / 3.0);
  Interval expected = WilsonInterval(2, 3);
  EXPECT_DOUBLE_EQ(r.interval.low, expected.low);
  EXPECT_DOUBLE_EQ(r.interval.high, expected.high);
}

TEST(SummarizeTest, AllUnknownHasNoRate) {
  PassRate r = SummarizeCounts(0, 0, 4);
  EXPECT_EQ(r.rate, 0);
  EXPECT_EQ(r.interval.low, 0);
  EXPECT_EQ(r.interval.high, 1);
}

TEST(McNemarTest, ExactTwoSidedP) {
  // b = 1, c = 9: P(X <= 1) = (1 + 10) / 1024.
  EXPECT_NEAR(McNemarExactP(1, 9), 2 * 11.0 / 1024, 1e-12);
  EXPECT_NEAR(McNemarExactP(9, 1), 2 * 11.0 / 1024, 1e-12);
  // b = 0, c = 6: 2 / 64.
  EXPECT_NEAR(McNemarExactP(0, 6), 2.0 / 64, 1e-12);
  EXPECT_EQ(McNemarExactP(5, 5), 1.0);
  EXPECT_EQ(McNemarExactP(0, 0), 1.0);
}

TEST(McNemarTest, LargeCountsDoNotOverflow) {
  double p = McNemarExactP(4000, 6000);
  EXPECT_GE(p, 0);
  EXPECT_LT(p, 1e-40);
  EXPECT_GT(McNemarExactP(5000, 5010), 0.9);
}

TEST(ComparePairedTest, CountsTransitionsAndTestsThem) {
  std::vector<PairedVerdict> pairs;
  for (int i = 0; i < 10; ++i) pairs.push_back({Verdict::kYes, Verdict::kYes});
  for (int i = 0; i < 8; ++i) pairs.push_back({Verdict::kYes, Verdict::kNo});
  pairs.push_back({Verdict::kNo, Verdict::kYes});
  pairs.push_back({Verdict::kNo, Verdict::kNo});
  pairs.push_back({Verdict::kUnknown, Verdict::kYes});
  pairs.push_back({Verdict::kNo, Verdict::kUnknown});
  PairedComparison c = ComparePaired(pairs);
  EXPECT_EQ(c.both_yes, 10);
  EXPECT_EQ(c.yes_to_no, 8);
  EXPECT_EQ(c.no_to_yes, 1);
  EXPECT_EQ(c.both_no, 1);
  EXPECT_EQ(c.with_unknown, 2);
  EXPECT_DOUBLE_EQ(c.rate_a, 18.0 / 20);
  EXPECT_DOUBLE_EQ(c.rate_b, 11.0 / 20);
  // b = 8, c = 1: 2 * (1 + 9) / 512.
  EXPECT_NEAR(c.p_value, 20.0 / 512, 1e-12);
  EXPECT_TRUE(c.Significant());
  EXPECT_FALSE(c.Significant(0.01));
}

TEST(ComparePairedTest, NoChangeIsNotSignificant) {
  std::vector<PairedVerdict> pairs(5, {Verdict::kYes, Verdict::kYes});
  PairedComparison c = ComparePaired(pairs);
  EXPECT_EQ(c.p_value, 1);
  EXPECT_FALSE(c.Significant());
}

TEST(VerdictNameTest, Names) {
  EXPECT_STREQ(VerdictName(Verdict::kYes), "yes");
  EXPECT_STREQ(VerdictName(Verdict::kNo), "no");
  EXPECT_STREQ(VerdictName(Verdict::kUnknown), "unknown");
}

}  // namespace
}  // namespace tracelake::eval
