// Search at scale (issue 15): "newest 50" through TraceStore::SearchTraces, per predicate family
// and selectivity, over a store with realistic cardinalities.
//
// The store: TL_SEARCH_TRACES traces (default 20,000, small enough for CI's smoke run; measure
// with 1,000,000) of 4 spans (an agent root, a chat span, a tool span, a retrieval span), one
// every 10 ms, from 50 services, 200 agent names, 12 models, 100 tools and 10,000 users. Each
// predicate family has a value in four selectivity classes:
//
//   none   matches no trace          rare   0.01% of traces (every 10,000th)
//   few    1% (every 100th)          half   50% (every other)
//
// families: trace.name, trace.status (ERROR in the few class; none is IN_PROGRESS),
// metadata.`mlflow.trace.user`, span.name, span.attributes.`sel.attr`, trace.text ILIKE and
// span.content ILIKE (a word in the root's input), and the three combined with AND.
// Each benchmark is named <family>/<class>; counters: traces in the store, traces found.
//
//   ninja -C build search_bench && build/bench/search_bench
//   TL_SEARCH_TRACES=1000000 build/bench/search_bench --benchmark_filter='/none'
//
// The database is built once per size (TL_BENCH_DIR, default /tmp: tl_search_matrix_<N>.db) and
// reused by later runs.
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "model/normalize.h"
#include "query/filter.h"
#include "storage/backend.h"

