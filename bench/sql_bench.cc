// SQL over the trace tables (docs/sql.md): query time over a store of profile-A spans.
//
//   GroupByNameNoBody   SELECT name, count(*), avg(duration) FROM otel_spans GROUP BY name
//                       (ids, names and times only: span bodies are not decoded)
//   GroupByAttribute    GROUP BY json_extract(attributes, '$."http.request.method"')
//                       (every span body decoded, attributes turned into JSON)
//   TracesView          SELECT state, count(*), sum(total_tokens) FROM traces GROUP BY state
//   OneTrace            SELECT * FROM otel_spans WHERE trace_id = '...' (pushdown)
//   LastMinuteAttribute GroupByAttribute over the spans of the profile's last minute
//                       (start bounds pushed down: ~13% of the traces have such a span)
//
// The store holds SQL_BENCH_SPANS spans (default 200,000), ingested once in 512-span batches.
// Counters: spans/s scanned.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "profiles.h"
#include "storage/sqlite/sql_query.h"
#include "storage/sqlite/sqlite_backend.h"

namespace {

namespace fs = std::filesystem;
using tracelake::storage::sqlite::SqliteBackend;
using tracelake::storage::sqlite::SqlQueryEngine;
using tracelake::storage::sqlite::SqlQueryOptions;

struct Store {
  fs::path dir;
  std::unique_ptr<SqliteBackend> backend;
  std::unique_ptr<SqlQueryEngine> engine;
  int64_t spans = 0;
  std::string one_trace;
};

Store& TheStore() {
  static Store* store = [] {
    auto* s = new Store();  // NOLINT: lives for the process
    s->dir = fs::temp_directory_path() / ("tl_sql_bench_" + std::to_string(::getpid()));
    fs::create_directories(s->dir);
    auto backend = SqliteBackend::Open((s->dir / "store.db").string(), {});
    if (!backend.ok()) std::abort();
    s->backend = std::move(*backend);
    const char* env = std::getenv("SQL_BENCH_SPANS");
    const int n = env != nullptr ? std::atoi(env) : 200000;
    for (int done = 0; done < n; done += 512) {
      tracelake::storage::IngestBatch batch;
      batch.spans = MakeProfileA(std::min(512, n - done), static_cast<uint64_t>(done) + 1);
      if (done == 0) s->one_trace = batch.spans[0].trace_id.Hex();
      if (!s->backend->traces().Ingest(std::move(batch)).ok()) std::abort();
    }
    s->spans = n;
    s->engine = SqlQueryEngine::Create(s->backend->database().path());
    return s;
  }();
  return *store;
}

void RunQuery(benchmark::State& state, const std::string& sql, bool per_span) {
  Store& s = TheStore();
  SqlQueryOptions options;
  options.time_limit = std::chrono::minutes(10);
  for (auto _ : state) {
    auto r = s.engine->Run(sql, options);
    if (!r.ok()) {
      state.SkipWithError(std::string(r.status().message()).c_str());
      return;
    }
    benchmark::DoNotOptimize(r->rows.size());
  }
  if (per_span) {
    state.counters["spans/s"] =
        benchmark::Counter(static_cast<double>(s.spans) * static_cast<double>(state.iterations()),
                           benchmark::Counter::kIsRate);
  }
}

void GroupByNameNoBody(benchmark::State& state) {
  RunQuery(state,
           "SELECT name, count(*), avg(end_time_unix_nano - start_time_unix_nano) "
           "FROM otel_spans GROUP BY name",
           true);
}
void GroupByAttribute(benchmark::State& state) {
  RunQuery(state,
           "SELECT json_extract(attributes, '$.\"http.request.method\"') AS m, count(*) "
           "FROM otel_spans GROUP BY m",
           true);
}
void TracesView(benchmark::State& state) {
  RunQuery(state, "SELECT state, count(*), sum(total_tokens) FROM traces GROUP BY state", false);
}
void OneTrace(benchmark::State& state) {
  RunQuery(state, "SELECT * FROM otel_spans WHERE trace_id = '" + TheStore().one_trace + "'",
           false);
}

void LastMinuteAttribute(benchmark::State& state) {
  // Profile A starts spans at random over one hour from 2025-11-24T00:00:00Z.
  const std::string from = std::to_string(1'763'960'000'000'000'000ULL + 3'540'000'000'000ULL);
  RunQuery(state,
           "SELECT json_extract(attributes, '$.\"http.request.method\"') AS m, count(*) "
           "FROM otel_spans WHERE start_time_unix_nano >= " +
               from + " GROUP BY m",
           false);
}

BENCHMARK(GroupByNameNoBody)->Unit(benchmark::kMillisecond)->MinTime(2);
BENCHMARK(GroupByAttribute)->Unit(benchmark::kMillisecond)->MinTime(2);
BENCHMARK(TracesView)->Unit(benchmark::kMillisecond);
BENCHMARK(OneTrace)->Unit(benchmark::kMicrosecond);
BENCHMARK(LastMinuteAttribute)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  std::error_code ec;
  fs::remove_all(TheStore().dir, ec);
  return 0;
}
