// ChangeFeed contract (storage/change_feed.h), per backend: every committed trace change gets a
// larger sequence number, consumers read after a cursor they persist, listeners are woken after
// COMMIT without the store's locks. Plus the backend-neutral CommitNotifier and FeedWaiter.
#include "storage/change_feed.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "trace_store_contract.h"

namespace tracelake::storage::testing {
namespace {

template <typename B>
class ChangeFeedContractTest : public StoreFixture<B> {
 protected:
  ChangeFeed& feed() { return this->changes(); }

  std::vector<TraceChange> After(int64_t cursor) {
    auto page = feed().ReadChanges(cursor, 10000);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    return page.ok() ? page->changes : std::vector<TraceChange>();
  }
  int64_t Head() {
    auto all = After(0);
    return all.empty() ? 0 : all.back().seq;
  }
  // The one change after `cursor`, which must be of trace n.
  TraceChange OnlyChangeAfter(int64_t cursor, int n) {
    auto changes = After(cursor);
    EXPECT_EQ(changes.size(), 1u);
    if (changes.empty()) return {};
    EXPECT_EQ(changes[0].trace_id, Tid(n));
    EXPECT_GT(changes[0].seq, cursor);
    return changes[0];
  }
};
TYPED_TEST_SUITE(ChangeFeedContractTest, Backends, BackendNames);

TYPED_TEST(ChangeFeedContractTest, IngestGivesEachTraceAnIncreasingNumber) {
  EXPECT_TRUE(this->After(0).empty());
  ASSERT_TRUE(this->Ingest({MakeSpan(1, 1, 0, 0, 10), MakeSpan(2, 1, 0, 0, 10)}).ok());
  ASSERT_TRUE(this->Ingest({MakeSpan(3, 1, 0, 0, 10)}).ok());
  auto changes = this->After(0);
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_LT(changes[0].seq, changes[1].seq);
  EXPECT_LT(changes[1].seq, changes[2].seq);
  EXPECT_EQ(changes[2].trace_id, Tid(3));
  for (const auto& c : changes) {
    EXPECT_EQ(c.kind, TraceChange::Kind::kUpserted);
    EXPECT_EQ(c.experiment_id, "0");
  }
  auto page = this->feed().ReadChanges(0, 100);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->next_cursor, changes[2].seq);
  EXPECT_FALSE(page->more);
}

TYPED_TEST(ChangeFeedContractTest, ATraceChangedAgainAppearsOnceWithItsLatestNumber) {
  ASSERT_TRUE(this->Ingest({MakeSpan(1, 1, 0, 0, 10)}).ok());
  ASSERT_TRUE(this->Ingest({MakeSpan(2, 1, 0, 0, 10)}).ok());
  const int64_t cursor = this->Head();
  ASSERT_TRUE(this->Ingest({MakeSpan(1, 2, 1, 1, 5)}).ok());  // a late child of trace 1
  this->OnlyChangeAfter(cursor, 1);
  auto all = this->After(0);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].trace_id, Tid(2));
  EXPECT_EQ(all[1].trace_id, Tid(1));
}

TYPED_TEST(ChangeFeedContractTest, InfoTagsMetadataAndAssessmentsAreChanges) {
  ASSERT_TRUE(this->Ingest({MakeSpan(1, 1, 0, 0, 10)}).ok());
  ASSERT_TRUE(this->Ingest({MakeSpan(2, 1, 0, 0, 10)}).ok());
  TraceStore& store = this->traces();
  AssessmentStore& assessments = this->assessments();
  int64_t cursor = this->Head();
  auto step = [&](const char* what, const Status& st) {
    ASSERT_TRUE(st.ok()) << what << ": " << st.ToString();
    cursor = this->OnlyChangeAfter(cursor, 1).seq;
  };
  step("tag", store.SetTraceTag(Tid(1), "k", "v"));
  step("untag", store.DeleteTraceTag(Tid(1), "k"));
  step("metadata", store.SetTraceMetadata(Tid(1), "m", "v"));
  model::TraceInfo info;
  info.trace_id = Tid(1);
  info.experiment_id = "0";
  info.tags["from"] = "client";
  step("info", store.UpsertTraceInfo(info).status());
  model::Assessment a;
  a.trace_id = MlflowTraceId(Tid(1));
  a.assessment_name = "correct";
  a.feedback = model::Feedback{};
  a.feedback->value_json = "true";
  auto created = assessments.CreateAssessment(a);
  step("assessment", created.status());
  AssessmentUpdate update;
  update.rationale = "checked";
  step("update", assessments.UpdateAssessment(Tid(1), created->assessment_id, update).status());
  step("delete assessment", assessments.DeleteAssessment(Tid(1), created->assessment_id));
  // A failed write changes nothing.
  EXPECT_FALSE(store.DeleteTraceTag(Tid(1), "absent").ok());
  EXPECT_TRUE(this->After(cursor).empty());
}

