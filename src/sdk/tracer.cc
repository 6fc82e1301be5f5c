#include "sdk/tracer.h"

#include <cstdio>
#include <random>
#include <thread>

#include "sdk/exporter_factory.h"

#ifndef TRACELAKE_VERSION
#define TRACELAKE_VERSION "0.1.0"
#endif

namespace tracelake {
namespace internal {
std::atomic<bool> g_tracing_enabled{false};
}  // namespace internal

namespace sdk {
namespace {

uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t& RngState() {
  thread_local uint64_t state = [] {
    std::random_device rd;
    uint64_t seed = (static_cast<uint64_t>(rd()) << 32) ^ rd();
    seed ^= std::hash<std::thread::id>()(std::this_thread::get_id());
    return seed;
  }();
  return state;
}

void StoreU64(uint8_t* out, uint64_t v) {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<uint8_t>(v);
    v >>= 8;
  }
}

}  // namespace

internal::ThreadContext& CurrentThreadContext() noexcept {
  thread_local internal::ThreadContext context;
  return context;
}

TraceId NewTraceId() noexcept {
  TraceId id;
  uint64_t& s = RngState();
  do {
    StoreU64(id.bytes.data(), SplitMix64(s));
    StoreU64(id.bytes.data() + 8, SplitMix64(s));
  } while (id.IsZero());
  return id;
}

SpanId NewSpanId() noexcept {
  SpanId id;
  uint64_t& s = RngState();
  do {
    StoreU64(id.bytes.data(), SplitMix64(s));
  } while (id.IsZero());
  return id;
}

std::shared_ptr<const model::Resource> MakeResource(const TracingOptions& options) {
  auto resource = std::make_shared<model::Resource>();
  auto& attrs = resource->attributes;
  for (const auto& [k, v] : options.resource_attributes) model::SetAttribute(attrs, k, v);
  model::SetAttribute(attrs, "service.name", options.service_name);
  model::SetAttribute(attrs, "telemetry.sdk.name", "tracelake");
  model::SetAttribute(attrs, "telemetry.sdk.language", "cpp");
  model::SetAttribute(attrs, "telemetry.sdk.version", TRACELAKE_VERSION);
  if (!options.experiment_id.empty())
    model::SetAttribute(attrs, "mlflow.experimentId", options.experiment_id);
  return resource;
}

Tracer& Tracer::Get() {
  static Tracer* tracer = new Tracer();  // NOLINT: never destroyed, see class comment
  return *tracer;
}

Status Tracer::Start(const TracingOptions& options) {
  if (!options.enabled) return Shutdown(options.batch.export_timeout);
  ASSIGN_OR_RETURN(std::unique_ptr<SpanExporter> exporter, MakeExporter(options));
  return StartWithExporter(std::move(exporter), options);
}

Status Tracer::StartWithExporter(std::unique_ptr<SpanExporter> exporter,
                                 const TracingOptions& options) {
  if (options.batch.max_queue_size == 0 || options.batch.max_export_batch_size == 0)
    return InvalidArgumentError("batch queue and batch sizes must be positive");
  BatchOptions batch = options.batch;
  batch.max_export_batch_size = std::min(batch.max_export_batch_size, batch.max_queue_size);
  RetryPolicy retry;
  retry.max_retries = options.exporter.max_retries;
  retry.initial_backoff = options.exporter.initial_backoff;
  retry.max_backoff = options.exporter.max_backoff;
  retry.attempt_timeout = options.exporter.timeout;
  auto scope = std::make_shared<model::Scope>();
  scope->name = "tracelake";
  scope->version = TRACELAKE_VERSION;
  auto processor = std::make_unique<BatchProcessor>(
      std::move(exporter), batch, retry, SpanConverter(MakeResource(options), std::move(scope)),
      SdkCounters::Global());

  MutexLock lock(mu_);
  if (BatchProcessor* old = processor_.exchange(nullptr)) {
    old->Shutdown(options.batch.export_timeout).IgnoreError();
  }
  processors_.push_back(std::move(processor));
  processor_.store(processors_.back().get(), std::memory_order_release);
  internal::g_tracing_enabled.store(true, std::memory_order_release);
  return OkStatus();
}

Status Tracer::Flush(std::chrono::milliseconds timeout) {
  MutexLock lock(mu_);
  BatchProcessor* p = processor_.load(std::memory_order_acquire);
  if (p == nullptr) return OkStatus();
  return p->Flush(timeout);
}

Status Tracer::Shutdown(std::chrono::milliseconds timeout) {
  MutexLock lock(mu_);
  internal::g_tracing_enabled.store(false, std::memory_order_release);
  BatchProcessor* p = processor_.exchange(nullptr);
  if (p == nullptr) return OkStatus();
  return p->Shutdown(timeout);
}

void Tracer::OnEnd(SpanRecord* record) noexcept {
  BatchProcessor* p = processor_.load(std::memory_order_acquire);
  if (p != nullptr) p->OnEnd(record);
  else Unref(record);
}

}  // namespace sdk

Status StartTracing(const TracingOptions& options) { return sdk::Tracer::Get().Start(options); }
Status FlushTracing(std::chrono::milliseconds timeout) {
  return sdk::Tracer::Get().Flush(timeout);
}
Status ShutdownTracing(std::chrono::milliseconds timeout) {
  return sdk::Tracer::Get().Shutdown(timeout);
}
bool TracingActive() { return internal::TracingEnabled(); }

TracingStats GetTracingStats() {
  const sdk::SdkCounters& c = sdk::SdkCounters::Global();
  TracingStats s;
  s.spans_ended = c.spans_ended.load();
  s.spans_exported = c.spans_exported.load();
  s.spans_dropped_queue_full = c.spans_dropped_queue_full.load();
  s.spans_dropped_export_failed = c.spans_dropped_export_failed.load();
  s.spans_rejected = c.spans_rejected.load();
  s.export_requests = c.export_requests.load();
  s.export_retries = c.export_retries.load();
  return s;
}

ScopedTracing::ScopedTracing() : ScopedTracing(TracingOptions::FromEnvironment()) {}

ScopedTracing::ScopedTracing(const TracingOptions& options,
                             std::chrono::milliseconds shutdown_timeout)
    : start_status_(StartTracing(options)), shutdown_timeout_(shutdown_timeout) {
  if (!start_status_.ok()) {
    std::fprintf(stderr, "tracelake: tracing not started: %s\n", start_status_.ToString().c_str());
  }
}

ScopedTracing::~ScopedTracing() { ShutdownTracing(shutdown_timeout_).IgnoreError(); }

}  // namespace tracelake
