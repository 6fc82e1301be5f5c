// Retrier: runs an attempt again after retryable failures, waiting an exponential backoff with
// jitter (or what the server's Retry-After asks), never past a deadline. Time, sleeping and
// randomness come in through Clock, Sleeper and RandomSource, so tests drive a FakeClock and
// never sleep.
//
//   llm::Retrier retrier(policy, clock, sleeper, random);
//   llm::Retrier::Outcome o = retrier.Run(deadline, [&](int attempt) {
//     Result<HttpResponse> r = http.Post(MakeRequest(deadline));
//     if (!r.ok()) return llm::AttemptVerdict{r.status(), /*retryable=*/true, std::nullopt};
//     if (r->status == 200) return llm::AttemptVerdict{};
//     return llm::AttemptVerdict{UnavailableError("HTTP " + std::to_string(r->status)),
//                                llm::IsRetryableHttpStatus(r->status),
//                                llm::ParseRetryAfter(r->Header("retry-after").value_or(""))};
//   });
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <string_view>

#include "common/clock.h"
#include "llm/deadline.h"
#include "tracelake/status.h"

namespace tracelake::llm {

struct RetryPolicy {
  int max_retries = 2;  // attempts = 1 + max_retries
  std::chrono::milliseconds initial_backoff{500};
  std::chrono::milliseconds max_backoff{8000};  // also caps Retry-After
  // Each backoff loses a random part of up to this fraction of itself, so clients that failed
  // together do not retry together. 0 disables; clamped to [0, 1].
  double jitter = 0.2;
};

// Uniform doubles in [0, 1). Implementations say whether they are safe for concurrent use.
class RandomSource {
 public:
  virtual ~RandomSource() = default;
  virtual double NextUnit() = 0;
};

// A seeded Mersenne twister behind a mutex. Safe for concurrent use.
class DefaultRandomSource final : public RandomSource {
 public:
  explicit DefaultRandomSource(uint64_t seed) : engine_(seed) {}
  double NextUnit() override;
  // Process-wide, seeded from std::random_device.
  static RandomSource& Default();

 private:
  std::mutex mu_;
  std::mt19937_64 engine_;  // GUARDED_BY(mu_)
};

// Blocks the calling thread. Implementations say whether they are safe for concurrent use.
class Sleeper {
 public:
  virtual ~Sleeper() = default;
  virtual void SleepFor(std::chrono::nanoseconds duration) = 0;
};

// std::this_thread::sleep_for. Safe for concurrent use.
class RealSleeper final : public Sleeper {
 public:
  void SleepFor(std::chrono::nanoseconds duration) override;
  static Sleeper& Default();
};

// What one attempt ended with.
struct AttemptVerdict {
  Status status;           // OK ends the loop
  bool retryable = false;  // whether a failure may succeed when tried again
  std::optional<std::chrono::milliseconds> retry_after;  // the server's wish, if it said one
};

// 408, 409, 429 and 5xx: the answers the OpenAI SDKs retry.
bool IsRetryableHttpStatus(int http_status);

// Retry-After as delay seconds (at most a day); nullopt for HTTP dates and garbage, where the
// backoff applies.
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value);

// Confine each Run to one thread; the Retrier itself holds no state between runs and is safe
// for concurrent use when its clock, sleeper and random source are.
class Retrier {
 public:
  // All borrowed; must outlive the Retrier.
  Retrier(RetryPolicy policy, const Clock& clock, Sleeper& sleeper, RandomSource& random);

  struct Outcome {
    Status status;     // of the last attempt
    int attempts = 0;  // made, >= 1
  };

  // Calls attempt(0), attempt(1), ... until one succeeds or is not retryable, the retries are
  // used up, or the next wait would reach the deadline; the last attempt's status is returned
  // then. Waits min(retry_after, max_backoff) when the attempt gave one, else Backoff().
  // before_retry, when set, sees each wait before it is slept.
  Outcome Run(Deadline deadline, const std::function<AttemptVerdict(int attempt)>& attempt,
              const std::function<void(std::chrono::nanoseconds wait)>& before_retry = {}) const;

  // The wait before retry number `retry` (1-based) when the server said nothing:
  // initial_backoff * 2^(retry-1), capped at max_backoff, less a random jitter part.
  std::chrono::nanoseconds Backoff(int retry) const;

  const RetryPolicy& policy() const { return policy_; }

 private:
  RetryPolicy policy_;
  const Clock& clock_;
  Sleeper& sleeper_;
  RandomSource& random_;
};

}  // namespace tracelake::llm
