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
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_) return UnavailableError("tracelake is shutting down; retry later");
  return OkStatus();
}

Status GroupCommitQueue::Submit(IngestBatch batch, std::optional<int64_t> experiment_id) {
  if (batch.spans.empty() && batch.log_records.empty()) return OkStatus();
  // Counted in preparing_ from here until the batch is queued or given up, so that the writer
  // can wait for it to join the group it is about to commit.
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return UnavailableError("tracelake is shutting down; retry later");
    ++preparing_;
  }
  auto entry = std::make_shared<Entry>();
  entry->batch = PrepareBatch(std::move(batch), experiment_id);
  const bool empty = entry->batch->empty();
  std::future<Status> done = entry->done.get_future();
  Status refused;
  {
    std::lock_guard<std::mutex> lock(mu_);
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
  work_cv_.notify_one();
  if (empty || !refused.ok()) return refused;
  Status result = done.get();
  entry.reset();  // frees the batch here, on the caller's thread
  return result;
}

void GroupCommitQueue::WriterLoop() {
  for (;;) {
    std::vector<std::shared_ptr<Entry>> work;
    {
      std::unique_lock<std::mutex> lock(mu_);
      work_cv_.wait(lock, [this] { return !paused_ && (stopping_ || !queue_.empty()); });
      if (queue_.empty()) return;  // stopping, and everything queued was taken
      // Batches that callers are preparing right now would otherwise wait for this group's
      // commit and then form the next group. Under load, waiting briefly for them to join makes
      // one group of both, which costs the writer much less than two (shared rollup rows,
      // index pages and commit). An idle server has nothing in preparation and never waits.
      if (preparing_ > 0) {
        work_cv_.wait_for(lock, options_.group_wait, [this] {
          return stopping_ || preparing_ == 0 ||
                 queue_.size() >= static_cast<size_t>(options_.max_queued_batches);
        });
      }
      size_t spans = 0;
      while (!queue_.empty() &&
             (work.empty() || spans + queue_.front()->batch->batch.spans.size() <=
                                  static_cast<size_t>(options_.max_batch_spans))) {
        spans += queue_.front()->batch->batch.spans.size();
        work.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    drained_cv_.notify_all();
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
  std::lock_guard<std::mutex> serial(shutdown_mu_);
  const auto until = std::chrono::steady_clock::now() + deadline;
  std::vector<std::shared_ptr<Entry>> abandoned;
  {
    std::unique_lock<std::mutex> lock(mu_);
    stopping_ = true;
    paused_ = false;
    work_cv_.notify_all();
    drained_cv_.wait_until(lock, until, [this] { return queue_.empty(); });
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
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int64_t>(queue_.size());
}

void GroupCommitQueue::PauseForTesting(bool paused) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    paused_ = paused;
  }
  work_cv_.notify_all();
}

}  // namespace tracelake::storage
