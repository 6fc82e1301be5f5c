// Clock: the one way logic reads time, so tests can drive a FakeClock.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace tracelake {

// Safe for concurrent use.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowUnixNanos() const = 0;
  int64_t NowUnixMillis() const { return NowUnixNanos() / 1000000; }
};

class SystemClock final : public Clock {
 public:
  int64_t NowUnixNanos() const override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  static const Clock& Default() {
    static const SystemClock kClock;
    return kClock;
  }
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t now_ns = 0) : now_ns_(now_ns) {}
  int64_t NowUnixNanos() const override { return now_ns_.load(); }
  void SetNanos(int64_t ns) { now_ns_.store(ns); }
  void AdvanceNanos(int64_t ns) { now_ns_.fetch_add(ns); }

 private:
  std::atomic<int64_t> now_ns_;
};

}  // namespace tracelake
