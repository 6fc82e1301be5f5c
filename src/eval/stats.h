#pragma once

// Statistics for evaluation results: pass rates with Wilson intervals and the paired comparison
// of two runs on the same records (McNemar's exact test). Pure functions, no I/O.
//
// A verdict is yes, no or unknown. Unknown (the judge could not tell, or failed) is counted and
// reported but never enters a pass rate: the rate is yes / (yes + no), as MLflow's `<name>/mean`
// is the mean over the feedbacks that have a value.

#include <cstdint>
#include <string>
#include <vector>

#include "eval/feedback.h"

namespace tracelake::eval {

// A two-sided confidence interval for a proportion, in [0, 1].
struct Interval {
  double low = 0;
  double high = 1;
};

// The Wilson score interval for `successes` out of `trials` at the confidence level of `z`
// (1.959964 for 95%). With no trials the interval is [0, 1].
Interval WilsonInterval(int64_t successes, int64_t trials, double z = 1.959963984540054);

struct PassRate {
  int64_t yes = 0;
  int64_t no = 0;
  int64_t unknown = 0;
  // yes / (yes + no); 0 when nothing was decided (then `decided()` is 0 and the interval [0, 1]).
  double rate = 0;
  Interval interval;  // 95% Wilson interval of `rate`

  int64_t decided() const { return yes + no; }
  int64_t total() const { return yes + no + unknown; }
};

// Values that are not pass/fail (Verdict::kValue) are left out: they have no pass rate.
PassRate Summarize(const std::vector<Verdict>& verdicts);
PassRate SummarizeCounts(int64_t yes, int64_t no, int64_t unknown);

// One record's verdicts in two runs (A, then B); a value verdict counts as unknown here.
struct PairedVerdict {
  Verdict a = Verdict::kUnknown;
  Verdict b = Verdict::kUnknown;
};

struct PairedComparison {
  int64_t both_yes = 0;
  int64_t both_no = 0;
  int64_t yes_to_no = 0;     // passed in A, failed in B (a regression)
  int64_t no_to_yes = 0;     // failed in A, passed in B (an improvement)
  int64_t with_unknown = 0;  // unknown in A or B: left out of the test
  // Pass rates over the records decided in both runs.
  double rate_a = 0;
  double rate_b = 0;
  // Two-sided exact McNemar p-value over the discordant pairs (1 when there are none).
  double p_value = 1;

  // True when the change is more than noise at level `alpha`.
  bool Significant(double alpha = 0.05) const { return p_value < alpha; }
};

PairedComparison ComparePaired(const std::vector<PairedVerdict>& pairs);

// Two-sided exact McNemar test: P(X <= min(b, c)) * 2 for X ~ Binomial(b + c, 1/2), capped at 1.
double McNemarExactP(int64_t b, int64_t c);

const char* VerdictName(Verdict v);  // "yes", "no", "unknown", "value"

}  // namespace tracelake::eval
