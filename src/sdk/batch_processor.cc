#include "sdk/batch_processor.h"

#include <algorithm>
#include <cstdio>
#include <random>

namespace tracelake::sdk {

SdkCounters& SdkCounters::Global() {
  static SdkCounters* counters = new SdkCounters();  // NOLINT: never destroyed, see SpanRecordPool
  return *counters;
}

BatchProcessor::BatchProcessor(std::unique_ptr<SpanExporter> exporter, const BatchOptions& options,
                               const RetryPolicy& retry, SpanConverter converter,
                               SdkCounters& counters)
    : exporter_(std::move(exporter)),
      options_(options),
      retry_(retry),
      converter_(std::move(converter)),
      counters_(counters),
      ring_(std::max<size_t>(options.max_queue_size, 1), nullptr) {
  thread_ = std::thread([this] { Run(); });
}

BatchProcessor::~BatchProcessor() { Shutdown(std::chrono::milliseconds(0)).IgnoreError(); }

void BatchProcessor::CountDropped(std::atomic<uint64_t>& counter, uint64_t n,
                                  std::string_view reason) {
  if (n == 0) return;
  counter.fetch_add(n, std::memory_order_relaxed);
  // Reported once per process; the counters carry the rest (GetTracingStats).
  if (!counters_.drop_reported.exchange(true)) {
    std::fprintf(stderr,
                 "tracelake: dropping spans (%.*s); further drops are counted silently "
                 "(tracelake::GetTracingStats)\n",
                 static_cast<int>(std::min<size_t>(reason.size(), 512)), reason.data());
  }
}

void BatchProcessor::OnEnd(SpanRecord* record) noexcept {
  counters_.spans_ended.fetch_add(1, std::memory_order_relaxed);
  bool wake = false;
  bool dropped = false;
  bool closed = false;
  {
    MutexLock lock(mu_);
    if (!accepting_) {
      closed = true;  // ended after shutdown began: not recorded, not a drop
    } else if (size_ == ring_.size()) {
      dropped = true;
    } else {
      ring_[(head_ + size_) % ring_.size()] = record;
      ++size_;
      wake = size_ == options_.max_export_batch_size;
    }
  }
  if (dropped || closed) {
    if (dropped) CountDropped(counters_.spans_dropped_queue_full, 1, "queue full");
    Unref(record);
    return;
  }
  if (wake) cv_.Signal();
}

void BatchProcessor::TakeBatchLocked(std::vector<SpanRecord*>& out) {
  const size_t n = std::min(size_, std::max<size_t>(options_.max_export_batch_size, 1));
  for (size_t i = 0; i < n; ++i) {
    out.push_back(ring_[head_]);
    ring_[head_] = nullptr;
    head_ = (head_ + 1) % ring_.size();
  }
  size_ -= n;
}

void BatchProcessor::Run() {
  std::vector<SpanRecord*> batch;
  batch.reserve(options_.max_export_batch_size);
  mu_.Lock();  // held except around ExportBatch; released at the end
  auto next_export = SteadyClock::now() + options_.schedule_delay;
  while (true) {
    while (!(stop_ || size_ >= options_.max_export_batch_size || flush_requested_ > flush_done_)) {
      if (!cv_.WaitUntil(mu_, next_export)) break;
    }
    if (abort_) break;
    const bool flushing = flush_requested_ > flush_done_;
    const uint64_t flush_target = flush_requested_;
    const bool timer = SteadyClock::now() >= next_export;
    if (size_ > 0 && (stop_ || flushing || timer || size_ >= options_.max_export_batch_size)) {
      TakeBatchLocked(batch);
      exporting_ = true;
      mu_.Unlock();
      ExportBatch(batch);
      batch.clear();
      mu_.Lock();
      exporting_ = false;
      // Keep draining while there is a reason to; otherwise wait for the next tick.
      if (size_ > 0 && (stop_ || flushing || size_ >= options_.max_export_batch_size)) continue;
    }
    if (size_ == 0) {
      if (flushing) {
        flush_done_ = flush_target;
        done_cv_.SignalAll();
      }
      if (stop_) break;
    }
    if (timer || size_ == 0) next_export = SteadyClock::now() + options_.schedule_delay;
  }
  // Aborted (shutdown deadline): drop what is left.
  uint64_t left = 0;
  while (size_ > 0) {
    TakeBatchLocked(batch);
    left += batch.size();
    for (SpanRecord* r : batch) Unref(r);
    batch.clear();
  }
  dropped_at_shutdown_ += left;
  exited_ = true;
  flush_done_ = flush_requested_;
  mu_.Unlock();
  CountDropped(counters_.spans_dropped_export_failed, left, "shutdown deadline");
  done_cv_.SignalAll();
}

void BatchProcessor::ExportBatch(std::vector<SpanRecord*>& records) {
  std::vector<model::Span> spans;
  std::vector<TraceUpdate> updates;
  spans.reserve(records.size());
  std::vector<SpanRecord*> released;
  released.reserve(records.size());
  for (SpanRecord* r : records) {
    spans.push_back(converter_.Convert(*r, &updates));
    UnrefDeferred(r, &released);
  }
  SpanRecordPool::Global().ReleaseMany(released);
  const uint64_t n = spans.size();
  counters_.export_requests.fetch_add(1, std::memory_order_relaxed);
  auto batch_deadline = SteadyClock::now() + options_.export_timeout;
  std::chrono::milliseconds backoff = retry_.initial_backoff;
  // Jitter spreads retries of many agents restarting against one backend.
  thread_local std::minstd_rand jitter_rng(std::random_device{}());
  std::string last_error;
  for (int attempt = 0;; ++attempt) {
    SteadyClock::time_point deadline;
    {
      MutexLock lock(mu_);
      if (abort_) break;
      deadline = std::min(batch_deadline, shutdown_deadline_);
    }
    const auto remaining =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
    if (remaining.count() <= 0) break;
    ExportResult result = exporter_->Export(spans, std::min(remaining, retry_.attempt_timeout));
    if (result.code == ExportResult::Code::kSuccess) {
      const uint64_t rejected =
          std::min<uint64_t>(n, static_cast<uint64_t>(std::max<int64_t>(result.rejected, 0)));
      counters_.spans_exported.fetch_add(n - rejected, std::memory_order_relaxed);
      if (rejected > 0) {
        const std::string why = result.message.empty() ? "no reason given" : result.message;
        CountDropped(counters_.spans_rejected, rejected, "rejected by the backend: " + why);
      }
      if (!updates.empty()) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - SteadyClock::now());
        if (left.count() > 0)
          exporter_->ExportTraceUpdates(updates, std::min(left, retry_.attempt_timeout));
      }
      return;
    }
    last_error = std::move(result.message);
    if (result.code == ExportResult::Code::kPermanentFailure || attempt >= retry_.max_retries) break;
    std::chrono::milliseconds wait;
    if (result.retry_after) {
      wait = std::min(*result.retry_after, retry_.max_backoff);
    } else {
      const auto half = backoff.count() / 2;
      wait = std::chrono::milliseconds(half + static_cast<int64_t>(jitter_rng() % (half + 1)));
      backoff = std::min(backoff * 2, retry_.max_backoff);
    }
    if (SteadyClock::now() + wait > deadline) break;
    counters_.export_retries.fetch_add(1, std::memory_order_relaxed);
    if (!WaitForRetry(wait)) break;
  }
  {
    MutexLock lock(mu_);
    if (stop_) dropped_at_shutdown_ += n;
  }
  CountDropped(counters_.spans_dropped_export_failed, n,
               last_error.empty() ? std::string("export failed") : "export failed: " + last_error);
}

