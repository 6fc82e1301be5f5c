// Dashboard benchmarks: all panels of an experiment's dashboard (the five queries the web UI
// sends, docs/metrics.md) over 30 days of traces, answered from the rollups kept at ingest; and
// the same dashboard filtered (raw rows) over one hour.
//
//   Dashboard30d/<bucket>  5 metric queries + series building over 30 days (bucket 1 day or 1 h)
//   FilteredDashboard1h    the same 5 queries with a filter, over the newest hour (raw rows)
//   MlflowLatency1d/<view> MLflow's trace-metrics API over the newest day (raw rows): trace
//                          latency by name per hour (0), span latency by name (1)
//
// Environment: TL_METRICS_BENCH_SPANS (default 20000: a smoke test) spans over 30 days, in
// traces of 10 spans (root, 3 LLM calls on 3 models, 6 tools; 5% of roots fail). With
// TL_BENCH_DIR set, the database is built once and reused (tl_metrics_<N>.db); otherwise it
// is a temporary file.
//
//   TL_BENCH_DIR=/tmp TL_METRICS_BENCH_SPANS=10000000 build/bench/metrics_bench
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <random>
#include <thread>
#include <unistd.h>

#include "model/normalize.h"
#include "model/price_table.h"
#include "query/filter.h"
#include "storage/metric_series.h"
#include "storage/backend.h"

