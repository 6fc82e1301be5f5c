// The lake's write path (docs/lake.md): profile A and B spans (bench/profiles.h, unique random
// ids) made into otel_spans rows (lake::SpanRow) and appended to a Delta table in batches of
// LAKE_BENCH_BATCH spans (default 50,000; each batch one commit with its Parquet files), as the
// lake sink does. Reports spans/s (CPU and wall) and bytes_per_span: the table's data files over
// the spans written, the Parquet size a span costs in the lake.
//
//   build/bench/lake_bench --benchmark_repetitions=3
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "lake/delta_table.h"
#include "lake/otel_tables.h"
#include "profiles.h"

namespace {

using tracelake::lake::DeltaTable;
using tracelake::lake::DeltaTableConfig;
using tracelake::lake::Row;

int BatchSpans() {
  const char* v = std::getenv("LAKE_BENCH_BATCH");
  return v != nullptr ? std::max(100, std::atoi(v)) : 50000;
}

int64_t DataBytes(const std::filesystem::path& dir) {
  int64_t total = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().extension() == ".parquet" &&
        e.path().parent_path().filename() != "_delta_log")
      total += static_cast<int64_t>(e.file_size());
  }
  return total;
}

void AppendSpans(benchmark::State& state, bool profile_b) {
  const int n = BatchSpans();
  const std::vector<tracelake::model::Span> spans =
      profile_b ? MakeProfileB(n, 42) : MakeProfileA(n, 42);
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("tracelake-lake-bench-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  DeltaTableConfig config;
  config.name = "bench_otel_spans";
  config.columns = tracelake::lake::OtelSpanColumns();
  config.partition_column = "date";
  auto table = DeltaTable::Open(dir, config);
  if (!table.ok()) {
    state.SkipWithError(table.status().ToString().c_str());
    return;
  }
  int64_t version = 0;
  int64_t written = 0;
  for (auto _ : state) {
    std::vector<Row> rows;
    rows.reserve(spans.size());
    for (const auto& span : spans) rows.push_back(tracelake::lake::SpanRow(span));
    auto r = (*table)->Append("bench", ++version, rows);
    if (!r.ok()) {
      state.SkipWithError(r.status().ToString().c_str());
      break;
    }
    written += static_cast<int64_t>(spans.size());
  }
  state.SetItemsProcessed(written);
  if (written > 0) {
    state.counters["bytes_per_span"] =
        static_cast<double>(DataBytes(dir)) / static_cast<double>(written);
  }
  std::filesystem::remove_all(dir);
}

void BM_LakeAppendProfileA(benchmark::State& state) { AppendSpans(state, false); }
void BM_LakeAppendProfileB(benchmark::State& state) { AppendSpans(state, true); }
BENCHMARK(BM_LakeAppendProfileA)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_LakeAppendProfileB)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
