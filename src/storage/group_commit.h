// GroupCommitQueue: the bounded ingest queue in front of a backend's single writer thread.
//
// Callers Submit() a batch: it is prepared on the caller's thread (storage/prepared_batch.h),
// queued, and the caller blocks until the writer has committed it, so a 2xx to an exporter
// means "durable". The writer takes every queued batch (up to max_batch_spans) as one group and
// hands it to the backend's GroupApplier, which commits the group in one transaction and says
// how each batch fared. This is leveldb's group commit (db_impl.cc, Write/BuildBatchGroup),
// above a backend that knows nothing about queues, futures or shutdown.
//
//   class MyBackend : private GroupApplier {
//     void ApplyGroup(std::span<PreparedBatch* const> group, std::span<Status> results) override;
//   };
//   GroupCommitQueue queue(options, backend);   // starts the writer thread
//   Status st = queue.Submit(std::move(batch), experiment_id);
//
// Safe for concurrent use.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <future>
#include <memory>
#include <optional>
#include <span>
#include <thread>

#include "common/mutex.h"
#include "storage/prepared_batch.h"
#include "tracelake/status.h"

namespace tracelake::storage {

// What a backend implements to commit groups of batches.
class GroupApplier {
 public:
  virtual ~GroupApplier() = default;

  // Commits `group` (in queue order) and sets results[i] to batch i's outcome; each batch is
  // stored entirely or not at all, and a failing batch must not fail the others. Called on the
  // writer thread only, one group at a time; results arrive all OkStatus().
  virtual void ApplyGroup(std::span<PreparedBatch* const> group, std::span<Status> results) = 0;

  // Called on the writer thread after every caller of a group was answered, with no lock of the
  // queue held: housekeeping (e.g. WAL truncation) and commit notifications. Must not throw.
  virtual void AfterGroup() noexcept {}
};

class GroupCommitQueue {
 public:
  struct Options {
    int max_queued_batches = 256;  // bounded: batches waiting for the writer
    int max_batch_spans = 20000;   // a group takes queued batches up to this many spans
    // How long the writer waits for batches that callers are preparing to join its group.
    std::chrono::milliseconds group_wait{2};
  };

  // Starts the writer thread. `applier` must outlive this queue (or its Shutdown).
  // REQUIRES: options' limits are positive.
  GroupCommitQueue(Options options, GroupApplier& applier);
  GroupCommitQueue(const GroupCommitQueue&) = delete;
  GroupCommitQueue& operator=(const GroupCommitQueue&) = delete;
  ~GroupCommitQueue();  // Shutdown(30 s)

  // kUnavailable once Shutdown has started, OK otherwise (a cheap early check for callers that
  // validate a batch before submitting it).
  Status CheckAccepting() const TL_EXCLUDES(mu_);

  // Prepares the batch on this thread, queues it and blocks until the writer has applied it;
  // returns the batch's outcome. kResourceExhausted when the queue is full (the caller answers
  // 429 / RESOURCE_EXHAUSTED), kUnavailable during and after Shutdown. A batch with nothing to
  // store returns OK at once. experiment_id: see PrepareBatch.
  Status Submit(IngestBatch batch, std::optional<int64_t> experiment_id) TL_EXCLUDES(mu_);

  // Stops accepting batches, lets the writer commit what is queued until `deadline`, answers
  // what is still queued then with kUnavailable, and stops the writer. kDeadlineExceeded when
  // batches were abandoned. Idempotent.
  Status Shutdown(std::chrono::milliseconds deadline) TL_EXCLUDES(mu_);

  int64_t depth() const TL_EXCLUDES(mu_);                // batches waiting for the writer
  int64_t rejected() const { return rejected_.load(); }  // Submit calls refused: queue full

  // While paused, the writer takes nothing from the queue (queue-full and shutdown tests).
  // Shutdown unpauses.
  void PauseForTesting(bool paused) TL_EXCLUDES(mu_);

 private:
  struct Entry {
    std::unique_ptr<PreparedBatch> batch;
    std::promise<Status> done;
  };

  void WriterLoop() TL_EXCLUDES(mu_);
  // Takes the next group off the queue; empty when stopping with nothing queued.
  std::vector<std::shared_ptr<Entry>> TakeGroup() TL_EXCLUDES(mu_);
  void CommitGroup(std::vector<std::shared_ptr<Entry>>& work) TL_EXCLUDES(mu_);

  const Options options_;
  GroupApplier& applier_;

  mutable Mutex mu_;
  CondVar work_cv_;     // work arrived, or stop/pause/preparing changed
  CondVar drained_cv_;  // the writer took work from the queue
  // shared_ptr: the waiting caller holds the other reference, so a batch's memory is freed on
  // the caller's thread, not on the writer's (freeing 512 spans' strings is real work).
  std::deque<std::shared_ptr<Entry>> queue_ TL_GUARDED_BY(mu_);
  bool stopping_ TL_GUARDED_BY(mu_) = false;
  bool paused_ TL_GUARDED_BY(mu_) = false;
  int preparing_ TL_GUARDED_BY(mu_) = 0;  // Submit calls preparing a batch for the queue
  std::atomic<int64_t> rejected_{0};

  Mutex shutdown_mu_;  // serializes Shutdown calls
  std::thread writer_;
};

}  // namespace tracelake::storage