namespace {

namespace fs = std::filesystem;
using tracelake::SpanId;
using tracelake::TraceId;
using tracelake::model::AnyValue;
using tracelake::model::Span;

constexpr uint64_t kBaseNanos = 1'764'000'000'000'000'000ULL;
constexpr int kBatchSpans = 512;

int64_t EnvInt(const char* name, int64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::atoll(v) : fallback;
}

// The selectivity class of trace i: which value its family predicates carry.
const char* ClassOf(int64_t i) {
  if (i % 10000 == 5000) return "rare";
  if (i % 100 == 51) return "few";
  if (i % 2 == 0) return "half";
  return "base";
}

uint64_t Mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

template <size_t N>
tracelake::ByteId<N> IdOf(uint64_t a, uint64_t b) {
  tracelake::ByteId<N> id;
  for (size_t k = 0; k < N; ++k) id.bytes[k] = static_cast<uint8_t>(Mix(a * 131 + b * 7 + k) >> 8);
  id.bytes[0] |= 1;  // never all zero
  return id;
}

std::shared_ptr<const tracelake::model::Resource> Service(int k) {
  static std::vector<std::shared_ptr<const tracelake::model::Resource>> services = [] {
    std::vector<std::shared_ptr<const tracelake::model::Resource>> out;
    for (int s = 0; s < 50; ++s) {
      auto r = std::make_shared<tracelake::model::Resource>();
      r->attributes = {{"service.name", AnyValue("svc-" + std::to_string(s))},
                       {"deployment.environment.name", AnyValue(s % 3 ? "prod" : "staging")}};
      out.push_back(std::move(r));
    }
    return out;
  }();
  return services[static_cast<size_t>(k % 50)];
}

// The 4 spans of trace i.
void MakeTrace(int64_t i, std::vector<Span>& out) {
  const std::string cls = ClassOf(i);
  const uint64_t h = Mix(static_cast<uint64_t>(i));
  const TraceId trace = IdOf<16>(static_cast<uint64_t>(i), 1);
  const uint64_t t0 = kBaseNanos + static_cast<uint64_t>(i) * 10'000'000ULL;
  const auto resource = Service(static_cast<int>(h % 50));
  auto span = [&](int n, int parent, std::string name, uint64_t start, uint64_t dur) -> Span& {
    Span& s = out.emplace_back();
    s.trace_id = trace;
    s.span_id = IdOf<8>(static_cast<uint64_t>(i), static_cast<uint64_t>(n) + 2);
    if (parent >= 0)
      s.parent_span_id = IdOf<8>(static_cast<uint64_t>(i), static_cast<uint64_t>(parent) + 2);
    s.name = std::move(name);
    s.start_time_unix_nano = start;
    s.end_time_unix_nano = start + dur;
    s.resource = resource;
    return s;
  };
  const std::string agent = cls == "base" ? "agent-" + std::to_string(h % 200) : "agent-" + cls;
  Span& root = span(0, -1, agent, t0, 2'000'000'000ULL);
  root.kind = tracelake::model::SpanKind::kServer;
  const std::string user =
      cls == "base" ? "user-" + std::to_string((h >> 8) % 10000) : "user-" + cls;
  root.attributes = {
      {"user.id", AnyValue(user)},
      {"session.id", AnyValue("session-" + std::to_string((h >> 20) % 100000))},
      {"gen_ai.input.messages",
       AnyValue(R"([{"role":"user","parts":[{"type":"text","content":"please look up order )" +
                std::to_string(h % 1000000) + " for needle-" + cls + R"( today"}]}])")}};
  if (cls == "few") root.status_code = tracelake::model::SpanStatusCode::kError;
  const std::string model = "model-" + std::to_string((h >> 12) % 12);
  Span& chat = span(1, 0, "chat " + model, t0 + 1'000'000, 800'000'000);
  chat.kind = tracelake::model::SpanKind::kClient;
  chat.attributes = {
      {"gen_ai.operation.name", AnyValue("chat")},
      {"gen_ai.request.model", AnyValue(model)},
      {"gen_ai.usage.input_tokens", AnyValue(int64_t{100 + static_cast<int64_t>(h % 900)})},
      {"gen_ai.usage.output_tokens", AnyValue(int64_t{10 + static_cast<int64_t>(h % 90)})}};
  const std::string tool =
      cls == "base" ? "tool-" + std::to_string((h >> 16) % 100) : "tool-" + cls;
  Span& t = span(2, 0, tool, t0 + 900'000'000, 300'000'000);
  t.attributes = {{"gen_ai.operation.name", AnyValue("execute_tool")},
                  {"gen_ai.tool.name", AnyValue(tool)},
                  {"sel.attr", AnyValue("attr-" + cls)}};
  Span& r = span(3, 0, "retrieve", t0 + 1'300'000'000, 200'000'000);
  r.attributes = {
      {"db.system.name", AnyValue("postgresql")},
      {"db.query.text", AnyValue("SELECT * FROM docs WHERE id = " + std::to_string(h % 5000))}};
}

struct Store {
  std::unique_ptr<tracelake::storage::Backend> backend;
  std::string experiment_id;
  int64_t traces = 0;
};

Store& TheStore() {
  static Store store = [] {
    Store s;
    s.traces = EnvInt("TL_SEARCH_TRACES", 20000);
    const char* dir_env = std::getenv("TL_BENCH_DIR");
    const fs::path dir =
        dir_env != nullptr && *dir_env != '\0' ? fs::path(dir_env) : fs::path("/tmp");
    const fs::path path = dir / ("tl_search_matrix_" + std::to_string(s.traces) + ".db");
    auto open = [&] {
      auto b = tracelake::storage::OpenBackend("sqlite:///" + path.string());
      if (!b.ok()) {
        std::fprintf(stderr, "open %s: %s\n", path.c_str(), b.status().ToString().c_str());
        std::abort();
      }
      return std::move(*b);
    };
    s.backend = open();
    auto existing = s.backend->experiments().GetExperimentByName("search-matrix");
    if (existing.ok() && s.backend->Stats().traces == s.traces) {
      s.experiment_id = existing->experiment_id;
      return s;
    }
    s.backend.reset();
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path.string() + suffix, ec);
    s.backend = open();
    s.experiment_id = *s.backend->experiments().CreateExperiment("search-matrix", "", {});
    const auto start = std::chrono::steady_clock::now();
    std::atomic<int64_t> next{0};
    std::atomic<bool> ok{true};
    constexpr int64_t kTracesPerBatch = kBatchSpans / 4;
    std::vector<std::thread> threads;
    for (int w = 0; w < 4; ++w) {
      threads.emplace_back([&] {
        for (int64_t first = next.fetch_add(kTracesPerBatch); first < s.traces && ok;
             first = next.fetch_add(kTracesPerBatch)) {
          tracelake::storage::IngestBatch batch;
          batch.experiment_id = s.experiment_id;
          for (int64_t i = first; i < std::min(s.traces, first + kTracesPerBatch); ++i)
            MakeTrace(i, batch.spans);
          for (Span& span : batch.spans) tracelake::model::NormalizeSpan(span);
          if (!s.backend->traces().Ingest(std::move(batch)).ok()) ok = false;
        }
      });
    }
    for (auto& t : threads) t.join();
    if (!ok) std::abort();
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr, "built %lld traces (%lld spans) in %.1f s\n",
                 static_cast<long long>(s.traces), static_cast<long long>(s.traces * 4), secs);
    return s;
  }();
  return store;
}

