// Retrier with a FakeClock and FakeSleeper: waits, jitter, Retry-After, the deadline, and which
// outcomes are retried. Nothing sleeps.
#include "llm/retry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "llm/fake_http_client.h"

namespace tracelake::llm {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;
using ::testing::ElementsAre;

constexpr int64_t kStart = 1'700'000'000'000'000'000;

RetryPolicy Policy(int max_retries, double jitter = 0.0) {
  RetryPolicy p;
  p.max_retries = max_retries;
  p.initial_backoff = milliseconds(100);
  p.max_backoff = milliseconds(1000);
  p.jitter = jitter;
  return p;
}

class RetrierTest : public ::testing::Test {
 protected:
  FakeClock clock_{kStart};
  FakeSleeper sleeper_{clock_};
  FixedRandomSource random_{0.5};
};

AttemptVerdict Fail(bool retryable, std::optional<milliseconds> retry_after = std::nullopt) {
  return {UnavailableError("HTTP 503"), retryable, retry_after};
}

TEST_F(RetrierTest, BackoffDoublesUpToTheCap) {
  Retrier r(Policy(10), clock_, sleeper_, random_);
  EXPECT_EQ(r.Backoff(1), milliseconds(100));
  EXPECT_EQ(r.Backoff(2), milliseconds(200));
  EXPECT_EQ(r.Backoff(4), milliseconds(800));
  EXPECT_EQ(r.Backoff(5), milliseconds(1000));
  EXPECT_EQ(r.Backoff(60), milliseconds(1000));
}

TEST_F(RetrierTest, JitterRemovesARandomPartOfEachWait) {
  Retrier half(Policy(3, 0.2), clock_, sleeper_, random_);
  EXPECT_EQ(half.Backoff(1), milliseconds(90));  // 100 - 100 * 0.2 * 0.5
  FixedRandomSource zero(0.0);
  EXPECT_EQ(Retrier(Policy(3, 0.2), clock_, sleeper_, zero).Backoff(2), milliseconds(200));
  FixedRandomSource almost_one(0.999);
  const nanoseconds low = Retrier(Policy(3, 1.0), clock_, sleeper_, almost_one).Backoff(1);
  EXPECT_GT(low, nanoseconds(0));
  EXPECT_LT(low, milliseconds(1));
}

TEST_F(RetrierTest, RetriesRetryableFailuresWithGrowingWaits) {
  Retrier r(Policy(3), clock_, sleeper_, random_);
  std::vector<int> seen;
  Retrier::Outcome o = r.Run(Deadline::After(clock_, seconds(60)), [&](int attempt) {
    seen.push_back(attempt);
    return attempt < 3 ? Fail(true) : AttemptVerdict{};
  });
  EXPECT_TRUE(o.status.ok());
  EXPECT_EQ(o.attempts, 4);
  EXPECT_THAT(seen, ElementsAre(0, 1, 2, 3));
  EXPECT_THAT(sleeper_.sleeps(), ElementsAre(milliseconds(100), milliseconds(200), milliseconds(400)));
  EXPECT_EQ(clock_.NowUnixNanos() - kStart, nanoseconds(milliseconds(700)).count());
}

TEST_F(RetrierTest, NonRetryableFailureIsReturnedAtOnce) {
  Retrier r(Policy(5), clock_, sleeper_, random_);
  Retrier::Outcome o = r.Run(Deadline::After(clock_, seconds(60)), [](int) {
    return AttemptVerdict{Status(StatusCode::kUnauthenticated, "HTTP 401"), false, std::nullopt};
  });
  EXPECT_EQ(o.status.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(o.attempts, 1);
  EXPECT_TRUE(sleeper_.sleeps().empty());
}

TEST_F(RetrierTest, GivesUpAfterMaxRetriesWithTheLastError) {
  Retrier r(Policy(2), clock_, sleeper_, random_);
  Retrier::Outcome o = r.Run(Deadline::After(clock_, seconds(60)), [](int) { return Fail(true); });
  EXPECT_EQ(o.status.code(), StatusCode::kUnavailable);
  EXPECT_EQ(o.attempts, 3);
  EXPECT_EQ(sleeper_.sleeps().size(), 2u);
}

TEST_F(RetrierTest, RetryAfterReplacesTheBackoffAndIsCapped) {
  Retrier r(Policy(2), clock_, sleeper_, random_);
  std::vector<nanoseconds> announced;
  r.Run(
      Deadline::After(clock_, seconds(60)),
      [](int attempt) { return Fail(true, attempt == 0 ? milliseconds(700) : milliseconds(5000)); },
      [&](nanoseconds wait) { announced.push_back(wait); });
  EXPECT_THAT(sleeper_.sleeps(), ElementsAre(milliseconds(700), milliseconds(1000)));
  EXPECT_EQ(announced, sleeper_.sleeps());
}

TEST_F(RetrierTest, StopsWhenTheNextWaitWouldReachTheDeadline) {
  Retrier r(Policy(10), clock_, sleeper_, random_);
  // Each attempt takes 100 ms; the waits are 100, 200, 400 ms; the deadline is 1 s away.
  Retrier::Outcome o = r.Run(Deadline::After(clock_, milliseconds(1000)), [&](int) {
    clock_.AdvanceNanos(nanoseconds(milliseconds(100)).count());
    return Fail(true);
  });
  // 100 + 100 + 100 + 200 + 100 = 600 ms; the 400 ms wait would end at 1000 ms.
  EXPECT_EQ(o.attempts, 3);
  EXPECT_EQ(o.status.code(), StatusCode::kUnavailable);
  EXPECT_THAT(sleeper_.sleeps(), ElementsAre(milliseconds(100), milliseconds(200)));
  EXPECT_EQ(clock_.NowUnixNanos() - kStart, nanoseconds(milliseconds(600)).count());
}

TEST_F(RetrierTest, RetryAfterBeyondTheDeadlineEndsTheLoopWithoutSleeping) {
  Retrier r(Policy(3), clock_, sleeper_, random_);
  Retrier::Outcome o = r.Run(Deadline::After(clock_, milliseconds(500)),
                             [](int) { return Fail(true, milliseconds(800)); });
  EXPECT_EQ(o.attempts, 1);
  EXPECT_TRUE(sleeper_.sleeps().empty());
}

TEST(RetryableHttpStatusTest, RateLimitsTimeoutsConflictsAndServerErrors) {
  for (int code : {408, 409, 429, 500, 502, 503, 504}) EXPECT_TRUE(IsRetryableHttpStatus(code)) << code;
  for (int code : {200, 400, 401, 403, 404, 422}) EXPECT_FALSE(IsRetryableHttpStatus(code)) << code;
}

TEST(ParseRetryAfterTest, SecondsOnly) {
  EXPECT_EQ(ParseRetryAfter(" 3\r\n"), milliseconds(3000));
  EXPECT_EQ(ParseRetryAfter("0"), milliseconds(0));
  EXPECT_EQ(ParseRetryAfter("999999999"), milliseconds(int64_t{24} * 3600 * 1000));
  EXPECT_FALSE(ParseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT").has_value());
  EXPECT_FALSE(ParseRetryAfter("-1").has_value());
  EXPECT_FALSE(ParseRetryAfter("").has_value());
}

TEST(DeadlineTest, RemainingExpiryAndSaturation) {
  FakeClock clock(kStart);
  const Deadline d = Deadline::After(clock, seconds(2));
  EXPECT_EQ(d.Remaining(clock), seconds(2));
  EXPECT_FALSE(d.Expired(clock));
  clock.AdvanceNanos(nanoseconds(seconds(2)).count());
  EXPECT_TRUE(d.Expired(clock));
  EXPECT_EQ(Deadline::Earlier(d, Deadline::AtUnixNanos(kStart)), Deadline::AtUnixNanos(kStart));
  EXPECT_EQ(Deadline::After(clock, nanoseconds::max()).unix_nanos(), INT64_MAX);
}

}  // namespace
}  // namespace tracelake::llm