TYPED_TEST(ChangeFeedContractTest, ADeletedTraceLeavesATombstone) {
  const std::string exp = this->NewExperiment("feed");
  ASSERT_TRUE(this->Ingest({MakeSpan(1, 1, 0, 0, 10)}, exp).ok());
  const int64_t cursor = this->Head();
  DeleteTracesRequest del;
  del.experiment_id = exp;
  del.trace_ids = {Tid(1)};
  ASSERT_TRUE(this->traces().DeleteTraces(del).ok());
  TraceChange gone = this->OnlyChangeAfter(cursor, 1);
  EXPECT_EQ(gone.kind, TraceChange::Kind::kDeleted);
  EXPECT_EQ(gone.experiment_id, exp);
  // Sent again, the trace comes back after its tombstone.
  ASSERT_TRUE(this->Ingest({MakeSpan(1, 1, 0, 0, 10)}, exp).ok());
  TraceChange back = this->OnlyChangeAfter(gone.seq, 1);
  EXPECT_EQ(back.kind, TraceChange::Kind::kUpserted);
  auto all = this->After(cursor);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].kind, TraceChange::Kind::kDeleted);
  EXPECT_EQ(all[1].kind, TraceChange::Kind::kUpserted);
}

TYPED_TEST(ChangeFeedContractTest, PagesAreCutAtTheLimit) {
  for (int i = 1; i <= 5; ++i) ASSERT_TRUE(this->Ingest({MakeSpan(i, 1, 0, 0, 10)}).ok());
  int64_t cursor = 0;
  std::vector<int> pages;
  for (;;) {
    auto page = this->feed().ReadChanges(cursor, 2);
    ASSERT_TRUE(page.ok());
    pages.push_back(static_cast<int>(page->changes.size()));
    cursor = page->next_cursor;
    if (!page->more) break;
  }
  EXPECT_EQ(pages, (std::vector<int>{2, 2, 1}));
  EXPECT_EQ(cursor, this->Head());
  EXPECT_THAT(this->feed().ReadChanges(0, 0), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(this->feed().ReadChanges(0, 10001), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(this->feed().ReadChanges(-1, 10), StatusIs(StatusCode::kInvalidArgument));
}

TYPED_TEST(ChangeFeedContractTest, ConsumersKeepTheirCursorsInTheStore) {
  EXPECT_EQ(*this->feed().LoadCursor("lake"), 0);
  ASSERT_TRUE(this->feed().SaveCursor("lake", 42).ok());
  ASSERT_TRUE(this->feed().SaveCursor("monitor", 7).ok());
  ASSERT_TRUE(this->feed().SaveCursor("lake", 43).ok());
  EXPECT_EQ(*this->feed().LoadCursor("lake"), 43);
  EXPECT_EQ(*this->feed().LoadCursor("monitor"), 7);
  EXPECT_THAT(this->feed().SaveCursor("", 1), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(this->feed().SaveCursor(std::string(201, 'x'), 1),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(this->feed().SaveCursor("lake", -1), StatusIs(StatusCode::kInvalidArgument));
}

TYPED_TEST(ChangeFeedContractTest, NumbersAndCursorsSurviveAReopen) {
  if (!TypeParam::kPersistent) GTEST_SKIP() << "in-memory stores end with their process";
  ASSERT_TRUE(this->Ingest({MakeSpan(1, 1, 0, 0, 10)}).ok());
  DeleteTracesRequest del;
  del.experiment_id = "0";
  del.trace_ids = {Tid(1)};
  ASSERT_TRUE(this->traces().DeleteTraces(del).ok());  // the largest number is a tombstone's
  const int64_t before = this->Head();
  ASSERT_TRUE(this->feed().SaveCursor("lake", before).ok());
  this->Open();
  EXPECT_EQ(*this->feed().LoadCursor("lake"), before);
  ASSERT_TRUE(this->Ingest({MakeSpan(2, 1, 0, 0, 10)}).ok());
  this->OnlyChangeAfter(before, 2);
}

// Records announcements; can block inside its first call until released.
class GatedListener : public CommitListener {
 public:
  explicit GatedListener(bool block_first) : blocked_(block_first) {}
  void OnCommitted(int64_t max_seq) noexcept override {
    std::unique_lock<std::mutex> lock(mu_);
    seen_.push_back(max_seq);
    cv_.notify_all();
    if (seen_.size() == 1) cv_.wait(lock, [this] { return !blocked_; });
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    blocked_ = false;
    cv_.notify_all();
  }
  void AwaitCalls(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return seen_.size() >= n; });
  }
  std::vector<int64_t> seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool blocked_;
  std::vector<int64_t> seen_;
};

TYPED_TEST(ChangeFeedContractTest, TraceStatesAreSavedWithTheCursorAndMovedWhole) {
  ChangeFeed& feed = this->feed();
  ASSERT_TRUE(feed.SaveTraceStates("sink", {{Tid(1), "a1"}, {Tid(2), "b1"}}, 5).ok());
  EXPECT_EQ(*feed.LoadCursor("sink"), 5);
  auto some = feed.LoadTraceStates("sink", {Tid(2), Tid(3)});
  ASSERT_TRUE(some.ok()) << some.status().ToString();
  ASSERT_EQ(some->size(), 1u);
  EXPECT_EQ((*some)[0].first, Tid(2));
  EXPECT_EQ((*some)[0].second, "b1");
  // An intent: trace 1 moves on, trace 2 is gone (empty = tombstone), trace 3 is new.
  ASSERT_TRUE(
      feed.SaveTraceStates("sink#p", {{Tid(1), "a2"}, {Tid(2), ""}, {Tid(3), "c1"}}, 9).ok());
  EXPECT_EQ(feed.ListTraceStates("sink#p")->size(), 3u);
  EXPECT_EQ(*feed.LoadCursor("sink"), 5);  // not yet
  ASSERT_TRUE(feed.MoveTraceStates("sink#p", "sink").ok());
  auto all = feed.ListTraceStates("sink");
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0], (std::pair<TraceId, std::string>{Tid(1), "a2"}));
  EXPECT_EQ((*all)[1], (std::pair<TraceId, std::string>{Tid(3), "c1"}));
  EXPECT_EQ(*feed.LoadCursor("sink"), 9);
  EXPECT_TRUE(feed.ListTraceStates("sink#p")->empty());
  EXPECT_EQ(*feed.LoadCursor("sink#p"), 0);
  // Nothing pending: a move changes nothing.
  ASSERT_TRUE(feed.MoveTraceStates("sink#p", "sink").ok());
  EXPECT_EQ(*feed.LoadCursor("sink"), 9);
  EXPECT_EQ(feed.ListTraceStates("sink")->size(), 2u);
  EXPECT_FALSE(feed.MoveTraceStates("sink", "sink").ok());
}

