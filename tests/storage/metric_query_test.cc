// Metric queries: rollups kept at ingest agree with a direct computation over the raw rows
// (exactly for counts and tokens, within the sketch's relative error for percentiles), also
// after late roots, re-delivered spans, client trace info, deletes, a batch that fails inside a
// group commit, and spans sent for a trace of another experiment.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cmath>
#include <map>
#include <random>
#include <thread>

#include "model/price_table.h"
#include "storage/metric_series.h"
#include "storage/backend.h"
#include "storage/sqlite/sqlite_backend.h"
#include "store_test_util.h"

namespace tracelake::storage {
namespace {

using testing::MakeSpan;
using testing::Sid;
using testing::Tid;

// A minute- and hour-aligned origin near the test epoch.
constexpr int64_t kHour = 3'600'000;
const int64_t kOrigin = (testing::Ms(0) / kHour + 1) * kHour;
uint64_t At(int64_t ms_after_origin) {
  return static_cast<uint64_t>(kOrigin - testing::Ms(0) + ms_after_origin);
}

model::Attributes Llm(const std::string& model, int64_t in, int64_t out, int64_t cached) {
  return {{"gen_ai.operation.name", model::AnyValue("chat")},
          {"gen_ai.request.model", model::AnyValue(model)},
          {"gen_ai.usage.input_tokens", model::AnyValue(in)},
          {"gen_ai.usage.output_tokens", model::AnyValue(out)},
          {"gen_ai.usage.cache_read.input_tokens", model::AnyValue(cached)}};
}

void Fail(model::Span& s, const std::string& type) {
  s.status_code = model::SpanStatusCode::kError;
  model::SpanEvent ev;
  ev.name = "exception";
  ev.attributes.push_back({"exception.type", model::AnyValue(type)});
  s.events.push_back(std::move(ev));
}

const std::vector<std::string> kTraceMetrics = {"trace_count",    "error_count",
                                                "error_rate",     "latency_p50_ms",
                                                "latency_p90_ms", "latency_p99_ms"};
const std::vector<std::string> kSpanMetrics = {
    "span_count",          "span_error_count", "span_latency_p50_ms", "span_latency_p99_ms",
    "input_tokens",        "output_tokens",    "cached_input_tokens", "total_tokens",
    "cost_usd",            "unpriced_tokens"};

class MetricQueryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = OpenBackend("sqlite:///:memory:");
    ASSERT_TRUE(s.ok());
    backend_ = std::move(*s);
  }

  TraceStore& traces() { return backend_->traces(); }
  ExperimentStore& experiments() { return backend_->experiments(); }
  AssessmentStore& assessments() { return backend_->assessments(); }
  Backend& backend() { return *backend_; }

  std::vector<MetricSeries> Run(MetricQuery q, const std::vector<std::string>& metrics,
                                bool expect_rollups) {
    auto table = backend_->metrics().QueryMetrics(q);
    EXPECT_TRUE(table.ok()) << table.status().ToString();
    if (!table.ok()) return {};
    EXPECT_EQ(table->from_rollups, expect_rollups);
    auto series = BuildMetricSeries(q, std::move(*table), metrics, model::PriceTable::Default());
    EXPECT_TRUE(series.ok()) << series.status().ToString();
    return series.ok() ? *series : std::vector<MetricSeries>{};
  }

  // The rollup answer of q equals the raw answer: counts and sums exactly, percentiles within
  // the sketch's relative error.
  void ExpectRollupsMatchRaw(MetricQuery q, const std::vector<std::string>& metrics) {
    q.exact = false;
    auto fast = Run(q, metrics, /*expect_rollups=*/true);
    q.exact = true;
    auto raw = Run(q, metrics, /*expect_rollups=*/false);
    ASSERT_EQ(fast.size(), raw.size());
    for (size_t i = 0; i < fast.size(); ++i) {
      ASSERT_EQ(fast[i].group, raw[i].group);
      ASSERT_EQ(fast[i].points.size(), raw[i].points.size());
      for (size_t p = 0; p < fast[i].points.size(); ++p) {
        const auto& a = fast[i].points[p];
        const auto& b = raw[i].points[p];
        ASSERT_EQ(a.time_ms, b.time_ms);
        for (size_t m = 0; m < a.values.size(); ++m) {
          const auto& name = a.values[m].first;
          ASSERT_EQ(a.values[m].second.has_value(), b.values[m].second.has_value()) << name;
          if (!a.values[m].second) continue;
          const double x = *a.values[m].second, y = *b.values[m].second;
          if (name.find("latency") != std::string::npos) {
            EXPECT_LE(std::abs(x - y), LatencySketch::kRelativeError * y + 1e-9)
                << name << " at " << a.time_ms;
          } else {
            EXPECT_NEAR(x, y, 1e-9 * std::max(1.0, std::abs(y))) << name << " at " << a.time_ms;
          }
        }
      }
    }
  }

