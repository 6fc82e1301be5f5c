// C++ SDK hot path: span start+end with 10 attributes (tracing disabled, enabled with export
// on the exporter thread, and the same work without tracing), nested spans, context handoff
// across threads, and heap allocations per span on the calling thread.
//
// Counters: allocs_per_span counts operator new calls on the benchmark thread only (the
// exporter thread's conversion and encoding are not the agent's cost); dropped is spans the
// bounded queue refused because the exporter fell behind (each refused span still ran the
// whole hot path).
#include <benchmark/benchmark.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <functional>
#include <mutex>
#include <new>
#include <thread>

#include "otlp/encode.h"
#include "sdk/span_exporter.h"
#include "sdk/tracer.h"
#include "tracelake/context.h"
#include "tracelake/span.h"
#include "tracelake/tracing.h"

namespace {
thread_local uint64_t t_allocations = 0;
}  // namespace

// Counting allocator for this binary (calls on the benchmark thread are what we report).
void* operator new(std::size_t n) {
  ++t_allocations;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  ++t_allocations;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace tracelake {
namespace {

// Encodes every batch to OTLP protobuf, as the HTTP exporter does, and discards it.
class EncodingExporter final : public sdk::SpanExporter {
 public:
  sdk::ExportResult Export(const std::vector<model::Span>& spans,
                           std::chrono::milliseconds) noexcept override {
    std::string body = otlp::EncodeTracesRequestProtobuf(spans);
    benchmark::DoNotOptimize(body.data());
    return sdk::ExportResult::Success();
  }
};

void StartBenchTracing() {
  TracingOptions options;
  options.service_name = "sdk-bench";
  options.batch.max_queue_size = 1 << 16;
  options.batch.max_export_batch_size = 512;
  options.batch.schedule_delay = std::chrono::milliseconds(50);
  sdk::Tracer::Get().StartWithExporter(std::make_unique<EncodingExporter>(), options).IgnoreError();
}

void StopBenchTracing() { ShutdownTracing(std::chrono::seconds(60)).IgnoreError(); }

template <typename S>
void TenAttributes(S& span, int64_t i);

// Fills the record pool with records whose buffers already fit the benchmark's spans, so the
// measured loop shows the steady state.
void WarmPool() {
  for (int i = 0; i < 20000; ++i) {
    Span warm("warm", SpanType::kChatModel);
    TenAttributes(warm, i);
  }
  FlushTracing(std::chrono::seconds(60)).IgnoreError();
}

// The attributes a typical span carries; the values stand for what the application computes.
template <typename S>
void TenAttributes(S& span, int64_t i) {
  span.SetAttribute("gen_ai.operation.name", "chat");
  span.SetAttribute("gen_ai.request.model", "gpt-4o-mini");
  span.SetAttribute("gen_ai.usage.input_tokens", i);
  span.SetAttribute("gen_ai.usage.output_tokens", i + 1);
  span.SetAttribute("server.address", "api.example.com");
  span.SetAttribute("server.port", int64_t{443});
  span.SetAttribute("gen_ai.request.temperature", 0.2);
  span.SetAttribute("retrieval.cache_hit", true);
  span.SetAttribute("user.tier", "gold");
  span.SetAttribute("request.attempt", int64_t{1});
}

// The same calls with nothing behind them: the no-tracing baseline.
struct NoSpan {
  void SetAttribute(std::string_view k, std::string_view v) { benchmark::DoNotOptimize(v.data()); }
  void SetAttribute(std::string_view k, int64_t v) { benchmark::DoNotOptimize(v); }
  void SetAttribute(std::string_view k, double v) { benchmark::DoNotOptimize(v); }
  void SetAttribute(std::string_view k, bool v) { benchmark::DoNotOptimize(v); }
};

void ReportPerSpan(benchmark::State& state, uint64_t allocs, uint64_t spans_per_iter,
                   uint64_t dropped_before) {
  const double spans = static_cast<double>(state.iterations() * spans_per_iter);
  state.counters["allocs_per_span"] = static_cast<double>(allocs) / spans;
  state.counters["dropped"] =
      static_cast<double>(GetTracingStats().spans_dropped_queue_full - dropped_before);
  state.SetItemsProcessed(static_cast<int64_t>(spans));
}

void BM_NoTracingBaseline(benchmark::State& state) {
  int64_t i = 0;
  for (auto _ : state) {
    NoSpan span;
    TenAttributes(span, ++i);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_NoTracingBaseline);

void BM_SpanTracingDisabled(benchmark::State& state) {
  StopBenchTracing();
  int64_t i = 0;
  const uint64_t allocs = t_allocations;
  for (auto _ : state) {
    Span span("llm_call", SpanType::kChatModel);
    TenAttributes(span, ++i);
  }
  ReportPerSpan(state, t_allocations - allocs, 1, GetTracingStats().spans_dropped_queue_full);
}
BENCHMARK(BM_SpanTracingDisabled);

void BM_SpanWithExport(benchmark::State& state) {
  StartBenchTracing();
  WarmPool();
  const uint64_t dropped = GetTracingStats().spans_dropped_queue_full;
  int64_t i = 0;
  const uint64_t allocs = t_allocations;
  for (auto _ : state) {
    Span span("llm_call", SpanType::kChatModel);
    TenAttributes(span, ++i);
  }
  const uint64_t used = t_allocations - allocs;
  ReportPerSpan(state, used, 1, dropped);
  StopBenchTracing();
}
BENCHMARK(BM_SpanWithExport);

// As BM_SpanWithExport, but the exporter catches up every 8192 spans (outside the timing), so
// every span takes the enqueue path rather than the queue-full path.
void BM_SpanWithExportNoDrops(benchmark::State& state) {
  StartBenchTracing();
  WarmPool();
  const uint64_t dropped = GetTracingStats().spans_dropped_queue_full;
  int64_t i = 0;
  uint64_t allocs = 0;
  for (auto _ : state) {
    const uint64_t before = t_allocations;
    {
      Span span("llm_call", SpanType::kChatModel);
      TenAttributes(span, ++i);
    }
    allocs += t_allocations - before;
    if ((i & 8191) == 0) {
      state.PauseTiming();
      FlushTracing(std::chrono::seconds(60)).IgnoreError();
      state.ResumeTiming();
    }
  }
  ReportPerSpan(state, allocs, 1, dropped);
  StopBenchTracing();
}
BENCHMARK(BM_SpanWithExportNoDrops);

void BM_NestedSpans3(benchmark::State& state) {
  StartBenchTracing();
  WarmPool();
  const uint64_t dropped = GetTracingStats().spans_dropped_queue_full;
  const uint64_t allocs = t_allocations;
  for (auto _ : state) {
    Span agent("agent", SpanType::kAgent);
    Span chain("chain", SpanType::kChain);
    Span tool("tool", SpanType::kTool);
    tool.SetAttribute("gen_ai.tool.name", "genie_query");
  }
  ReportPerSpan(state, t_allocations - allocs, 3, dropped);
  StopBenchTracing();
}
BENCHMARK(BM_NestedSpans3);

void BM_ContextCaptureAndScope(benchmark::State& state) {
  StartBenchTracing();
  Span root("root");
  const uint64_t allocs = t_allocations;
  for (auto _ : state) {
    Context ctx = Context::Current();
    ContextScope scope(ctx);
    benchmark::DoNotOptimize(&scope);
  }
  state.counters["allocs_per_op"] = static_cast<double>(t_allocations - allocs) / state.iterations();
  root.End();
  StopBenchTracing();
}
BENCHMARK(BM_ContextCaptureAndScope);

// Tasks handed to a worker thread through a mutex queue, in batches of 64; per task. The
// baseline runs the same plain task; the traced one carries the context (Wrap) and records a
// child span on the worker.
class Worker {
 public:
  Worker() : thread_([this] { Run(); }) {}
  ~Worker() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  void Submit(std::function<void()> task) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      tasks_.push_back(std::move(task));
      ++submitted_;
    }
    cv_.notify_one();
  }
  void Drain() {
    std::unique_lock<std::mutex> lock(mu_);
    done_cv_.wait(lock, [&] { return done_ == submitted_; });
  }

 private:
  void Run() {
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      cv_.wait(lock, [&] { return stop_ || !tasks_.empty(); });
      if (tasks_.empty()) return;
      auto task = std::move(tasks_.front());
      tasks_.pop_front();
      lock.unlock();
      task();
      lock.lock();
      ++done_;
      done_cv_.notify_all();
    }
  }
  std::mutex mu_;
  std::condition_variable cv_, done_cv_;
  std::deque<std::function<void()>> tasks_;
  uint64_t submitted_ = 0, done_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

void BM_ThreadHandoffBaseline(benchmark::State& state) {
  Worker worker;
  std::atomic<int64_t> sink{0};
  for (auto _ : state) {
    for (int i = 0; i < 64; ++i) worker.Submit([&sink] { sink.fetch_add(1, std::memory_order_relaxed); });
    worker.Drain();
  }
  state.SetItemsProcessed(state.iterations() * 64);
}
BENCHMARK(BM_ThreadHandoffBaseline);

void BM_ThreadHandoffWithContext(benchmark::State& state) {
  StartBenchTracing();
  Worker worker;
  std::atomic<int64_t> sink{0};
  Span root("request", SpanType::kAgent);
  for (auto _ : state) {
    for (int i = 0; i < 64; ++i) {
      worker.Submit(Wrap([&sink] {
        Span child("task", SpanType::kRetriever);
        sink.fetch_add(1, std::memory_order_relaxed);
      }));
    }
    worker.Drain();
  }
  root.End();
  state.SetItemsProcessed(state.iterations() * 64);
  StopBenchTracing();
}
BENCHMARK(BM_ThreadHandoffWithContext);

}  // namespace
}  // namespace tracelake

BENCHMARK_MAIN();
