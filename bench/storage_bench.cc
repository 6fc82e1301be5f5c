// Storage benchmarks: what the SQLite backend sustains on this machine.
//
//   Ingest/A, Ingest/B   spans/s through TraceStore::Ingest from 4 caller threads, 512-span
//                        batches (an OTLP exporter's default), spans normalized beforehand as
//                        the receivers do; counters: bytes_per_span on disk after the store closes.
//   GetTrace/1000        opening one 1,000-span trace (info, spans, bodies decoded, normalized).
//   Search/...           newest 50 traces matching three predicates over N traces.
//
// Environment: TL_BENCH_DIR (default /tmp) holds the databases; TL_BENCH_TRACES (default
// 200000) is N for the search benchmarks, whose database is built once and reused
// (tl_search_<N>.db); TL_BENCH_INGEST_SPANS (default 200000) spans per ingest run.
//
//   ninja -C build storage_bench && build/bench/storage_bench
//   TL_BENCH_TRACES=1000000 build/bench/storage_bench --benchmark_filter=Search
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <sys/resource.h>
#include <string>
#include <thread>
#include <vector>

#include "model/normalize.h"
#include "profiles.h"
#include "query/filter.h"
#include "storage/backend.h"

namespace {

namespace fs = std::filesystem;
using tracelake::model::Span;
using tracelake::storage::IngestBatch;
using tracelake::storage::Backend;
using tracelake::storage::TraceStore;

constexpr int kBatchSpans = 512;
constexpr int kCallerThreads = 8;
constexpr int kSpansPerTrace = 8;  // profiles.cc builds traces of 8 spans
constexpr uint64_t kSearchBaseNanos = 1'764'000'000'000'000'000ULL;

int64_t EnvInt(const char* name, int64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::atoll(v) : fallback;
}

fs::path BenchDir() {
  const char* v = std::getenv("TL_BENCH_DIR");
  return v != nullptr && *v != '\0' ? fs::path(v) : fs::path("/tmp");
}

std::unique_ptr<Backend> OpenOrDie(const fs::path& path) {
  auto store = tracelake::storage::OpenBackend("sqlite:///" + path.string());
  if (!store.ok()) {
    std::fprintf(stderr, "open %s: %s\n", path.c_str(), store.status().ToString().c_str());
    std::abort();
  }
  return std::move(*store);
}

void RemoveDb(const fs::path& path) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path.string() + suffix, ec);
}

std::vector<std::vector<Span>> Batches(std::vector<Span> spans) {
  for (auto& s : spans) tracelake::model::NormalizeSpan(s);
  std::vector<std::vector<Span>> out;
  for (size_t i = 0; i < spans.size(); i += kBatchSpans) {
    const size_t end = std::min(spans.size(), i + kBatchSpans);
    out.emplace_back(std::make_move_iterator(spans.begin() + static_cast<ptrdiff_t>(i)),
                     std::make_move_iterator(spans.begin() + static_cast<ptrdiff_t>(end)));
  }
  return out;
}

