// GroupCommitQueue over a fake GroupApplier: what any backend gets from the queue (blocking until
// applied, per-batch outcomes, bounded queue, groups, shutdown), without a database.
#include "storage/group_commit.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "store_test_util.h"

namespace tracelake::storage {
namespace {

using testing::MakeSpan;
using testing::StatusIs;

// Records each group; fails batches whose experiment is "fail"; can hold the writer inside
// ApplyGroup until released.
class FakeApplier : public GroupApplier {
 public:
  void ApplyGroup(std::span<PreparedBatch* const> group, std::span<Status> results) override {
    std::unique_lock<std::mutex> lock(mu_);
    ++entered_;
    cv_.notify_all();
    cv_.wait(lock, [this] { return !hold_; });
    std::vector<std::string> names;
    for (size_t i = 0; i < group.size(); ++i) {
      names.push_back(group[i]->batch.spans.front().name);
      if (group[i]->batch.experiment_id == "fail") results[i] = InternalError("batch failed");
    }
    groups_.push_back(names);
  }
  void AfterGroup() noexcept override {
    std::lock_guard<std::mutex> lock(mu_);
    ++after_groups_;
  }

  void Hold(bool hold) {
    std::lock_guard<std::mutex> lock(mu_);
    hold_ = hold;
    cv_.notify_all();
  }
  void WaitEntered(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return entered_ >= n; });
  }
  std::vector<std::vector<std::string>> groups() {
    std::lock_guard<std::mutex> lock(mu_);
    return groups_;
  }
  int after_groups() {
    std::lock_guard<std::mutex> lock(mu_);
    return after_groups_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool hold_ = false;
  int entered_ = 0;
  int after_groups_ = 0;
  std::vector<std::vector<std::string>> groups_;
};

IngestBatch Batch(const std::string& name, const std::string& experiment = "0") {
  IngestBatch b;
  b.experiment_id = experiment;
  model::Span s = MakeSpan(1, 1, 0, 0, 1, {}, name);
  b.spans.push_back(std::move(s));
  return b;
}

// Waits (yielding, no sleep) until the queue holds n batches.
void WaitDepth(GroupCommitQueue& q, int64_t n) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (q.depth() != n && std::chrono::steady_clock::now() < until) std::this_thread::yield();
  ASSERT_EQ(q.depth(), n);
}

TEST(GroupCommitQueueTest, SubmitReturnsTheBatchOutcomeAfterItWasApplied) {
  FakeApplier applier;
  GroupCommitQueue q({}, applier);
  EXPECT_TRUE(q.Submit(Batch("a"), 0).ok());
  EXPECT_THAT(q.Submit(Batch("b", "fail"), std::nullopt), StatusIs(StatusCode::kInternal));
  EXPECT_EQ(applier.groups(), (std::vector<std::vector<std::string>>{{"a"}, {"b"}}));
  EXPECT_TRUE(q.Shutdown(std::chrono::seconds(5)).ok());
  EXPECT_EQ(applier.after_groups(), 2);
}

TEST(GroupCommitQueueTest, PreparesTheBatchForTheApplier) {
  class Checker : public GroupApplier {
   public:
    void ApplyGroup(std::span<PreparedBatch* const> group, std::span<Status>) override {
      ASSERT_EQ(group.size(), 1u);
      const PreparedBatch& p = *group[0];
      traces = p.traces.size();
      spans_in_first = p.traces.empty() ? 0 : p.traces[0].spans.size();
      has_chunk = !p.traces.empty() && !p.traces[0].chunk.empty();
      rollups = !p.span_rollups.empty();
    }
    size_t traces = 0, spans_in_first = 0;
    bool has_chunk = false, rollups = false;
  } checker;
  GroupCommitQueue q({}, checker);
  IngestBatch b;
  b.spans = {MakeSpan(1, 1, 0, 0, 5), MakeSpan(1, 2, 1, 1, 1), MakeSpan(2, 1, 0, 0, 1),
             MakeSpan(1, 2, 1, 2, 1)};  // a span id twice: the last copy wins
  ASSERT_TRUE(q.Submit(std::move(b), 0).ok());
  EXPECT_EQ(checker.traces, 2u);
  EXPECT_EQ(checker.spans_in_first, 2u);
  EXPECT_TRUE(checker.has_chunk);
  EXPECT_TRUE(checker.rollups);
}

