// Test doubles for llm/: FakeHttpClient answers from a script and records every request (with
// its deadline); FakeSleeper advances a FakeClock instead of sleeping; FixedRandomSource
// returns one value. Target tl_llm_testing; for tests only.
//
//   FakeClock clock;
//   llm::FakeHttpClient http(clock);
//   http.Enqueue(llm::HttpResponse{503, {{"retry-after", "2"}}, "", false});
//   http.Enqueue(UnavailableError("connection refused"));
//   http.EnqueueOk(R"({"choices":[...]})");
#pragma once

#include <chrono>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.h"
#include "llm/http_client.h"
#include "llm/retry.h"

namespace tracelake::llm {

// Safe for concurrent use.
class FakeHttpClient final : public HttpClient {
 public:
  struct Recorded {
    std::string url;
    Deadline deadline;
    HttpHeaders headers;
    std::string body;
    int64_t sent_unix_nanos;  // the clock when the call came in
  };

  // clock: read when a call comes in; a request whose deadline has passed by then gets
  // kDeadlineExceeded (and is still recorded) like the real transport. Borrowed.
  explicit FakeHttpClient(const Clock& clock) : clock_(clock) {}

  // Answers are used in order; with none left, a call gets kUnavailable.
  void Enqueue(Result<HttpResponse> answer);
  void EnqueueOk(std::string body, HttpHeaders headers = {});
  // Each later call first advances this clock by `latency` (a slow server). Borrowed.
  void SetLatency(FakeClock* clock, std::chrono::nanoseconds latency);

  Result<HttpResponse> Post(const HttpRequest& request) override;
  // Delivers the scripted body to on_body in pieces of at most `chunk` bytes (default 7, so
  // parsers see awkward boundaries).
  Result<HttpResponse> PostStreaming(const HttpRequest& request,
                                     const HttpBodyCallback& on_body) override;
  void SetStreamChunkSize(size_t chunk);

  std::vector<Recorded> requests() const;
  int calls() const;

 private:
  Result<HttpResponse> Next(const HttpRequest& request);

  const Clock& clock_;
  mutable std::mutex mu_;
  std::deque<Result<HttpResponse>> answers_;  // GUARDED_BY(mu_)
  std::vector<Recorded> requests_;            // GUARDED_BY(mu_)
  FakeClock* latency_clock_ = nullptr;        // GUARDED_BY(mu_)
  std::chrono::nanoseconds latency_{0};       // GUARDED_BY(mu_)
  size_t chunk_ = 7;                          // GUARDED_BY(mu_)
};

// Advances a FakeClock by each requested duration and records it. Safe for concurrent use.
class FakeSleeper final : public Sleeper {
 public:
  explicit FakeSleeper(FakeClock& clock) : clock_(clock) {}
  void SleepFor(std::chrono::nanoseconds duration) override;
  std::vector<std::chrono::nanoseconds> sleeps() const;

 private:
  FakeClock& clock_;
  mutable std::mutex mu_;
  std::vector<std::chrono::nanoseconds> sleeps_;  // GUARDED_BY(mu_)
};

// Always the same value (clamped to [0, 1)). Safe for concurrent use.
class FixedRandomSource final : public RandomSource {
 public:
  explicit FixedRandomSource(double value) : value_(value) {}
  double NextUnit() override { return value_; }

 private:
  const double value_;
};

}  // namespace tracelake::llm
