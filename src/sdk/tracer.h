// Tracer: the process-wide recording state behind tracelake::Span and StartTracing: the
// thread-local current context, id generation, and the active batch processor.
#pragma once

#include <atomic>
#include <memory>
#include <vector>

#include "common/clock.h"
#include "common/mutex.h"
#include "sdk/batch_processor.h"
#include "sdk/span_exporter.h"
#include "tracelake/context.h"
#include "tracelake/tracing.h"

namespace tracelake::sdk {

// Safe for concurrent use. Never destroyed (spans may end during static destruction).
class Tracer {
 public:
  static Tracer& Get();

  Status Start(const TracingOptions& options) TL_EXCLUDES(mu_);
  // As Start, with a given exporter (tests, benchmarks, in-process backends).
  Status StartWithExporter(std::unique_ptr<SpanExporter> exporter, const TracingOptions& options)
      TL_EXCLUDES(mu_);
  Status Flush(std::chrono::milliseconds timeout) TL_EXCLUDES(mu_);
  Status Shutdown(std::chrono::milliseconds timeout) TL_EXCLUDES(mu_);

  // Hands an ended record to the active processor, or releases it.
  void OnEnd(SpanRecord* record) noexcept;

  const Clock& clock() const { return *clock_.load(std::memory_order_relaxed); }
  // REQUIRES: clock outlives its use; no spans are being recorded concurrently.
  void SetClockForTesting(const Clock* clock) { clock_.store(clock); }

 private:
  Tracer() = default;

  std::atomic<const Clock*> clock_{&SystemClock::Default()};
  std::atomic<BatchProcessor*> processor_{nullptr};
  Mutex mu_;  // serializes Start/Flush/Shutdown
  // Processors are kept after shutdown: a thread that loaded processor_ just before shutdown
  // may still call OnEnd on it (which then drops the span).
  std::vector<std::unique_ptr<BatchProcessor>> processors_ TL_GUARDED_BY(mu_);
};

internal::ThreadContext& CurrentThreadContext() noexcept;
TraceId NewTraceId() noexcept;
SpanId NewSpanId() noexcept;

// The resource spans carry: service.name, telemetry.sdk.*, OTEL_RESOURCE_ATTRIBUTES entries,
// mlflow.experimentId.
std::shared_ptr<const model::Resource> MakeResource(const TracingOptions& options);

}  // namespace tracelake::sdk