bool BatchProcessor::WaitForRetry(std::chrono::milliseconds d) {
  MutexLock lock(mu_);
  const auto until = std::min(SteadyClock::now() + d, shutdown_deadline_);
  while (!abort_) {
    if (!cv_.WaitUntil(mu_, until)) break;
  }
  return !abort_ && SteadyClock::now() < shutdown_deadline_;
}

Status BatchProcessor::Flush(std::chrono::milliseconds timeout) {
  MutexLock lock(mu_);
  if (exited_) return size_ == 0 ? OkStatus() : FailedPreconditionError("processor is shut down");
  const uint64_t target = ++flush_requested_;
  cv_.Signal();
  const auto deadline = SteadyClock::now() + timeout;
  while (flush_done_ < target && !exited_) {
    if (!done_cv_.WaitUntil(mu_, deadline) && flush_done_ < target && !exited_)
      return DeadlineExceededError("flush did not finish in time");
  }
  return OkStatus();
}

Status BatchProcessor::Shutdown(std::chrono::milliseconds timeout) {
  MutexLock join_lock(join_mu_);
  if (joined_) return OkStatus();
  const auto deadline = SteadyClock::now() + timeout;
  {
    MutexLock lock(mu_);
    accepting_ = false;
    stop_ = true;
    shutdown_deadline_ = deadline;
    cv_.SignalAll();
    while (!exited_) {
      if (!done_cv_.WaitUntil(mu_, deadline)) break;
    }
    if (!exited_) {
      abort_ = true;
      cv_.SignalAll();
    }
  }
  // Past the deadline an export may still be on the wire: make it return now.
  exporter_->Cancel();
  thread_.join();
  joined_ = true;
  MutexLock lock(mu_);
  if (dropped_at_shutdown_ > 0) {
    std::fprintf(stderr, "tracelake: %llu spans dropped at shutdown\n",
                 static_cast<unsigned long long>(dropped_at_shutdown_));
    return DeadlineExceededError("spans dropped at shutdown");
  }
  return OkStatus();
}

size_t BatchProcessor::queued() const {
  MutexLock lock(mu_);
  return size_;
}

}  // namespace tracelake::sdk
