#include "eval/stats.h"

#include <algorithm>
#include <cmath>

namespace tracelake::eval {

Interval WilsonInterval(int64_t successes, int64_t trials, double z) {
  if (trials <= 0) return {};
  const double n = static_cast<double>(trials);
  const double p = static_cast<double>(successes) / n;
  const double z2 = z * z;
  const double denom = 1 + z2 / n;
  const double center = (p + z2 / (2 * n)) / denom;
  const double half = z * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom;
  return {std::max(0.0, center - half), std::min(1.0, center + half)};
}

PassRate SummarizeCounts(int64_t yes, int64_t no, int64_t unknown) {
  PassRate r;
  r.yes = yes;
  r.no = no;
  r.unknown = unknown;
  if (r.decided() > 0) r.rate = static_cast<double>(yes) / static_cast<double>(r.decided());
  r.interval = WilsonInterval(yes, r.decided());
  return r;
}

PassRate Summarize(const std::vector<Verdict>& verdicts) {
  int64_t yes = 0, no = 0, unknown = 0;
  for (Verdict v : verdicts) {
    if (v == Verdict::kYes) {
      ++yes;
    } else if (v == Verdict::kNo) {
      ++no;
    } else if (v == Verdict::kUnknown) {
      ++unknown;
    }
  }
  return SummarizeCounts(yes, no, unknown);
}

double McNemarExactP(int64_t b, int64_t c) {
  const int64_t n = b + c;
  if (n == 0) return 1;
  const int64_t k = std::min(b, c);
  // Sum the binomial tail in log space so that large n neither overflows nor underflows early.
  const double log_half_n = static_cast<double>(n) * std::log(0.5);
  const double lg_n1 = std::lgamma(static_cast<double>(n) + 1);
  double tail = 0;
  for (int64_t i = 0; i <= k; ++i) {
    const double log_term = lg_n1 - std::lgamma(static_cast<double>(i) + 1) -
                            std::lgamma(static_cast<double>(n - i) + 1) + log_half_n;
    tail += std::exp(log_term);
  }
  return std::min(1.0, 2 * tail);
}

PairedComparison ComparePaired(const std::vector<PairedVerdict>& pairs) {
  PairedComparison c;
  for (const PairedVerdict& p : pairs) {
    auto undecided = [](Verdict v) { return v != Verdict::kYes && v != Verdict::kNo; };
    if (undecided(p.a) || undecided(p.b)) {
      ++c.with_unknown;
    } else if (p.a == Verdict::kYes) {
      ++(p.b == Verdict::kYes ? c.both_yes : c.yes_to_no);
    } else {
      ++(p.b == Verdict::kYes ? c.no_to_yes : c.both_no);
    }
  }
  const int64_t decided = c.both_yes + c.both_no + c.yes_to_no + c.no_to_yes;
  if (decided > 0) {
    c.rate_a = static_cast<double>(c.both_yes + c.yes_to_no) / static_cast<double>(decided);
    c.rate_b = static_cast<double>(c.both_yes + c.no_to_yes) / static_cast<double>(decided);
  }
  c.p_value = McNemarExactP(c.yes_to_no, c.no_to_yes);
  return c;
}

const char* VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kYes:
      return "yes";
    case Verdict::kNo:
      return "no";
    case Verdict::kValue:
      return "value";
    case Verdict::kUnknown:
      break;
  }
  return "unknown";
}

}  // namespace tracelake::eval
