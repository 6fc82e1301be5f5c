#include "storage/group_commit.h"

#include <utility>
#include <vector>

namespace tracelake::storage {

GroupCommitQueue::GroupCommitQueue(Options options, GroupApplier& applier)
    : options_(options), applier_(applier) {
  writer_ = std::thread([this] { WriterLoop(); });
}

GroupCommitQueue::~GroupCommitQueue() { Shutdown(std::chrono::seconds(30)).IgnoreError(); }

Status GroupCommitQueue::CheckAccepting() const {
  MutexLock lock(mu_);
  if (stopping_) return UnavailableError("tracelake is shutting down; retry later");
  return OkStatus();
}

Status GroupCommitQueue::Submit(IngestBatch batch, std::optional<int64_t> experiment_id) {
  if (batch.spans.empty() && batch.log_records.empty()) return OkStatus();
  // Counted in preparing_ from here until the batch is queued or given up, so that the writer
  // can wait for it to join the group it is about to commit.
  {
    MutexLock lock(mu_);
    if (stopping_) return UnavailableError("tracelake is shutting down; retry later");
    ++preparing_;
  }
  auto entry = std::make_shared<Entry>();
  entry->batch = PrepareBatch(std::move(batch), experiment_id);
  const bool empty = entry->batch->empty();
  std::future<Status> done = entry->done.get_future();
  Status refused;
  {
    MutexLock lock(mu_);
    --preparing_;
    if (!empty && stopping_) {
      refused = UnavailableError("tracelake is shutting down; retry later");
    } else if (!empty && queue_.size() >= static_cast<size_t>(options_.max_queued_batches)) {
      rejected_.fetch_add(1);
      refused = ResourceExhaustedError("The ingest queue is full; retry after a short delay");
    } else if (!empty) {
      queue_.push_back(entry);
    }
  }
  work_cv_.SignalAll();  // the writer waits for work, or for preparing_ to reach 0
  if (empty || !refused.ok()) return refused;
  Status result = done.get();
  entry.reset();  // frees the batch here, on the caller's thread
  return result;
}

std::vector<std::shared_ptr<GroupCommitQueue::Entry>> GroupCommitQueue::TakeGroup() {
  std::vector<std::shared_ptr<Entry>> work;
  MutexLock lock(mu_);
  while (paused_ || (!stopping_ && queue_.empty())) work_cv_.Wait(mu_);
  if (queue_.empty()) return work;  // stopping, and everything queued was taken
  // Batches that callers are preparing right now would otherwise wait for this group's commit
  // and then form the next group. Under load, waiting briefly for them to join makes one group
  // of both, which costs the writer much less than two (shared rollup rows, index pages and
  // commit). An idle server has nothing in preparation and never waits.
  const auto until = std::chrono::steady_clock::now() + options_.group_wait;
  while (preparing_ > 0 && !stopping_ &&
         queue_.size() < static_cast<size_t>(options_.max_queued_batches)) {
    if (!work_cv_.WaitUntil(mu_, until)) break;
  }
  size_t spans = 0;
  while (!queue_.empty() && (work.empty() || spans + queue_.front()->batch->batch.spans.size() <=
                                                 static_cast<size_t>(options_.max_batch_spans))) {
    spans += queue_.front()->batch->batch.spans.size();
    work.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  return work;
}

void GroupCommitQueue::WriterLoop() {
  for (;;) {
    std::vector<std::shared_ptr<Entry>> work = TakeGroup();
    if (work.empty()) return;
    drained_cv_.SignalAll();
    CommitGroup(work);
  }
}

void GroupCommitQueue::CommitGroup(std::vector<std::shared_ptr<Entry>>& work) {
  std::vector<PreparedBatch*> group;
  group.reserve(work.size());
  for (const auto& e : work) group.push_back(e->batch.get());
  std::vector<Status> results(work.size());
  applier_.ApplyGroup(group, results);
  for (size_t i = 0; i < work.size(); ++i) {
    std::promise<Status> done = std::move(work[i]->done);
    work[i].reset();  // before waking the caller, so the caller frees the batch
    done.set_value(results[i]);
  }
  applier_.AfterGroup();
}

Status GroupCommitQueue::Shutdown(std::chrono::milliseconds deadline) {
  MutexLock serial(shutdown_mu_);
  const auto until = std::chrono::steady_clock::now() + deadline;
  std::vector<std::shared_ptr<Entry>> abandoned;
  {
    MutexLock lock(mu_);
    stopping_ = true;
    paused_ = false;
    work_cv_.SignalAll();
    while (!queue_.empty()) {
      if (!drained_cv_.WaitUntil(mu_, until)) break;
    }
    while (!queue_.empty()) {
      abandoned.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
  }
  for (auto& e : abandoned)
    e->done.set_value(UnavailableError("tracelake shut down before this batch was committed"));
  // The writer finishes the group it is applying, sees the empty queue and exits.
  if (writer_.joinable()) writer_.join();
  if (!abandoned.empty())
    return DeadlineExceededError("Shutdown deadline passed; " + std::to_string(abandoned.size()) +
                                 " queued batches were not committed");
  return OkStatus();
}

int64_t GroupCommitQueue::depth() const {
  MutexLock lock(mu_);
  return static_cast<int64_t>(queue_.size());
}

void GroupCommitQueue::PauseForTesting(bool paused) {
  {
    MutexLock lock(mu_);
    paused_ = paused;
  }
  work_cv_.SignalAll();
}

}  // namespace tracelake::storage