TEST(GroupCommitQueueTest, AnEmptyBatchNeverReachesTheApplier) {
  FakeApplier applier;
  GroupCommitQueue q({}, applier);
  EXPECT_TRUE(q.Submit(IngestBatch{}, 0).ok());
  EXPECT_TRUE(q.Shutdown(std::chrono::seconds(5)).ok());
  EXPECT_TRUE(applier.groups().empty());
}

TEST(GroupCommitQueueTest, QueuedBatchesFormOneGroupUpToTheSpanLimit) {
  FakeApplier applier;
  GroupCommitQueue::Options options;
  options.max_batch_spans = 2;  // each batch has one span
  GroupCommitQueue q(options, applier);
  q.PauseForTesting(true);
  std::vector<std::thread> callers;
  std::vector<Status> results(3);
  for (int i = 0; i < 3; ++i) {
    callers.emplace_back([&, i] { results[i] = q.Submit(Batch("s" + std::to_string(i)), 0); });
    WaitDepth(q, i + 1);  // queued in this order
  }
  q.PauseForTesting(false);
  for (auto& t : callers) t.join();
  for (const auto& r : results) EXPECT_TRUE(r.ok());
  EXPECT_EQ(applier.groups(), (std::vector<std::vector<std::string>>{{"s0", "s1"}, {"s2"}}));
}

TEST(GroupCommitQueueTest, AFullQueueRefusesAtOnceAndCountsIt) {
  FakeApplier applier;
  GroupCommitQueue::Options options;
  options.max_queued_batches = 2;
  GroupCommitQueue q(options, applier);
  q.PauseForTesting(true);
  std::vector<std::thread> callers;
  for (int i = 0; i < 2; ++i)
    callers.emplace_back([&] { EXPECT_TRUE(q.Submit(Batch("q"), 0).ok()); });
  WaitDepth(q, 2);
  EXPECT_THAT(q.Submit(Batch("refused"), 0), StatusIs(StatusCode::kResourceExhausted));
  EXPECT_EQ(q.rejected(), 1);
  q.PauseForTesting(false);
  for (auto& t : callers) t.join();
  EXPECT_EQ(q.depth(), 0);
}

TEST(GroupCommitQueueTest, ShutdownCommitsWhatIsQueuedThenRefuses) {
  FakeApplier applier;
  GroupCommitQueue q({}, applier);
  q.PauseForTesting(true);
  Status queued;
  std::thread caller([&] { queued = q.Submit(Batch("last"), 0); });
  WaitDepth(q, 1);
  EXPECT_TRUE(q.Shutdown(std::chrono::seconds(30)).ok());  // unpauses, drains
  caller.join();
  EXPECT_TRUE(queued.ok());
  EXPECT_THAT(q.Submit(Batch("late"), 0), StatusIs(StatusCode::kUnavailable));
  EXPECT_THAT(q.CheckAccepting(), StatusIs(StatusCode::kUnavailable));
  EXPECT_TRUE(q.Shutdown(std::chrono::seconds(1)).ok());  // idempotent
}

TEST(GroupCommitQueueTest, ShutdownPastItsDeadlineAnswersWhatIsStillQueued) {
  FakeApplier applier;
  GroupCommitQueue q({}, applier);
  applier.Hold(true);
  Status first, second;
  std::thread t1([&] { first = q.Submit(Batch("applying"), 0); });
  applier.WaitEntered(1);  // the writer is inside ApplyGroup with the first batch
  std::thread t2([&] { second = q.Submit(Batch("waiting"), 0); });
  WaitDepth(q, 1);
  Status shutdown;
  std::thread stopper([&] { shutdown = q.Shutdown(std::chrono::milliseconds(1)); });
  t2.join();  // answered when the deadline passed, while the writer is still held
  EXPECT_THAT(second, StatusIs(StatusCode::kUnavailable));
  applier.Hold(false);
  stopper.join();
  t1.join();
  EXPECT_TRUE(first.ok());
  EXPECT_THAT(shutdown, StatusIs(StatusCode::kDeadlineExceeded));
  EXPECT_EQ(applier.groups(), (std::vector<std::vector<std::string>>{{"applying"}}));
}

}  // namespace
}  // namespace tracelake::storage
