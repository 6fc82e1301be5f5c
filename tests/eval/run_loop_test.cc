#include "eval/run_loop.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "tests/common/status_matchers.h"

namespace tracelake::eval {
namespace {

using ::testing::HasSubstr;
using ::tracelake_testing::StatusIs;
using namespace std::chrono_literals;

TEST(RunAllTest, RunsEveryItemOnceWithinTheConcurrencyLimit) {
  std::atomic<int> running{0}, peak{0};
  std::mutex mu;
  std::multiset<int64_t> seen;
  RunLoopOptions opts;
  opts.concurrency = 4;
  RunLoopResult r = RunAll(
      40, {},
      [&](int64_t i) {
        const int now = ++running;
        int p = peak.load();
        while (now > p && !peak.compare_exchange_weak(p, now)) {
        }
        std::this_thread::sleep_for(2ms);
        --running;
        std::lock_guard<std::mutex> lock(mu);
        seen.insert(i);
        return OkStatus();
      },
      opts, SystemClock::Default());
  EXPECT_EQ(seen.size(), 40u);
  for (int64_t i = 0; i < 40; ++i) EXPECT_EQ(seen.count(i), 1u) << i;
  EXPECT_LE(peak.load(), 4);
  EXPECT_GE(peak.load(), 2);  // it did run items concurrently
  EXPECT_EQ(r.progress.done, 40);
  EXPECT_EQ(r.progress.failed, 0);
  EXPECT_FALSE(r.cancelled);
}

TEST(RunAllTest, ResumeSkipsFinishedItems) {
  std::atomic<int> calls{0};
  std::mutex mu;
  std::set<int64_t> ran;
  RunLoopResult r = RunAll(
      10, [](int64_t i) { return i % 3 == 0; },  // 0, 3, 6, 9 finished before
      [&](int64_t i) {
        ++calls;
        std::lock_guard<std::mutex> lock(mu);
        ran.insert(i);
        return OkStatus();
      },
      RunLoopOptions{}, SystemClock::Default());
  EXPECT_EQ(calls.load(), 6);
  EXPECT_EQ(ran, (std::set<int64_t>{1, 2, 4, 5, 7, 8}));
  EXPECT_EQ(r.progress.skipped, 4);
  EXPECT_EQ(r.progress.done, 6);
  EXPECT_EQ(r.progress.finished(), 10);
}

TEST(RunAllTest, FailuresAreCountedAndTheRunGoesOn) {
  RunLoopOptions opts;
  opts.concurrency = 1;  // in order, so the first error is item 2's
  RunLoopResult r = RunAll(
      6, {},
      [](int64_t i) {
        return i % 2 == 0 && i > 0 ? UnavailableError("item " + std::to_string(i)) : OkStatus();
      },
      opts, SystemClock::Default());
  EXPECT_EQ(r.progress.done, 6);
  EXPECT_EQ(r.progress.failed, 2);
  EXPECT_THAT(r.first_error, StatusIs(StatusCode::kUnavailable, HasSubstr("item 2")));
}

TEST(RunAllTest, CancelStopsNewItemsAndLetsRunningOnesFinish) {
  std::atomic<bool> cancel{false};
  std::atomic<int> started{0}, finished{0};
  RunLoopOptions opts;
  opts.concurrency = 2;
  opts.cancel = &cancel;
  RunLoopResult r = RunAll(
      100, {},
      [&](int64_t) {
        if (++started == 5) cancel = true;
        std::this_thread::sleep_for(1ms);
        ++finished;
        return OkStatus();
      },
      opts, SystemClock::Default());
  EXPECT_TRUE(r.cancelled);
  EXPECT_EQ(started.load(), finished.load());  // nothing abandoned half-way
  EXPECT_LE(started.load(), 6);                // at most the other worker's item after the 5th
  EXPECT_EQ(r.progress.done, finished.load());
}

TEST(RunAllTest, ReportsProgressWhileRunningAndAtTheEnd) {
  std::vector<Progress> seen;
  RunLoopOptions opts;
  opts.concurrency = 2;
  opts.progress_every = 10ms;
  opts.on_progress = [&](const Progress& p) { seen.push_back(p); };  // RunAll's thread only
  RunAll(
      20, [](int64_t i) { return i < 5; },
      [](int64_t) {
        std::this_thread::sleep_for(5ms);
        return OkStatus();
      },
      opts, SystemClock::Default());
  ASSERT_GE(seen.size(), 2u);
  for (size_t i = 1; i < seen.size(); ++i) EXPECT_GE(seen[i].done, seen[i - 1].done);
  EXPECT_EQ(seen.back().total, 20);
  EXPECT_EQ(seen.back().skipped, 5);
  EXPECT_EQ(seen.back().done, 15);
  EXPECT_GT(seen.back().rate_per_second, 0);
}

TEST(RunAllTest, NothingToDo) {
  RunLoopResult r = RunAll(
      0, {}, [](int64_t) { return OkStatus(); }, RunLoopOptions{}, SystemClock::Default());
  EXPECT_EQ(r.progress.total, 0);
  EXPECT_FALSE(r.cancelled);
}

TEST(FormatTest, ProgressLine) {
  Progress p;
  p.total = 1000;
  p.skipped = 12;
  p.done = 400;
  p.failed = 3;
  p.rate_per_second = 12.5;
  p.eta = std::chrono::seconds(47);
  EXPECT_EQ(FormatProgress(p), "412/1000 (41.2%)  12.5/s  ETA 47s  12 resumed  3 failed");
  Progress empty;
  EXPECT_EQ(FormatProgress(empty), "0/0 (100.0%)");
}

TEST(FormatTest, Durations) {
  EXPECT_EQ(FormatDuration(400ms), "0.4s");
  EXPECT_EQ(FormatDuration(12s), "12s");
  EXPECT_EQ(FormatDuration(245s), "4m05s");
  EXPECT_EQ(FormatDuration(3723s), "1h02m03s");
}

}  // namespace
}  // namespace tracelake::eval
