// BatchProcessor: the bounded hand-off between agent threads and the exporter thread.
//
// OnEnd puts a finished span into a fixed-size ring (one short critical section) and never
// waits for the exporter; when the ring is full the span is dropped and counted. A background
// thread (owned here) takes batches, converts them and exports them with retries and backoff.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "common/mutex.h"
#include "sdk/span_convert.h"
#include "sdk/span_exporter.h"
#include "sdk/span_record.h"
#include "tracelake/status.h"
#include "tracelake/tracing.h"

namespace tracelake::sdk {

// Process-wide counters behind tracelake::GetTracingStats(). Atomics only.
struct SdkCounters {
  std::atomic<uint64_t> spans_ended{0};
  std::atomic<uint64_t> spans_exported{0};
  std::atomic<uint64_t> spans_dropped_queue_full{0};
  std::atomic<uint64_t> spans_dropped_export_failed{0};
  std::atomic<uint64_t> spans_rejected{0};
  std::atomic<uint64_t> export_requests{0};
  std::atomic<uint64_t> export_retries{0};
  std::atomic<bool> drop_reported{false};

  static SdkCounters& Global();
};

struct RetryPolicy {
  int max_retries = 5;
  std::chrono::milliseconds initial_backoff{1000};
  std::chrono::milliseconds max_backoff{30000};
  std::chrono::milliseconds attempt_timeout{10000};
};

// Safe for concurrent use.
class BatchProcessor {
 public:
  // REQUIRES: options.max_queue_size > 0, options.max_export_batch_size > 0.
  BatchProcessor(std::unique_ptr<SpanExporter> exporter, const BatchOptions& options,
                 const RetryPolicy& retry, SpanConverter converter, SdkCounters& counters);
  ~BatchProcessor();  // Shutdown(0) unless already shut down
  BatchProcessor(const BatchProcessor&) = delete;
  BatchProcessor& operator=(const BatchProcessor&) = delete;

  // Takes the record's reference. Never blocks on export.
  void OnEnd(SpanRecord* record) noexcept TL_EXCLUDES(mu_);

  // Exports everything queued before the call. kDeadlineExceeded after timeout.
  Status Flush(std::chrono::milliseconds timeout) TL_EXCLUDES(mu_);

  // Stops accepting spans, exports what is queued within timeout, drops the rest, joins the
  // thread. Idempotent. kDeadlineExceeded when spans were dropped at shutdown.
  Status Shutdown(std::chrono::milliseconds timeout) TL_EXCLUDES(join_mu_, mu_);

  size_t queued() const TL_EXCLUDES(mu_);

 private:
  using SteadyClock = std::chrono::steady_clock;

  void Run() TL_EXCLUDES(mu_);
  // Takes up to max_batch records from the ring.
  void TakeBatchLocked(std::vector<SpanRecord*>& out) TL_REQUIRES(mu_);
  void ExportBatch(std::vector<SpanRecord*>& records) TL_EXCLUDES(mu_);
  // Waits up to d unless aborted. Returns false when aborted (or shutdown deadline passed).
  bool WaitForRetry(std::chrono::milliseconds d) TL_EXCLUDES(mu_);
  // reason: why, including the backend's own words when it gave some ("export failed: HTTP
  // 400: ..."), printed on the first drop of the process.
  void CountDropped(std::atomic<uint64_t>& counter, uint64_t n, std::string_view reason);

  const std::unique_ptr<SpanExporter> exporter_;
  const BatchOptions options_;
  const RetryPolicy retry_;
  const SpanConverter converter_;
  SdkCounters& counters_;

  mutable Mutex mu_;
  CondVar cv_;                                        // wakes the exporter thread
  CondVar done_cv_;                                   // flush progress / thread exit
  std::vector<SpanRecord*> ring_ TL_GUARDED_BY(mu_);  // fixed size max_queue_size
  size_t head_ TL_GUARDED_BY(mu_) = 0;
  size_t size_ TL_GUARDED_BY(mu_) = 0;
  bool accepting_ TL_GUARDED_BY(mu_) = true;
  bool stop_ TL_GUARDED_BY(mu_) = false;
  bool abort_ TL_GUARDED_BY(mu_) = false;  // the shutdown deadline passed
  bool exited_ TL_GUARDED_BY(mu_) = false;
  bool exporting_ TL_GUARDED_BY(mu_) = false;  // a taken batch is not yet done
  uint64_t flush_requested_ TL_GUARDED_BY(mu_) = 0;
  uint64_t flush_done_ TL_GUARDED_BY(mu_) = 0;
  SteadyClock::time_point shutdown_deadline_ TL_GUARDED_BY(mu_) = SteadyClock::time_point::max();
  uint64_t dropped_at_shutdown_ TL_GUARDED_BY(mu_) = 0;
  std::thread thread_ TL_GUARDED_BY(join_mu_);  // started by the constructor, joined by Shutdown
  Mutex join_mu_;                               // serializes Shutdown callers; taken before mu_
  bool joined_ TL_GUARDED_BY(join_mu_) = false;
};

}  // namespace tracelake::sdk
