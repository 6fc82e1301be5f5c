// ChangeFeed: what consumers of ingest (the lake sink, the online monitor) read to learn what was
// committed. docs/change-feed.md has the design.
//
// Every committed change to a trace (its spans, info, previews, tags, metadata, assessments, or
// its deletion) gives the trace a new, store-wide sequence number, larger than every number
// committed before it. A consumer keeps a cursor (the last sequence number it processed),
// persists it (SaveCursor, or its own output such as a Delta commit), and reads what came after
// it with ReadChanges. A trace changed several times since the cursor appears once, with its
// latest number, so a consumer sees each trace in its newest committed state; a deleted trace
// appears as a kDeleted change. Nothing is pushed: after each commit the store only wakes its
// CommitListeners, which then read at their own pace, so a slow consumer never slows ingest and
// a restarted one resumes from its cursor (rocksdb's EventListener contract for the wake-up;
// Delta's versioned log for the cursor).
//
//   storage::FeedWaiter waiter;
//   feed.AddListener(&waiter);
//   ASSIGN_OR_RETURN(int64_t cursor, feed.LoadCursor("lake-sink"));
//   for (;;) {
//     ASSIGN_OR_RETURN(ChangePage page, feed.ReadChanges(cursor, 1000));
//     ... process page.changes ...
//     cursor = page.next_cursor;
//     RETURN_IF_ERROR(feed.SaveCursor("lake-sink", cursor));
//     if (!page.more) waiter.WaitBeyond(cursor, deadline);
//   }
//
// Implementations are safe for concurrent use.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/ids.h"
#include "common/mutex.h"
#include "tracelake/status.h"

namespace tracelake::storage {

struct TraceChange {
  enum class Kind { kUpserted, kDeleted };
  int64_t seq = 0;
  TraceId trace_id;
  std::string experiment_id;
  Kind kind = Kind::kUpserted;
};

struct ChangePage {
  std::vector<TraceChange> changes;  // ascending seq
  int64_t next_cursor = 0;  // pass to the next ReadChanges: the last seq here, or the cursor
  bool more = false;        // the page was cut at the limit: read again at once
};

// A wake-up hint, never the data.
//  [Threading] Called on the thread that committed (the ingest writer, or a request thread for
//  other writes), so calls may come concurrently and a smaller max_seq may follow a larger one.
//  [Locking] Called after COMMIT with no lock of the store held, and without a lock of the
//  notifier: a listener blocked in one call does not hold up other writers (they call it
//  concurrently). It must not call RemoveListener (that waits for calls in progress).
//  [Speed] Must return quickly (set a flag, signal a condition variable) and must not throw.
class CommitListener {
 public:
  virtual ~CommitListener() = default;
  // Some change with sequence number max_seq (and every smaller one of the same commit) is
  // committed and visible to ReadChanges.
  virtual void OnCommitted(int64_t max_seq) noexcept = 0;
};

class ChangeFeed {
 public:
  virtual ~ChangeFeed() = default;

  // Changes with seq > after, in ascending seq, at most `limit` (1..10000; kInvalidArgument
  // otherwise). after = 0 reads from the beginning.
  virtual Result<ChangePage> ReadChanges(int64_t after, int limit) = 0;

  // The cursor a consumer saved (0 when it never did). Consumer names are 1..200 bytes.
  virtual Result<int64_t> LoadCursor(const std::string& consumer) = 0;
  virtual Status SaveCursor(const std::string& consumer, int64_t seq) = 0;

  // Per-trace state a consumer keeps beside its cursor (the lake sink: how much of each trace it
  // has written). Opaque bytes; an empty state is a tombstone (see MoveTraceStates). A backend
  // without them answers kUnimplemented. `ids` empty: every state of the consumer.
  virtual Result<std::vector<std::pair<TraceId, std::string>>> LoadTraceStates(
      const std::string& consumer, const std::vector<TraceId>& ids) {
    (void)consumer;
    (void)ids;
    return UnimplementedError("This store keeps no per-trace consumer state");
  }
  // Every state of the consumer.
  virtual Result<std::vector<std::pair<TraceId, std::string>>> ListTraceStates(
      const std::string& consumer) {
    return LoadTraceStates(consumer, {});
  }
  // In one transaction: stores the states (replacing) and sets the consumer's cursor.
  virtual Status SaveTraceStates(const std::string& consumer,
                                 const std::vector<std::pair<TraceId, std::string>>& states,
                                 int64_t cursor) {
    (void)consumer;
    (void)states;
    (void)cursor;
    return UnimplementedError("This store keeps no per-trace consumer state");
  }
  // In one transaction: moves every state of `from` over `to`'s (an empty one deletes `to`'s),
  // sets `to`'s cursor to `from`'s, and forgets `from` (states and cursor); nothing when `from`
  // has no cursor. Two-phase consumers (the lake sink) save their intent under `from`, publish,
  // then move it.
  virtual Status MoveTraceStates(const std::string& from, const std::string& to) {
    (void)from;
    (void)to;
    return UnimplementedError("This store keeps no per-trace consumer state");
  }

  // The listener is called after every commit of trace changes from now until RemoveListener
  // returns (it may be running when RemoveListener is called; RemoveListener waits for it).
  // REQUIRES: listener is not null and outlives its registration.
  virtual void AddListener(CommitListener* listener) = 0;
  virtual void RemoveListener(CommitListener* listener) = 0;
};

// The listener list a backend keeps. Safe for concurrent use.
class CommitNotifier {
 public:
  void Add(CommitListener* listener) TL_EXCLUDES(mu_);
  // After Remove returns, the listener is not running and is never called again: it waits for
  // the notifications that started before it (never for later ones, so it cannot starve).
  void Remove(CommitListener* listener) TL_EXCLUDES(mu_);
  // Calls every listener, with no lock held. REQUIRES: no store lock held by the caller.
  void Notify(int64_t max_seq) noexcept TL_EXCLUDES(mu_);

 private:
  Mutex mu_;
  CondVar done_cv_;  // a notification finished
  std::vector<CommitListener*> listeners_ TL_GUARDED_BY(mu_);
  uint64_t next_ticket_ TL_GUARDED_BY(mu_) = 0;
  std::vector<uint64_t> running_ TL_GUARDED_BY(mu_);  // tickets of notifications in progress
};

// A CommitListener that a consumer thread waits on. Safe for concurrent use.
class FeedWaiter final : public CommitListener {
 public:
  void OnCommitted(int64_t max_seq) noexcept override TL_EXCLUDES(mu_);
  // Blocks until a commit beyond `seq` was announced, Stop() was called, or the deadline
  // passed; returns true in the first case.
  bool WaitBeyond(int64_t seq, std::chrono::steady_clock::time_point deadline) TL_EXCLUDES(mu_);
  // Wakes every waiter now and from then on (the consumer is shutting down).
  void Stop() TL_EXCLUDES(mu_);
  int64_t latest() const TL_EXCLUDES(mu_);  // the largest max_seq announced so far

 private:
  mutable Mutex mu_;
  CondVar cv_;
  int64_t latest_ TL_GUARDED_BY(mu_) = 0;
  bool stopped_ TL_GUARDED_BY(mu_) = false;
};

}  // namespace tracelake::storage