// Ingests every batch from kCallerThreads threads; returns false on any error.
bool IngestAll(TraceStore& store, std::vector<std::vector<Span>>& batches,
               const std::string& experiment_id) {
  std::atomic<size_t> next{0};
  std::atomic<bool> ok{true};
  std::vector<std::thread> threads;
  for (int t = 0; t < kCallerThreads; ++t) {
    threads.emplace_back([&] {
      for (size_t i = next++; i < batches.size(); i = next++) {
        IngestBatch batch;
        batch.experiment_id = experiment_id;
        batch.spans = std::move(batches[i]);
        // Each caller waits for its own commit, so 4 callers never fill the 256-batch queue.
        tracelake::Status st = store.Ingest(std::move(batch));
        if (!st.ok()) {
          std::fprintf(stderr, "ingest: %s\n", st.ToString().c_str());
          ok = false;
          return;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  return ok;
}

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

enum class Profile { kA, kB };

template <Profile kProfile>
void BM_Ingest(benchmark::State& state) {
  const int n = static_cast<int>(EnvInt("TL_BENCH_INGEST_SPANS", kProfile == Profile::kA ? 200000 : 80000));
  const fs::path path = BenchDir() / (kProfile == Profile::kA ? "tl_ingest_a.db" : "tl_ingest_b.db");
  double bytes_per_span = 0;
  double cpu = 0;
  for (auto _ : state) {
    state.PauseTiming();
    RemoveDb(path);
    auto batches = Batches(kProfile == Profile::kA ? MakeProfileA(n, 7) : MakeProfileB(n, 7));
    auto store = OpenOrDie(path);
    state.ResumeTiming();
    const double cpu_before = CpuSeconds();
    if (!IngestAll(store->traces(), batches, "0")) {
      state.SkipWithError("ingest failed");
      break;
    }
    cpu += CpuSeconds() - cpu_before;
    state.PauseTiming();
    store.reset();  // closing checkpoints the WAL into the main file
    bytes_per_span = static_cast<double>(fs::file_size(path)) / n;
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.counters["bytes_per_span"] = bytes_per_span;
  state.counters["cpu_us_per_span"] = cpu * 1e6 / (static_cast<double>(n) * state.iterations());
  state.counters["spans_per_s"] =
      benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_Ingest<Profile::kA>)->Name("Ingest/A")->Unit(benchmark::kMillisecond)
    ->UseRealTime()->Iterations(1);
BENCHMARK(BM_Ingest<Profile::kB>)->Name("Ingest/B")->Unit(benchmark::kMillisecond)
    ->UseRealTime()->Iterations(1);

// One trace of 1,000 profile-A spans: a root and 999 children, in 2 batches.
void BM_GetTrace1000(benchmark::State& state) {
  const fs::path path = BenchDir() / "tl_open_trace.db";
  RemoveDb(path);
  auto store = OpenOrDie(path);
  std::vector<Span> spans = MakeProfileA(1000, 11);
  for (auto& s : spans) {
    s.trace_id = spans[0].trace_id;
    s.parent_span_id = &s == &spans[0] ? tracelake::SpanId() : spans[0].span_id;
  }
  // Some neighbours so the trace is not alone in the file.
  auto others = Batches(MakeProfileA(20000, 12));
  if (!IngestAll(store->traces(), others, "0")) return state.SkipWithError("ingest failed");
  auto batches = Batches(std::move(spans));
  const tracelake::TraceId id = batches[0][0].trace_id;
  if (!IngestAll(store->traces(), batches, "0")) return state.SkipWithError("ingest failed");
  for (auto _ : state) {
    auto trace = store->traces().GetTrace(id);
    if (!trace.ok() || trace->spans.size() != 1000) {
      state.SkipWithError("GetTrace failed");
      break;
    }
    benchmark::DoNotOptimize(trace->spans.data());
  }
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_GetTrace1000)->Name("GetTrace/1000")->Unit(benchmark::kMillisecond);

// The search database: N profile-A traces of 8 spans, each root carrying user.id user-<0..19>.
struct SearchDb {
  std::unique_ptr<Backend> store;
  std::string experiment_id;
  int64_t traces = 0;
};

SearchDb& GetSearchDb() {
  static SearchDb db = [] {
    SearchDb out;
    out.traces = EnvInt("TL_BENCH_TRACES", 200000);
    const fs::path path = BenchDir() / ("tl_search_" + std::to_string(out.traces) + ".db");
    out.store = OpenOrDie(path);
    auto existing = out.store->experiments().GetExperimentByName("search-bench");
    if (existing.ok() && out.store->Stats().traces == out.traces) {
      out.experiment_id = existing->experiment_id;
      return out;
    }
    out.store.reset();
    RemoveDb(path);
    out.store = OpenOrDie(path);
    out.experiment_id = *out.store->experiments().CreateExperiment("search-bench", "", {});
    double ingest_secs = 0;
    constexpr int kChunkTraces = 20000;
    for (int64_t done = 0; done < out.traces; done += kChunkTraces) {
      const int n = static_cast<int>(std::min<int64_t>(kChunkTraces, out.traces - done));
      std::vector<Span> spans = MakeProfileA(n * kSpansPerTrace, 1000 + static_cast<uint64_t>(done));
      for (size_t i = 0; i < spans.size(); i += kSpansPerTrace) {
        spans[i].attributes.push_back(
            {"user.id", tracelake::model::AnyValue("user-" + std::to_string((i / 8) % 20))});
        // Traces arrive in time order, as live traffic does: one every 10 ms, spans shifted
        // with their root.
        const uint64_t root_start = kSearchBaseNanos + (done + static_cast<int64_t>(i / 8)) * 10'000'000ULL;
        const int64_t shift = static_cast<int64_t>(root_start - spans[i].start_time_unix_nano);
        for (size_t j = i; j < i + kSpansPerTrace && j < spans.size(); ++j) {
          spans[j].start_time_unix_nano += shift;
          spans[j].end_time_unix_nano += shift;
        }
      }
      auto batches = Batches(std::move(spans));
      const auto start = std::chrono::steady_clock::now();
      if (!IngestAll(out.store->traces(), batches, out.experiment_id)) std::abort();
      ingest_secs +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    const double spans = static_cast<double>(out.traces * kSpansPerTrace);
    std::fprintf(stderr, "built %lld traces (%.0f spans): ingest %.1f s, %.0f spans/s\n",
                 static_cast<long long>(out.traces), spans, ingest_secs, spans / ingest_secs);
    return out;
  }();
  return db;
}

void RunSearch(benchmark::State& state, const char* filter_text) {
  SearchDb& db = GetSearchDb();
  auto filter = tracelake::query::ParseFilter(filter_text);
  if (!filter.ok()) return state.SkipWithError(filter.status().ToString().c_str());
  tracelake::storage::TraceSearchRequest req;
  req.experiment_ids = {db.experiment_id};
  req.filter = filter->get();
  req.max_results = 50;
  size_t found = 0;
  for (auto _ : state) {
    auto page = db.store->traces().SearchTraces(req);
    if (!page.ok()) {
      state.SkipWithError(page.status().ToString().c_str());
      break;
    }
    found = page->traces.size();
    benchmark::DoNotOptimize(page->traces.data());
  }
  state.counters["traces_in_db"] = static_cast<double>(db.traces);
  state.counters["found"] = static_cast<double>(found);
}

void BM_SearchThreePredicates(benchmark::State& state) {
  RunSearch(state,
            "trace.status = 'OK' AND execution_time_ms > 100 AND "
            "metadata.`mlflow.trace.user` = 'user-7'");
}
BENCHMARK(BM_SearchThreePredicates)->Name("Search/status+duration+user")
    ->Unit(benchmark::kMillisecond);

void BM_SearchSpanPredicate(benchmark::State& state) {
  RunSearch(state,
            "trace.status = 'OK' AND span.name = 'redis GET cart:items' AND "
            "metadata.`mlflow.trace.user` = 'user-7'");
}
BENCHMARK(BM_SearchSpanPredicate)->Name("Search/status+span.name+user")
    ->Unit(benchmark::kMillisecond);

void BM_SearchNoFilter(benchmark::State& state) { RunSearch(state, ""); }
BENCHMARK(BM_SearchNoFilter)->Name("Search/newest50")->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