TYPED_TEST(ChangeFeedContractTest, ATraceSliceHasTheSpansOfItsBatchesAsSent) {
  TraceStore& store = this->traces();
  ASSERT_TRUE(this->Ingest({MakeSpan(1, 1, 0, 0, 10), MakeSpan(1, 2, 1, 1, 5)}).ok());
  auto first = store.ReadTraceSlice(Tid(1), {});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->spans.size(), 2u);
  EXPECT_EQ(first->next_batch, 1);
  EXPECT_EQ(first->info.trace_id, Tid(1));
  // Nothing sent since: an empty slice from where the last one ended.
  storage::TraceSliceRequest next;
  next.from_batch = first->next_batch;
  next.after_log = first->last_log;
  EXPECT_TRUE(store.ReadTraceSlice(Tid(1), next)->spans.empty());
  // A late span and a span sent again: both in the newer batch, nothing else.
  ASSERT_TRUE(this->Ingest({MakeSpan(1, 3, 1, 2, 5), MakeSpan(1, 2, 1, 1, 6)}).ok());
  auto second = store.ReadTraceSlice(Tid(1), next);
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->spans.size(), 2u);
  EXPECT_EQ(second->next_batch, 2);
  std::set<SpanId> ids;
  for (const model::Span& s : second->spans) ids.insert(s.span_id);
  EXPECT_EQ(ids, (std::set<SpanId>{Sid(2), Sid(3)}));
  // A bounded slice stops where it was told to.
  storage::TraceSliceRequest bounded;
  bounded.to_batch = 1;
  EXPECT_EQ(store.ReadTraceSlice(Tid(1), bounded)->spans.size(), 1u);  // span 1 only now
  EXPECT_EQ(store.ReadTraceSlice(Tid(1), {})->spans.size(), 3u);
  EXPECT_EQ(store.ReadTraceSlice(Tid(9), {}).status().code(), StatusCode::kNotFound);
}