namespace {

namespace fs = std::filesystem;
using namespace tracelake;  // NOLINT

constexpr int64_t kDayMs = 86'400'000;
constexpr int64_t kEndMs = 1'764'028'800'000;  // a day boundary (UTC)
constexpr int64_t kStartMs = kEndMs - 30 * kDayMs;
constexpr int kSpansPerTrace = 10;

int64_t EnvInt(const char* name, int64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::atoll(v) : fallback;
}

TraceId MakeTraceId(uint64_t n) {
  TraceId t;
  for (int b = 0; b < 8; ++b) t.bytes[static_cast<size_t>(b)] = static_cast<uint8_t>(n >> (8 * b));
  t.bytes[15] = 1;
  return t;
}
SpanId MakeSpanId(uint64_t n) {
  SpanId s;
  for (int b = 0; b < 8; ++b) s.bytes[static_cast<size_t>(b)] = static_cast<uint8_t>(n >> (8 * b));
  return s;
}

// Trace n: start spread evenly over the 30 days, durations log-normal.
void AppendTrace(uint64_t n, uint64_t traces, std::mt19937_64& rng, std::vector<model::Span>& out) {
  static const char* kTools[] = {"search", "fetch", "parse", "rank", "format", "store"};
  static const char* kModels[] = {"gpt-4o", "claude-3-5-sonnet", "house-llm"};
  std::lognormal_distribution<double> dur(std::log(40.0), 0.8);
  const int64_t start_ns =
      (kStartMs + static_cast<int64_t>((30 * kDayMs - 60'000) * n / std::max<uint64_t>(1, traces))) *
      1'000'000;
  const TraceId tid = MakeTraceId(n);
  model::Span root;
  root.trace_id = tid;
  root.span_id = MakeSpanId(n * 16 + 1);
  root.name = "agent";
  root.start_time_unix_nano = static_cast<uint64_t>(start_ns);
  root.end_time_unix_nano = static_cast<uint64_t>(start_ns + static_cast<int64_t>(dur(rng) * 20e6));
  if (n % 20 == 0) {
    root.status_code = model::SpanStatusCode::kError;
    model::SpanEvent ev;
    ev.name = "exception";
    ev.attributes.push_back({"exception.type", model::AnyValue(n % 40 == 0 ? "ValueError" : "TimeoutError")});
    root.events.push_back(std::move(ev));
  }
  out.push_back(std::move(root));
  for (int k = 1; k < kSpansPerTrace; ++k) {
    model::Span s;
    s.trace_id = tid;
    s.span_id = MakeSpanId(n * 16 + 1 + static_cast<uint64_t>(k));
    s.parent_span_id = MakeSpanId(n * 16 + 1);
    const int64_t st = start_ns + k * 1'000'000;
    s.start_time_unix_nano = static_cast<uint64_t>(st);
    s.end_time_unix_nano = static_cast<uint64_t>(st + static_cast<int64_t>(dur(rng) * 1e6));
    if (k <= 3) {
      s.name = "llm";
      s.attributes = {{"gen_ai.operation.name", model::AnyValue("chat")},
                      {"gen_ai.request.model", model::AnyValue(kModels[k - 1])},
                      {"gen_ai.usage.input_tokens", model::AnyValue(int64_t{800 + k})},
                      {"gen_ai.usage.output_tokens", model::AnyValue(int64_t{120})}};
    } else {
      s.name = kTools[k - 4];
    }
    out.push_back(std::move(s));
  }
}

// Builds (or reuses) the database; returns its path.
fs::path Database(int64_t spans) {
  const char* dir = std::getenv("TL_BENCH_DIR");
  static fs::path temp;
  fs::path path;
  if (dir != nullptr && *dir != '\0') {
    path = fs::path(dir) / ("tl_metrics_" + std::to_string(spans) + ".db");
    if (fs::exists(path)) return path;
  } else {
    if (!temp.empty()) return temp;
    temp = fs::temp_directory_path() / ("tl_metrics_bench_" + std::to_string(::getpid()) + ".db");
    path = temp;
  }
  auto store = storage::OpenBackend("sqlite:///" + path.string() + ".tmp");
  if (!store.ok()) std::abort();
  const uint64_t traces = static_cast<uint64_t>(std::max<int64_t>(1, spans / kSpansPerTrace));
  // Two callers, each preparing its own batches, so the writer is never idle.
  auto worker = [&](uint64_t first) {
    std::mt19937_64 rng(first);
    storage::IngestBatch batch;
    for (uint64_t n = first; n < traces; n += 2) {
      AppendTrace(n, traces, rng, batch.spans);
      if (batch.spans.size() >= 5000 || n + 2 >= traces) {
        for (auto& s : batch.spans) model::NormalizeSpan(s);
        if (!(*store)->traces().Ingest(std::move(batch)).ok()) std::abort();
        batch = storage::IngestBatch();
      }
    }
  };
  std::thread a(worker, 0), b(worker, 1);
  a.join();
  b.join();
  (*store)->Shutdown(std::chrono::minutes(10)).IgnoreError();
  store->reset();
  for (const char* suffix : {"-wal", "-shm"}) fs::remove(path.string() + ".tmp" + suffix);
  fs::rename(path.string() + ".tmp", path);
  return path;
}

struct Panel {
  storage::MetricLevel level;
  bool bucketed;
  std::vector<std::string> metrics;
  std::vector<std::string> group_by;
};

// The dashboard's five queries (web/src/components/DashboardPage.tsx).
const std::vector<Panel>& Panels() {
  static const std::vector<Panel> panels = {
      {storage::MetricLevel::kTrace, true,
       {"trace_count", "error_count", "error_rate", "latency_p50_ms", "latency_p90_ms",
        "latency_p99_ms"}, {}},
      {storage::MetricLevel::kSpan, true, {"total_tokens", "cost_usd"}, {}},
      {storage::MetricLevel::kSpan, false, {"span_error_count"}, {"error_type"}},
      {storage::MetricLevel::kSpan, false,
       {"span_count", "span_error_count", "span_latency_p50_ms", "span_latency_p99_ms"},
       {"span_name"}},
      {storage::MetricLevel::kSpan, false,
       {"span_count", "input_tokens", "output_tokens", "cached_input_tokens", "total_tokens",
        "cost_usd", "unpriced_tokens"}, {"model"}},
  };
  return panels;
}

size_t RunDashboard(storage::MetricStore& store, int64_t start, int64_t end, int64_t bucket,
                    const query::Expr* filter, bool* rollups) {
  size_t points = 0;
  for (const Panel& p : Panels()) {
    storage::MetricQuery q;
    q.level = p.level;
    q.experiment_ids = {"0"};
    q.start_ms = start;
    q.end_ms = end;
    if (p.bucketed) q.bucket_ms = bucket;
    q.filter = filter;
    for (const auto& g : p.group_by) q.group_by.push_back(*storage::ParseGroupBy(g));
    auto table = store.QueryMetrics(q);
    if (!table.ok()) std::abort();
    *rollups = table->from_rollups;
    auto series = storage::BuildMetricSeries(q, std::move(*table), p.metrics,
                                             model::PriceTable::Default());
    if (!series.ok()) std::abort();
    for (const auto& s : *series) points += s.points.size();
  }
  return points;
}

std::unique_ptr<storage::Backend> OpenBenchStore() {
  const int64_t spans = EnvInt("TL_METRICS_BENCH_SPANS", 20000);
  auto store = storage::OpenBackend("sqlite:///" + Database(spans).string());
  if (!store.ok()) std::abort();
  return std::move(*store);
}

void Dashboard30d(benchmark::State& state) {
  auto store = OpenBenchStore();
  bool rollups = false;
  size_t points = 0;
  for (auto _ : state) {
    points = RunDashboard(store->metrics(), kStartMs, kEndMs, state.range(0), nullptr, &rollups);
    benchmark::DoNotOptimize(points);
  }
  state.counters["rollups"] = rollups ? 1 : 0;
  state.counters["spans"] = static_cast<double>(store->Stats().spans);
}
BENCHMARK(Dashboard30d)->Arg(kDayMs)->Arg(3'600'000)->Unit(benchmark::kMillisecond);

void FilteredDashboard1h(benchmark::State& state) {
  auto store = OpenBenchStore();
  auto filter = query::ParseFilter("span.name = 'search' AND status = 'OK'");
  if (!filter.ok()) std::abort();
  bool rollups = true;
  size_t points = 0;
  for (auto _ : state) {
    points = RunDashboard(store->metrics(), kEndMs - 3'600'000, kEndMs, 60'000, filter->get(), &rollups);
    benchmark::DoNotOptimize(points);
  }
  state.counters["rollups"] = rollups ? 1 : 0;
}
BENCHMARK(FilteredDashboard1h)->Unit(benchmark::kMillisecond);

// MLflow's trace-metrics API (POST /api/3.0/mlflow/traces/metrics) reads raw rows, exactly:
// one query of the kind MLflow's UI sends, grouped by name, P50/P99 and AVG per group, over the
// newest day (arg 0: TRACES view, latency by trace_name, hourly buckets; arg 1: SPANS view,
// latency by span_name, one total).
void MlflowLatency1d(benchmark::State& state) {
  auto store = OpenBenchStore();
  const bool spans = state.range(0) == 1;
  storage::ValueMetricQuery q;
  q.view = spans ? storage::ValueView::kSpans : storage::ValueView::kTraces;
  q.column = spans ? storage::ValueColumn::kSpanLatencyMs : storage::ValueColumn::kTraceLatencyMs;
  q.experiment_ids = {"0"};
  q.start_ms = kEndMs - kDayMs;
  q.end_ms = kEndMs;
  if (!spans) q.bucket_ms = 3'600'000;
  q.dimensions = {spans ? storage::ValueDimension::kSpanName : storage::ValueDimension::kTraceName};
  size_t rows = 0;
  for (auto _ : state) {
    auto table = store->metrics().QueryMetricValues(q);
    if (!table.ok()) std::abort();
    rows = 0;
    for (auto& cell : table->cells) {
      rows += static_cast<size_t>(cell.count);
      benchmark::DoNotOptimize(storage::AggregateValues(cell, storage::ValueAggregation::kAvg));
      benchmark::DoNotOptimize(
          storage::AggregateValues(cell, storage::ValueAggregation::kPercentile, 50));
      benchmark::DoNotOptimize(
          storage::AggregateValues(cell, storage::ValueAggregation::kPercentile, 99));
    }
  }
  state.counters["rows"] = static_cast<double>(rows);
}
BENCHMARK(MlflowLatency1d)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  const char* dir = std::getenv("TL_BENCH_DIR");
  if (dir == nullptr || *dir == '\0') {
    std::error_code ec;
    const fs::path temp =
        fs::temp_directory_path() / ("tl_metrics_bench_" + std::to_string(::getpid()) + ".db");
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(temp.string() + suffix, ec);
  }
  return 0;
}
