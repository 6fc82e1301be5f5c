// Deadline: the instant, in Clock time, after which a call must give up. Every HTTP request
// and every retry loop in llm/ carries one; there is no default, so no call can be written
// without deciding how long it may take.
//
//   llm::Deadline d = llm::Deadline::After(clock, std::chrono::seconds(30));
//   if (d.Expired(clock)) return DeadlineExceededError("...");
#pragma once

#include <algorithm>
#include <chrono>
#include <compare>
#include <cstdint>
#include <limits>

#include "common/clock.h"

namespace tracelake::llm {

// A value; copy freely.
class Deadline {
 public:
  static Deadline AtUnixNanos(int64_t unix_nanos) { return Deadline(unix_nanos); }
  // now + timeout; saturates instead of overflowing.
  static Deadline After(const Clock& clock, std::chrono::nanoseconds timeout) {
    const int64_t now = clock.NowUnixNanos();
    const int64_t left = timeout.count();
    if (left > 0 && now > std::numeric_limits<int64_t>::max() - left)
      return Deadline(std::numeric_limits<int64_t>::max());
    return Deadline(now + left);
  }
  static Deadline Earlier(Deadline a, Deadline b) { return a < b ? a : b; }

  int64_t unix_nanos() const { return unix_nanos_; }
  // Time left; zero or negative once expired.
  std::chrono::nanoseconds Remaining(const Clock& clock) const {
    return std::chrono::nanoseconds(unix_nanos_ - clock.NowUnixNanos());
  }
  bool Expired(const Clock& clock) const { return Remaining(clock).count() <= 0; }

  friend bool operator==(Deadline a, Deadline b) { return a.unix_nanos_ == b.unix_nanos_; }
  friend bool operator<(Deadline a, Deadline b) { return a.unix_nanos_ < b.unix_nanos_; }

 private:
  explicit Deadline(int64_t unix_nanos) : unix_nanos_(unix_nanos) {}
  int64_t unix_nanos_;
};

}  // namespace tracelake::llm