TYPED_TEST(ChangeFeedContractTest, ListenersAreWokenAfterEachCommitWithItsNumber) {
  GatedListener listener(/*block_first=*/false);
  this->feed().AddListener(&listener);
  ASSERT_TRUE(this->Ingest({MakeSpan(1, 1, 0, 0, 10)}).ok());
  listener.AwaitCalls(1);  // ingest answers callers before announcing: wait for it
  ASSERT_TRUE(this->traces().SetTraceTag(Tid(1), "k", "v").ok());
  listener.AwaitCalls(2);
  ASSERT_TRUE(this->feed().SaveCursor("lake", 1).ok());  // not a trace change
  this->feed().RemoveListener(&listener);
  ASSERT_TRUE(this->traces().SetTraceTag(Tid(1), "k", "w").ok());  // after removal: not seen
  const auto seen = listener.seen();
  ASSERT_EQ(seen.size(), 2u);
  auto changes = this->After(0);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_LT(seen[0], seen[1]);
  EXPECT_LT(seen[1], changes[0].seq);  // the last tag came after removal
}

TYPED_TEST(ChangeFeedContractTest, AListenerRunsWithoutTheStoresLocks) {
  // The ingest writer's announcement blocks in the listener; writes, reads and even more
  // ingest still complete meanwhile, and what they committed is readable from the feed.
  GatedListener listener(/*block_first=*/true);
  this->feed().AddListener(&listener);
  ASSERT_TRUE(this->Ingest({MakeSpan(1, 1, 0, 0, 10)}).ok());
  listener.AwaitCalls(1);  // the writer thread is now inside OnCommitted
  ASSERT_TRUE(this->traces().SetTraceTag(Tid(1), "k", "v").ok());
  EXPECT_EQ(this->After(0).size(), 1u);
  EXPECT_TRUE(this->traces().GetTraceInfo(Tid(1)).ok());
  listener.Release();
  ASSERT_TRUE(this->Ingest({MakeSpan(2, 1, 0, 0, 10)}).ok());
  this->feed().RemoveListener(&listener);
  EXPECT_GE(listener.seen().size(), 2u);
}

TEST(FeedWaiterTest, WaitsForANumberBeyondTheCursorOrTheDeadline) {
  FeedWaiter waiter;
  const auto soon = std::chrono::steady_clock::now() + std::chrono::milliseconds(1);
  EXPECT_FALSE(waiter.WaitBeyond(0, soon));
  waiter.OnCommitted(5);
  waiter.OnCommitted(3);  // out of order: the latest stays 5
  EXPECT_EQ(waiter.latest(), 5);
  EXPECT_TRUE(waiter.WaitBeyond(4, soon));
  std::thread committer([&] { waiter.OnCommitted(9); });
  EXPECT_TRUE(waiter.WaitBeyond(5, std::chrono::steady_clock::now() + std::chrono::minutes(5)));
  committer.join();
  waiter.Stop();
  EXPECT_FALSE(waiter.WaitBeyond(5, std::chrono::steady_clock::now() + std::chrono::minutes(5)));
}

TEST(CommitNotifierTest, RemoveWaitsForACallInProgress) {
  CommitNotifier notifier;
  GatedListener listener(/*block_first=*/true);
  notifier.Add(&listener);
  notifier.Add(&listener);  // once only
  std::thread announcer([&] { notifier.Notify(1); });
  listener.AwaitCalls(1);
  notifier.Notify(2);  // a second notification does not wait for the blocked first
  EXPECT_EQ(listener.seen().size(), 2u);
  std::atomic<bool> removed{false};
  std::thread remover([&] {
    notifier.Remove(&listener);
    removed = true;
  });
  EXPECT_FALSE(removed.load());  // it cannot return before the first call does
  listener.Release();
  announcer.join();
  remover.join();
  EXPECT_TRUE(removed.load());
  notifier.Notify(3);
  EXPECT_EQ(listener.seen(), (std::vector<int64_t>{1, 2}));
}

}  // namespace
}  // namespace tracelake::storage::testing
