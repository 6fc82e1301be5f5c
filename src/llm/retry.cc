#include "llm/retry.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <thread>

namespace tracelake::llm {

double DefaultRandomSource::NextUnit() {
  std::lock_guard<std::mutex> lock(mu_);
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine_);
}

RandomSource& DefaultRandomSource::Default() {
  static DefaultRandomSource source(std::random_device{}());
  return source;
}

void RealSleeper::SleepFor(std::chrono::nanoseconds duration) {
  if (duration.count() > 0) std::this_thread::sleep_for(duration);
}

Sleeper& RealSleeper::Default() {
  static RealSleeper sleeper;
  return sleeper;
}

bool IsRetryableHttpStatus(int http_status) {
  return http_status == 408 || http_status == 409 || http_status == 429 || http_status >= 500;
}

std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
    value.remove_suffix(1);
  int64_t seconds = 0;
  auto r = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (r.ec != std::errc() || r.ptr != value.data() + value.size() || seconds < 0)
    return std::nullopt;
  return std::chrono::milliseconds(std::min<int64_t>(seconds, int64_t{24} * 3600) * 1000);
}

Retrier::Retrier(RetryPolicy policy, const Clock& clock, Sleeper& sleeper, RandomSource& random)
    : policy_(policy), clock_(clock), sleeper_(sleeper), random_(random) {}

std::chrono::nanoseconds Retrier::Backoff(int retry) const {
  const std::chrono::nanoseconds cap = policy_.max_backoff;
  std::chrono::nanoseconds base = policy_.initial_backoff;
  for (int i = 1; i < retry && base < cap; ++i) base *= 2;
  base = std::clamp(base, std::chrono::nanoseconds(0), cap);
  const double jitter = std::clamp(policy_.jitter, 0.0, 1.0);
  if (jitter == 0.0) return base;
  const double unit = std::clamp(random_.NextUnit(), 0.0, 1.0);
  const auto cut = static_cast<int64_t>(static_cast<double>(base.count()) * jitter * unit);
  return base - std::chrono::nanoseconds(cut);
}

Retrier::Outcome Retrier::Run(
    Deadline deadline, const std::function<AttemptVerdict(int attempt)>& attempt,
    const std::function<void(std::chrono::nanoseconds wait)>& before_retry) const {
  Outcome out;
  for (int n = 0;; ++n) {
    AttemptVerdict verdict = attempt(n);
    out.attempts = n + 1;
    out.status = std::move(verdict.status);
    if (out.status.ok() || !verdict.retryable || n >= policy_.max_retries) return out;
    std::chrono::nanoseconds wait = Backoff(n + 1);
    if (verdict.retry_after) {
      wait = std::min<std::chrono::nanoseconds>(*verdict.retry_after, policy_.max_backoff);
    }
    // A retry that could only start at or after the deadline would fail anyway; give the
    // caller the real error now instead of a timeout later.
    if (wait >= deadline.Remaining(clock_)) return out;
    if (before_retry) before_retry(wait);
    sleeper_.SleepFor(wait);
  }
}

}  // namespace tracelake::llm
