// RunLoop: runs one piece of work per item of an evaluation (a record or a trace), at most
// `concurrency` at a time, skipping the items a previous attempt finished (resume), stopping
// cleanly when asked (Ctrl-C: in-flight items finish, no new one starts), and reporting
// progress (done/total, rate, ETA) at a steady pace from the calling thread.
//
//   eval::RunLoopOptions opts;
//   opts.concurrency = 16;
//   opts.cancel = &stop_requested;
//   opts.on_progress = [](const eval::Progress& p) { std::cerr << '\r' << FormatProgress(p); };
//   eval::RunLoopResult r = eval::RunAll(items.size(), already_done, score_one, opts, clock);
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "common/clock.h"
#include "tracelake/status.h"

namespace tracelake::eval {

struct Progress {
  int64_t total = 0;    // items in the run, including those finished before (resumed)
  int64_t skipped = 0;  // finished by an earlier attempt, not run again
  int64_t done = 0;     // run in this attempt (succeeded or failed)
  int64_t failed = 0;   // of `done`, the ones whose work returned an error
  std::chrono::nanoseconds elapsed{0};
  // Items per second in this attempt, and the time left at that rate (nullopt until one item
  // finished).
  double rate_per_second = 0;
  std::optional<std::chrono::nanoseconds> eta;

  int64_t finished() const { return skipped + done; }
};

// "412/1000 (41.2%)  12.5/s  ETA 47s  3 failed"
std::string FormatProgress(const Progress& p);
// "1h02m03s", "4m05s", "12s", "0.4s"
std::string FormatDuration(std::chrono::nanoseconds d);

struct RunLoopOptions {
  int concurrency = 8;  // clamped to [1, 256]
  // When it becomes true no new item starts; RunAll returns once the running ones finish.
  // Borrowed; may be null.
  const std::atomic<bool>* cancel = nullptr;
  // Called on RunAll's thread about every progress_every, and once at the end.
  std::function<void(const Progress&)> on_progress;
  std::chrono::milliseconds progress_every{500};
};

struct RunLoopResult {
  Progress progress;  // the final figures
  bool cancelled = false;
  Status first_error;  // of the first item that failed, for the summary
};

// Calls work(i) for each i in [0, total) for which already_done(i) is false, from up to
// opts.concurrency threads. work must be safe to call concurrently; an error it returns counts
// the item as failed and the run goes on. already_done is called on RunAll's thread before any
// work starts (may be empty: nothing was done before).
RunLoopResult RunAll(int64_t total, const std::function<bool(int64_t)>& already_done,
                     const std::function<Status(int64_t)>& work, const RunLoopOptions& opts,
                     const Clock& clock);

}  // namespace tracelake::eval