  MetricQuery Query(MetricLevel level, int64_t from, int64_t to, std::optional<int64_t> bucket) {
    MetricQuery q;
    q.level = level;
    q.experiment_ids = {experiment_};
    q.start_ms = kOrigin + from;
    q.end_ms = kOrigin + to;
    q.bucket_ms = bucket;
    return q;
  }

  // Random traces over three hours: a root, a retriever and an LLM call each; some fail.
  void IngestRandomTraces(int n) {
    std::mt19937_64 rng(1234);
    std::uniform_int_distribution<int64_t> when(0, 3 * kHour - 10'000);
    std::lognormal_distribution<double> dur(std::log(800.0), 1.0);
    const char* models[] = {"gpt-4o", "gpt-4o-mini-2024-07-18", "house-model"};
    IngestBatch batch;
    for (int t = 1; t <= n; ++t) {
      const int64_t start = when(rng);
      const auto d = static_cast<uint64_t>(dur(rng)) + 5;
      auto root = MakeSpan(t, 1, 0, At(start), d, {}, "agent");
      auto retrieve = MakeSpan(t, 2, 1, At(start + 1), d / 3, {}, "retrieve");
      auto llm = MakeSpan(t, 3, 1, At(start + 2), d / 2,
                          Llm(models[t % 3], 100 + t, 20 + t % 7, t % 4 == 0 ? 50 : 0), "llm");
      if (t % 10 == 0) Fail(root, "ValueError");
      if (t % 15 == 0) Fail(llm, "TimeoutError");
      for (auto* s : {&root, &retrieve, &llm}) batch.spans.push_back(*s);
      if (batch.spans.size() >= 300) {
        ASSERT_TRUE(traces().Ingest(std::move(batch)).ok());
        batch = IngestBatch();
      }
    }
    if (!batch.spans.empty()) {
      ASSERT_TRUE(traces().Ingest(std::move(batch)).ok());
    }
  }

  void ExpectAllViewsAgree() {
    for (auto bucket : {std::optional<int64_t>(), std::optional<int64_t>(kHour),
                        std::optional<int64_t>(10 * 60'000)}) {
      // Aligned to hours, and with minute edges around whole hours.
      for (auto [from, to] : {std::pair<int64_t, int64_t>{0, 3 * kHour},
                              std::pair<int64_t, int64_t>{-7 * 60'000, 3 * kHour + 60'000},
                              std::pair<int64_t, int64_t>{13 * 60'000, 2 * kHour + 5 * 60'000}}) {
        ExpectRollupsMatchRaw(Query(MetricLevel::kTrace, from, to, bucket), kTraceMetrics);
        auto q = Query(MetricLevel::kTrace, from, to, bucket);
        q.group_by = {*ParseGroupBy("status")};
        ExpectRollupsMatchRaw(q, kTraceMetrics);
        for (const char* g : {"span_name", "model", "error_type", "span_type"}) {
          auto sq = Query(MetricLevel::kSpan, from, to, bucket);
          sq.group_by = {*ParseGroupBy(g)};
          ExpectRollupsMatchRaw(sq, kSpanMetrics);
        }
        ExpectRollupsMatchRaw(Query(MetricLevel::kSpan, from, to, bucket), kSpanMetrics);
      }
    }
  }

  std::unique_ptr<Backend> backend_;
  std::string experiment_ = "0";  // the experiment Query() asks about
};

TEST_F(MetricQueryTest, RollupsAgreeWithRawRows) {
  IngestRandomTraces(240);
  ExpectAllViewsAgree();
}

TEST_F(MetricQueryTest, TotalsMatchADirectComputation) {
  IngestRandomTraces(240);
  auto series = Run(Query(MetricLevel::kTrace, 0, 3 * kHour, std::nullopt), kTraceMetrics, true);
  ASSERT_EQ(series.size(), 1u);
  const auto& v = series[0].points.at(0).values;
  EXPECT_EQ(*v[0].second, 240);  // trace_count
  EXPECT_EQ(*v[1].second, 24);   // error_count: every 10th root failed
  EXPECT_DOUBLE_EQ(*v[2].second, 0.1);

  auto q = Query(MetricLevel::kSpan, 0, 3 * kHour, std::nullopt);
  q.group_by = {*ParseGroupBy("model")};
  auto by_model = Run(q, {"input_tokens", "output_tokens", "cached_input_tokens", "cost_usd",
                          "unpriced_tokens"}, true);
  std::map<std::string, int64_t> input, output, cached;
  for (int t = 1; t <= 240; ++t) {
    const char* models[] = {"gpt-4o", "gpt-4o-mini-2024-07-18", "house-model"};
    input[models[t % 3]] += 100 + t;
    output[models[t % 3]] += 20 + t % 7;
    cached[models[t % 3]] += t % 4 == 0 ? 50 : 0;
  }
  ASSERT_EQ(by_model.size(), 4u);  // "" (spans without a model), and the three models
  for (const auto& s : by_model) {
    const std::string m = *s.group[0].second;
    const auto& pv = s.points[0].values;
    if (m.empty()) {
      EXPECT_EQ(*pv[0].second, 0);
      continue;
    }
    EXPECT_EQ(*pv[0].second, input[m]) << m;
    EXPECT_EQ(*pv[1].second, output[m]) << m;
    EXPECT_EQ(*pv[2].second, cached[m]) << m;
    auto price = model::PriceTable::Default().Find(m);
    if (price) {
      EXPECT_NEAR(*pv[3].second, model::PriceTable::Cost(*price, input[m], cached[m], output[m]),
                  1e-12);
      EXPECT_EQ(*pv[4].second, 0);
    } else {
      EXPECT_FALSE(pv[3].second.has_value()) << "unpriced model must not cost zero";
      EXPECT_EQ(*pv[4].second, input[m] + output[m]);
    }
  }
}

TEST_F(MetricQueryTest, LateRootsRedeliveriesAndDeletesKeepRollupsConsistent) {
  IngestRandomTraces(60);
  // Trace 500: children first (fragmented), the root later and earlier in time (moves the
  // trace to another minute and changes its duration and state).
  IngestBatch first;
  auto child = MakeSpan(500, 2, 1, At(2 * kHour + 30'000), 400, Llm("gpt-4o", 10, 5, 0), "llm");
  first.spans.push_back(child);
  ASSERT_TRUE(traces().Ingest(std::move(first)).ok());
  ExpectAllViewsAgree();
  IngestBatch late;
  auto root = MakeSpan(500, 1, 0, At(2 * kHour - 90'000), 200'000, {}, "agent");
  Fail(root, "KeyError");
  late.spans.push_back(root);
  ASSERT_TRUE(traces().Ingest(std::move(late)).ok());
  ExpectAllViewsAgree();
  // Re-delivered spans with other values replace their first copies.
  IngestBatch again;
  again.spans.push_back(MakeSpan(500, 2, 1, At(2 * kHour + 35'000), 900,
                                 Llm("claude-3-haiku", 7, 3, 1), "llm"));
  again.spans.push_back(MakeSpan(7, 3, 1, At(kHour), 10, {}, "llm-retry"));
  ASSERT_TRUE(traces().Ingest(std::move(again)).ok());
  ExpectAllViewsAgree();
  // Client-side trace info (StartTraceV3 style) for a new and an existing trace.
  model::TraceInfo info;
  info.trace_id = Tid(900);
  info.experiment_id = "0";
  info.state = model::TraceState::kInProgress;
  info.request_time_ns = (kOrigin + 100'000) * 1'000'000;
  ASSERT_TRUE(traces().UpsertTraceInfo(info).ok());
  info.trace_id = Tid(8);
  info.state = model::TraceState::kError;
  ASSERT_TRUE(traces().UpsertTraceInfo(info).ok());
  ExpectAllViewsAgree();
  // Deletes take traces and their spans out.
  DeleteTracesRequest del;
  del.experiment_id = "0";
  del.trace_ids = {Tid(500), Tid(3), Tid(900)};
  ASSERT_EQ(*traces().DeleteTraces(del), 3);
  ExpectAllViewsAgree();
  auto series = Run(Query(MetricLevel::kTrace, -kHour, 4 * kHour, std::nullopt), {"trace_count"},
                    true);
  EXPECT_EQ(*series.at(0).points.at(0).values[0].second, 59);
}

// The writer commits queued batches as one group, without savepoints unless a batch fails;
// then it runs the group again with one savepoint per batch. The failing batch is undone alone
// (its new trace too), the others commit, and the rollups equal the stored rows.
TEST_F(MetricQueryTest, ABatchFailingInAGroupIsUndoneAlone) {
  testing::TempDir dir;
  const std::string path = (dir.path() / "store.db").string();
  auto opened = OpenBackend("sqlite:///" + path);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  backend_ = std::move(*opened);
  IngestRandomTraces(30);
  ExpectAllViewsAgree();
  // Trace 7's stored span bodies become unreadable: re-delivering one of its spans then fails
  // in the writer (DATA_LOSS), after the batch's other work has started.
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 10000);
    const std::string key = "(SELECT trace_key FROM traces WHERE trace_id = x'" +
                            testing::Tid(7).Hex() + "')";
    const std::string sql = "UPDATE span_chunks SET body = x'01ffffff' WHERE chunk_id >= " + key +
                            " * 1048576 AND chunk_id < (" + key + " + 1) * 1048576";
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    EXPECT_GT(sqlite3_changes(db), 0);
    sqlite3_close(db);
  }
  auto& writer = dynamic_cast<sqlite::SqliteBackend&>(*backend_);
  std::vector<IngestBatch> batches(3);
  // A new trace, and a re-delivered LLM span of trace 8 with other tokens and model.
  batches[0].spans = {MakeSpan(600, 1, 0, At(kHour + 1000), 50, {}, "agent"),
                      MakeSpan(8, 3, 1, At(kHour + 2000), 70, Llm("gpt-4o", 11, 22, 0), "llm")};
  batches[1].spans = {MakeSpan(601, 1, 0, At(kHour + 3000), 60, {}, "agent"),
                      MakeSpan(7, 2, 1, At(kHour + 4000), 30, {}, "retrieve")};
  batches[2].spans = {MakeSpan(602, 1, 0, At(2 * kHour + 5000), 80, {}, "agent"),
                      MakeSpan(602, 2, 1, At(2 * kHour + 5001), 40, Llm("house-model", 5, 6, 0),
                               "llm")};
  writer.PauseWriterForTesting(true);
  std::vector<Status> results(batches.size());
  std::vector<std::thread> callers;
  for (size_t i = 0; i < batches.size(); ++i)
    callers.emplace_back([&, i] { results[i] = traces().Ingest(std::move(batches[i])); });
  while (backend_->Stats().queue_depth < 3) std::this_thread::yield();
  writer.PauseWriterForTesting(false);  // the writer takes all three as one group
  for (auto& t : callers) t.join();
  EXPECT_TRUE(results[0].ok()) << results[0].ToString();
  EXPECT_THAT(results[1], testing::StatusIs(StatusCode::kDataLoss));
  EXPECT_TRUE(results[2].ok()) << results[2].ToString();
  EXPECT_TRUE(traces().GetTraceInfo(Tid(600)).ok());
  EXPECT_THAT(traces().GetTraceInfo(Tid(601)), testing::StatusIs(StatusCode::kNotFound));
  EXPECT_TRUE(traces().GetTraceInfo(Tid(602)).ok());
  EXPECT_EQ(backend_->Stats().traces, 32);
  ExpectAllViewsAgree();
  auto series = Run(Query(MetricLevel::kTrace, -kHour, 4 * kHour, std::nullopt), {"trace_count"},
                    true);
  EXPECT_EQ(*series.at(0).points.at(0).values[0].second, 32);
}

// "The first batch's experiment keeps the trace": spans sent later under another experiment
// join the trace, and count in the rollups of the trace's experiment, not the batch's.
TEST_F(MetricQueryTest, SpansForATraceOfAnotherExperimentCountInTheTracesExperiment) {
  IngestRandomTraces(30);
  auto other = experiments().CreateExperiment("other", "", {});
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  IngestBatch batch;
  batch.experiment_id = *other;
  batch.spans = {MakeSpan(9, 4, 1, At(kHour), 300, Llm("gpt-4o", 7, 8, 0), "late-llm"),
                 MakeSpan(700, 1, 0, At(kHour + 60'000), 90, {}, "agent"),
                 MakeSpan(700, 2, 1, At(kHour + 60'001), 30, Llm("house-model", 3, 4, 0), "llm")};
  ASSERT_TRUE(traces().Ingest(std::move(batch)).ok());
  ExpectAllViewsAgree();
  auto spans = Run(Query(MetricLevel::kSpan, -kHour, 4 * kHour, std::nullopt), {"span_count"},
                   true);
  EXPECT_EQ(*spans.at(0).points.at(0).values[0].second, 91);  // 30 traces x 3 + trace 9's new
  experiment_ = *other;
  ExpectAllViewsAgree();
  spans = Run(Query(MetricLevel::kSpan, -kHour, 4 * kHour, std::nullopt), {"span_count"}, true);
  EXPECT_EQ(*spans.at(0).points.at(0).values[0].second, 2);  // trace 700 only
}

TEST_F(MetricQueryTest, FilteredQueriesReadRawRows) {
  IngestRandomTraces(90);
  auto filter = query::ParseFilter("status = 'ERROR'");
  ASSERT_TRUE(filter.ok());
  auto q = Query(MetricLevel::kTrace, 0, 3 * kHour, std::nullopt);
  q.filter = filter->get();
  auto series = Run(q, {"trace_count", "error_rate"}, /*expect_rollups=*/false);
  ASSERT_EQ(series.size(), 1u);
  EXPECT_EQ(*series[0].points[0].values[0].second, 9);
  EXPECT_EQ(*series[0].points[0].values[1].second, 1.0);

  auto sq = Query(MetricLevel::kSpan, 0, 3 * kHour, std::nullopt);
  sq.filter = filter->get();
  sq.group_by = {*ParseGroupBy("span_name")};
  auto spans = Run(sq, {"span_count"}, false);
  ASSERT_EQ(spans.size(), 3u);  // agent, llm, retrieve of the 9 failed traces
  for (const auto& s : spans) EXPECT_EQ(*s.points[0].values[0].second, 9);
}

TEST_F(MetricQueryTest, RejectsBadQueries) {
  auto q = Query(MetricLevel::kTrace, 0, kHour, 60'000);
  q.group_by = {*ParseGroupBy("span_name")};
  q.exact = true;
  EXPECT_EQ(backend_->metrics().QueryMetrics(q).status().code(), StatusCode::kInvalidArgument);
  q = Query(MetricLevel::kTrace, kHour, 0, std::nullopt);
  EXPECT_EQ(backend_->metrics().QueryMetrics(q).status().code(), StatusCode::kInvalidArgument);
  q = Query(MetricLevel::kTrace, 0, kHour, 0);
  EXPECT_EQ(backend_->metrics().QueryMetrics(q).status().code(), StatusCode::kInvalidArgument);
  q = Query(MetricLevel::kTrace, 0, 1000 * kHour, 1000);
  auto table = backend_->metrics().QueryMetrics(q);
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(BuildMetricSeries(q, std::move(*table), {"trace_count"}, model::PriceTable::Default())
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_FALSE(ParseGroupBy("nonsense").ok());
  EXPECT_FALSE(LevelOfMetric("nonsense").ok());
  EXPECT_EQ(ParseGroupBy("tag.user")->key, "user");
  EXPECT_EQ(ParseGroupBy("metadata.`mlflow.user`")->key, "mlflow.user");
}

TEST_F(MetricQueryTest, ModelUsagePerTrace) {
  IngestBatch b;
  b.spans.push_back(MakeSpan(1, 1, 0, At(0), 100, {}, "agent"));
  b.spans.push_back(MakeSpan(1, 2, 1, At(1), 10, Llm("gpt-4o", 1000, 100, 200), "a"));
  b.spans.push_back(MakeSpan(1, 3, 1, At(2), 10, Llm("gpt-4o", 500, 50, 0), "b"));
  b.spans.push_back(MakeSpan(1, 4, 1, At(3), 10, Llm("mystery", 10, 1, 0), "c"));
  ASSERT_TRUE(traces().Ingest(std::move(b)).ok());
  auto usage = backend_->metrics().GetModelUsage({Tid(1), Tid(2)});
  ASSERT_TRUE(usage.ok());
  ASSERT_EQ(usage->size(), 2u);
  ASSERT_EQ((*usage)[0].size(), 2u);
  EXPECT_EQ((*usage)[0][0].model, "gpt-4o");
  EXPECT_EQ((*usage)[0][0].usage.input_tokens, 1500);
  EXPECT_EQ((*usage)[0][0].usage.cached_input_tokens, 200);
  EXPECT_EQ((*usage)[0][1].model, "mystery");
  EXPECT_TRUE((*usage)[1].empty());
}

}  // namespace
}  // namespace tracelake::storage