void Search(benchmark::State& state, const std::string& filter_text) {
  Store& s = TheStore();
  auto filter = tracelake::query::ParseFilter(filter_text);
  if (!filter.ok()) return state.SkipWithError(filter.status().ToString().c_str());
  tracelake::storage::TraceSearchRequest req;
  req.experiment_ids = {s.experiment_id};
  req.filter = filter->get();
  req.max_results = 50;
  size_t found = 0;
  for (auto _ : state) {
    auto page = s.backend->traces().SearchTraces(req);
    if (!page.ok()) return state.SkipWithError(page.status().ToString().c_str());
    found = page->traces.size();
  }
  state.counters["traces"] = static_cast<double>(s.traces);
  state.counters["found"] = static_cast<double>(found);
}

struct Family {
  const char* name;
  std::string (*filter)(const std::string& cls);
};

const Family kFamilies[] = {
    {"trace.name", [](const std::string& c) { return "trace.name = 'agent-" + c + "'"; }},
    {"trace.status",
     [](const std::string& c) {
       // Only one class exists for status: ERROR is the "few" traces.
       return std::string(c == "few" ? "trace.status = 'ERROR'" : "trace.status = 'IN_PROGRESS'");
     }},
    {"metadata.user",
     [](const std::string& c) { return "metadata.`mlflow.trace.user` = 'user-" + c + "'"; }},
    {"span.name", [](const std::string& c) { return "span.name = 'tool-" + c + "'"; }},
    {"span.attribute",
     [](const std::string& c) { return "span.attributes.`sel.attr` = 'attr-" + c + "'"; }},
    {"trace.text", [](const std::string& c) { return "trace.text ILIKE '%needle-" + c + " %'"; }},
    {"span.content",
     [](const std::string& c) { return "span.content ILIKE '%needle-" + c + " %'"; }},
    {"and3",
     [](const std::string& c) {
       return "trace.name = 'agent-" + c + "' AND metadata.`mlflow.trace.user` = 'user-" + c +
              "' AND span.name = 'tool-" + c + "'";
     }},
};

const char* const kClasses[] = {"none", "rare", "few", "half"};

int Register() {
  for (const Family& f : kFamilies) {
    for (const char* c : kClasses) {
      if (std::string(f.name) == "trace.status" && std::string(c) != "few" &&
          std::string(c) != "none")
        continue;
      const std::string filter = f.filter(c);
      benchmark::RegisterBenchmark((std::string(f.name) + "/" + c).c_str(),
                                   [filter](benchmark::State& st) { Search(st, filter); })
          ->Unit(benchmark::kMillisecond);
    }
  }
  return 0;
}
const int kRegistered = Register();

}  // namespace

BENCHMARK_MAIN();
