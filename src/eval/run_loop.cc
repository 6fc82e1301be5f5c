#include "eval/run_loop.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <thread>
#include <vector>

#include "common/mutex.h"

namespace tracelake::eval {
namespace {

// What the workers share with the reporting thread.
class Shared {
 public:
  void Finished(const Status& st) TL_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    ++done_;
    if (!st.ok()) {
      if (failed_ == 0) first_error_ = st;
      ++failed_;
    }
  }
  void WorkerExited() TL_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    --running_workers_;
    cv_.SignalAll();
  }
  void SetWorkers(int n) TL_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    running_workers_ = n;
  }
  // Waits until every worker exited or `until` passed; true when they all exited.
  bool WaitWorkers(std::chrono::steady_clock::time_point until) TL_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    while (running_workers_ > 0)
      if (!cv_.WaitUntil(mu_, until)) return running_workers_ == 0;
    return true;
  }
  void Read(int64_t* done, int64_t* failed, Status* first_error) TL_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    *done = done_;
    *failed = failed_;
    if (first_error != nullptr) *first_error = first_error_;
  }

 private:
  Mutex mu_;
  CondVar cv_;
  int64_t done_ TL_GUARDED_BY(mu_) = 0;
  int64_t failed_ TL_GUARDED_BY(mu_) = 0;
  Status first_error_ TL_GUARDED_BY(mu_);
  int running_workers_ TL_GUARDED_BY(mu_) = 0;
};

Progress Snapshot(int64_t total, int64_t skipped, int64_t done, int64_t failed,
                  std::chrono::nanoseconds elapsed) {
  Progress p;
  p.total = total;
  p.skipped = skipped;
  p.done = done;
  p.failed = failed;
  p.elapsed = elapsed;
  const double secs = std::chrono::duration<double>(elapsed).count();
  if (done > 0 && secs > 0) {
    p.rate_per_second = static_cast<double>(done) / secs;
    const double left = static_cast<double>(total - skipped - done);
    p.eta = std::chrono::nanoseconds(static_cast<int64_t>(left / p.rate_per_second * 1e9));
  }
  return p;
}

}  // namespace

std::string FormatDuration(std::chrono::nanoseconds d) {
  const double secs = std::chrono::duration<double>(d).count();
  char buf[48];
  if (secs < 10) {
    std::snprintf(buf, sizeof buf, "%.1fs", secs);
    return buf;
  }
  const int64_t s = std::llround(secs);
  if (s < 60) {
    std::snprintf(buf, sizeof buf, "%" PRId64 "s", s);
  } else if (s < 3600) {
    std::snprintf(buf, sizeof buf, "%" PRId64 "m%02" PRId64 "s", s / 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%" PRId64 "h%02" PRId64 "m%02" PRId64 "s", s / 3600,
                  (s / 60) % 60, s % 60);
  }
  return buf;
}

std::string FormatProgress(const Progress& p) {
  char buf[96];
  const double pct =
      p.total > 0 ? 100.0 * static_cast<double>(p.finished()) / static_cast<double>(p.total) : 100;
  std::snprintf(buf, sizeof buf, "%" PRId64 "/%" PRId64 " (%.1f%%)", p.finished(), p.total, pct);
  std::string out = buf;
  if (p.rate_per_second > 0) {
    std::snprintf(buf, sizeof buf, "  %.1f/s", p.rate_per_second);
    out += buf;
  }
  if (p.eta && p.finished() < p.total) out += "  ETA " + FormatDuration(*p.eta);
  if (p.skipped > 0) out += "  " + std::to_string(p.skipped) + " resumed";
  if (p.failed > 0) out += "  " + std::to_string(p.failed) + " failed";
  return out;
}

RunLoopResult RunAll(int64_t total, const std::function<bool(int64_t)>& already_done,
                     const std::function<Status(int64_t)>& work, const RunLoopOptions& opts,
                     const Clock& clock) {
  std::vector<int64_t> todo;
  todo.reserve(static_cast<size_t>(std::max<int64_t>(total, 0)));
  for (int64_t i = 0; i < total; ++i)
    if (!already_done || !already_done(i)) todo.push_back(i);
  const int64_t skipped = total - static_cast<int64_t>(todo.size());
  const int64_t start = clock.NowUnixNanos();
  auto cancelled = [&] { return opts.cancel != nullptr && opts.cancel->load(); };

  Shared shared;
  std::atomic<size_t> next{0};
  const int64_t todo_count = std::max<int64_t>(static_cast<int64_t>(todo.size()), 1);
  const int workers =
      static_cast<int>(std::min<int64_t>(std::clamp(opts.concurrency, 1, 256), todo_count));
  shared.SetWorkers(workers);
  std::vector<std::thread> threads;
  threads.reserve(static_cast<size_t>(workers));
  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&] {
      for (;;) {
        if (cancelled()) break;
        const size_t k = next.fetch_add(1);
        if (k >= todo.size()) break;
        shared.Finished(work(todo[k]));
      }
      shared.WorkerExited();
    });
  }

  auto report = [&] {
    if (!opts.on_progress) return;
    int64_t done = 0, failed = 0;
    shared.Read(&done, &failed, nullptr);
    opts.on_progress(Snapshot(total, skipped, done, failed,
                              std::chrono::nanoseconds(clock.NowUnixNanos() - start)));
  };
  const auto every = std::max(opts.progress_every, std::chrono::milliseconds(10));
  while (!shared.WaitWorkers(std::chrono::steady_clock::now() + every)) report();
  for (std::thread& t : threads) t.join();

  RunLoopResult result;
  int64_t done = 0, failed = 0;
  shared.Read(&done, &failed, &result.first_error);
  result.progress = Snapshot(total, skipped, done, failed,
                             std::chrono::nanoseconds(clock.NowUnixNanos() - start));
  result.cancelled = cancelled() && result.progress.finished() < total;
  if (opts.on_progress) opts.on_progress(result.progress);
  return result;
}

}  // namespace tracelake::eval
