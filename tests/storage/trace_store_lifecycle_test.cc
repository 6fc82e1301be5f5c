// TraceStore contract, lifecycle: back-pressure, shutdown, concurrency, stats, reopening, URIs.
#include <sqlite3.h>

#include <atomic>
#include <set>
#include <thread>

#include "storage/metric_values.h"
#include "storage/sqlite/schema.h"
#include "trace_store_contract.h"

namespace tracelake::storage::testing {
namespace {

template <typename B>
using LifecycleContractTest = StoreFixture<B>;
TYPED_TEST_SUITE(LifecycleContractTest, Backends, BackendNames);

// Waits (without sleeping) until the writer queue holds n batches.
void AwaitQueueDepth(Backend& store, int64_t n) {
  while (store.Stats().queue_depth < n) std::this_thread::yield();
}

TYPED_TEST(LifecycleContractTest, FullQueueRefusesWithResourceExhausted) {
  StoreOptions tiny;
  tiny.max_queued_batches = 1;
  this->Open(tiny);
  TypeParam::PauseWriter(this->backend(), true);
  Status queued_result;
  std::thread queued([&] { queued_result = this->Ingest({MakeSpan(1, 1, 0, 0, 10)}); });
  AwaitQueueDepth(this->backend(), 1);
  EXPECT_THAT(this->Ingest({MakeSpan(2, 1, 0, 0, 10)}), StatusIs(StatusCode::kResourceExhausted));
  EXPECT_EQ(this->backend().Stats().rejected_batches, 1);
  TypeParam::PauseWriter(this->backend(), false);
  queued.join();
  EXPECT_TRUE(queued_result.ok()) << queued_result.ToString();
  EXPECT_TRUE(this->traces().GetTraceInfo(Tid(1)).ok());
  EXPECT_THAT(this->traces().GetTraceInfo(Tid(2)), StatusIs(StatusCode::kNotFound));
}

TYPED_TEST(LifecycleContractTest, ShutdownCommitsQueuedBatchesThenRefuses) {
  TypeParam::PauseWriter(this->backend(), true);
  std::vector<Status> results(3);
  std::vector<std::thread> callers;
  for (int i = 0; i < 3; ++i)
    callers.emplace_back([&, i] { results[i] = this->Ingest({MakeSpan(i + 1, 1, 0, 0, 10)}); });
  AwaitQueueDepth(this->backend(), 3);
  EXPECT_TRUE(this->backend().Shutdown(std::chrono::seconds(30)).ok());
  for (auto& t : callers) t.join();
  for (const Status& st : results) EXPECT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(this->backend().Stats().traces, 3);
  EXPECT_EQ(this->backend().Stats().queue_depth, 0);
  EXPECT_TRUE(this->traces().GetTrace(Tid(3)).ok());  // reads still work
  EXPECT_THAT(this->Ingest({MakeSpan(4, 1, 0, 0, 10)}), StatusIs(StatusCode::kUnavailable));
  EXPECT_TRUE(this->backend().Shutdown(std::chrono::seconds(1)).ok());  // idempotent
}

// Writers and readers at once: every read sees whole batches (a trace's span count always
// matches the spans GetTrace returns), and at the end everything is there exactly once.
TYPED_TEST(LifecycleContractTest, ConcurrentIngestAndSearch) {
  constexpr int kWriters = 3;
  constexpr int kBatches = 25;
  constexpr int kTracesPerBatch = 4;
  std::atomic<int> writers_done{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int b = 0; b < kBatches; ++b) {
        std::vector<model::Span> spans;
        for (int t = 0; t < kTracesPerBatch; ++t) {
          const int trace = (w * kBatches + b) * kTracesPerBatch + t + 1;
          spans.push_back(MakeSpan(trace, 1, 0, trace, 5, Tokens(1, 1)));
          spans.push_back(MakeSpan(trace, 2, 1, trace + 1, 1));
        }
        if (!this->Ingest(std::move(spans)).ok()) ++failures;
      }
      ++writers_done;
    });
  }
  std::atomic<int64_t> reads{0};
  for (int r = 0; r < 2; ++r) {
    threads.emplace_back([&] {
      while (writers_done.load() < kWriters) {
        TraceSearchRequest req;
        req.experiment_ids = {"0"};
        req.max_results = 10;
        auto page = this->traces().SearchTraces(req);
        if (!page.ok()) {
          ++failures;
          continue;
        }
        for (const auto& info : page->traces) {
          if (info.span_count != 2) ++failures;
          auto trace = this->traces().GetTrace(info.trace_id);
          if (!trace.ok() || trace->spans.size() != 2) ++failures;
        }
        ++reads;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(reads.load(), 0);
  const StoreStats stats = this->backend().Stats();
  EXPECT_EQ(stats.traces, kWriters * kBatches * kTracesPerBatch);
  EXPECT_EQ(stats.spans, 2 * stats.traces);
  TraceSearchRequest all;
  all.max_results = 1000;
  EXPECT_EQ(static_cast<int64_t>(this->traces().SearchTraces(all)->traces.size()), stats.traces);
}

TYPED_TEST(LifecycleContractTest, StatsCountTracesSpansAndBytes) {
  ASSERT_TRUE(
      this->Ingest({MakeSpan(1, 1, 0, 0, 10), MakeSpan(1, 2, 1, 1, 1), MakeSpan(2, 1, 0, 0, 10)})
          .ok());
  const StoreStats s = this->backend().Stats();
  EXPECT_EQ(s.traces, 2);
  EXPECT_EQ(s.spans, 3);
  EXPECT_GT(s.bytes_on_disk, 0);
  EXPECT_EQ(s.queue_depth, 0);
  EXPECT_EQ(s.rejected_batches, 0);
}

TYPED_TEST(LifecycleContractTest, ReopeningKeepsEverything) {
  if (!TypeParam::kPersistent) GTEST_SKIP() << "in-memory stores end with their process";
  const std::string exp = this->NewExperiment("kept");
  ASSERT_TRUE(this->Ingest({MakeSpan(1, 1, 0, 0, 10, Io(R"("in")", R"("out")"))}, exp).ok());
  ASSERT_TRUE(this->traces().SetTraceTag(Tid(1), "k", "v").ok());
  this->Open();
  EXPECT_EQ(this->backend().Stats().traces, 1);
  EXPECT_EQ(this->backend().Stats().spans, 1);
  model::TraceInfo info = this->Info(1);
  EXPECT_EQ(info.experiment_id, exp);
  EXPECT_EQ(info.request_preview, R"("in")");
  EXPECT_EQ(info.tags.at("k"), "v");
  // New traces get fresh keys after a restart: both remain readable.
  ASSERT_TRUE(this->Ingest({MakeSpan(2, 1, 0, 0, 10)}).ok());
  EXPECT_EQ(this->Trace(1).spans.size(), 1u);
  EXPECT_EQ(this->Trace(2).spans.size(), 1u);
  EXPECT_EQ(*this->experiments().CreateExperiment("next", "", {}), "2");
}

TEST(OpenBackendTest, UriRules) {
  TempDir dir;
  const std::string abs = (dir.path() / "a" / "b" / "abs.db").string();
  auto store = OpenBackend("sqlite:///" + abs);  // "/tmp/..." after three slashes: absolute
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_TRUE(std::filesystem::exists(abs));
  store->reset();

  const auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  auto relative = OpenBackend("sqlite:///rel/x.db?check_same_thread=false");
  std::filesystem::current_path(cwd);
  ASSERT_TRUE(relative.ok()) << relative.status().ToString();
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "rel" / "x.db"));

  EXPECT_TRUE(OpenBackend("sqlite:///:memory:").ok());
  EXPECT_TRUE(OpenBackend("sqlite://").ok());
  auto bad = OpenBackend("mysql://host/db");
  EXPECT_THAT(bad, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(bad.status().message(), ::testing::HasSubstr("sqlite:///"));
  EXPECT_THAT(OpenBackend("postgresql://u@h/db"), StatusIs(StatusCode::kUnimplemented));
  EXPECT_THAT(OpenBackend("sqlite://host/x.db"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(OpenBackend("sqlite:///"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(OpenBackend(""), StatusIs(StatusCode::kInvalidArgument));
}

TEST(OpenBackendTest, InMemoryStoresAreIndependent) {
  auto a = OpenBackend("sqlite:///:memory:");
  auto b = OpenBackend("sqlite:///:memory:");
  ASSERT_TRUE(a.ok() && b.ok());
  IngestBatch batch;
  batch.spans = {MakeSpan(1, 1, 0, 0, 10)};
  ASSERT_TRUE((*a)->traces().Ingest(std::move(batch)).ok());
  EXPECT_TRUE((*a)->traces().GetTraceInfo(Tid(1)).ok());
  EXPECT_THAT((*b)->traces().GetTraceInfo(Tid(1)), StatusIs(StatusCode::kNotFound));
}

TEST(OpenBackendTest, RefusesNewerSchemasAndForeignDatabases) {
  TempDir dir;
  const std::string newer = (dir.path() / "newer.db").string();
  const std::string foreign = (dir.path() / "foreign.db").string();
  const std::string garbage = (dir.path() / "garbage.db").string();
  for (const auto& [path, sql] :
       {std::pair{newer, "PRAGMA user_version = 99"}, std::pair{foreign, "CREATE TABLE t(x)"}}) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  {
    std::FILE* f = std::fopen(garbage.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fputs("this is not a database file, not at all, definitely not one", f);
    std::fclose(f);
  }
  EXPECT_THAT(OpenBackend("sqlite:///" + newer), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(OpenBackend("sqlite:///" + foreign), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_FALSE(OpenBackend("sqlite:///" + garbage).ok());
  // A directory where the file should be cannot be opened.
  EXPECT_FALSE(OpenBackend("sqlite:///" + dir.path().string()).ok());
}

// Schema 5 on a file written before it: the runs and scorers tables appear, and traces and
// experiments stored before are untouched.
TEST(OpenBackendTest, MigrationToSchema5AddsRunsAndScorers) {
  TempDir dir;
  const std::string path = (dir.path() / "v4.db").string();
  {
    auto opened = OpenBackend("sqlite:///" + path);
    ASSERT_TRUE(opened.ok());
    IngestBatch batch;
    batch.spans = {MakeSpan(1, 1, 0, 0, 10)};
    ASSERT_TRUE((*opened)->traces().Ingest(std::move(batch)).ok());
  }
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    const char* kDowngrade =
        "DROP TABLE runs; DROP TABLE run_params; DROP TABLE run_tags; DROP TABLE run_metrics;"
        "DROP TABLE run_latest_metrics; DROP TABLE run_dataset_inputs; DROP TABLE scorers;"
        "DROP TABLE scorer_versions; DROP TABLE online_scoring_configs;"
        "DROP TABLE dataset_records; DROP TABLE dataset_experiments; DROP TABLE dataset_tags;"
        "DROP TABLE datasets; DROP TABLE feed_trace_states; PRAGMA user_version = 4;";
    char* err = nullptr;
    ASSERT_EQ(sqlite3_exec(db, kDowngrade, nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
    sqlite3_close(db);
  }
  auto opened = OpenBackend("sqlite:///" + path);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_TRUE((*opened)->traces().GetTraceInfo(Tid(1)).ok());
  auto run = (*opened)->runs().CreateRun({});
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_TRUE((*opened)->scorers().RegisterScorer("0", "s", "{}").ok());
}

// Schema 4 on a file written before it: usage stored incomplete (an embeddings span with input
// tokens only) is completed in span_facts, traces and the rollups; the cost columns start empty.
TEST(OpenBackendTest, MigrationToSchema4CompletesStoredUsage) {
  TempDir dir;
  const std::string path = (dir.path() / "old.db").string();
  {
    auto opened = OpenBackend("sqlite:///" + path);
    ASSERT_TRUE(opened.ok());
    IngestBatch batch;
    batch.spans = {
        MakeSpan(1, 1, 0, 0, 10),
        MakeSpan(1, 2, 1, 1, 5, {{"gen_ai.usage.input_tokens", model::AnyValue(int64_t{15})}}),
        MakeSpan(1, 3, 1, 2, 5, Tokens(10, 5))};
    ASSERT_TRUE((*opened)->traces().Ingest(std::move(batch)).ok());
  }
  {
    // Turn it back into what schema 3 stored: no cost columns, usage with only the known counts.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    const char* kDowngrade =
        "ALTER TABLE span_facts DROP COLUMN input_cost; ALTER TABLE span_facts DROP COLUMN "
        "output_cost;"
        "ALTER TABLE span_facts DROP COLUMN total_cost; ALTER TABLE span_facts DROP COLUMN "
        "provider;"
        "ALTER TABLE traces DROP COLUMN input_cost;"
        "ALTER TABLE traces DROP COLUMN output_cost; ALTER TABLE traces DROP COLUMN total_cost;"
        "UPDATE span_facts SET output_tokens = NULL, total_tokens = NULL WHERE output_tokens = 0;"
        "UPDATE traces SET total_tokens = 15;"
        "UPDATE rollup_spans SET total_tokens = 0 WHERE name = 'child-2';"
        // Schema 5's tables (runs and scorers) did not exist either.
        "DROP TABLE runs; DROP TABLE run_params; DROP TABLE run_tags; DROP TABLE run_metrics;"
        "DROP TABLE run_latest_metrics; DROP TABLE run_dataset_inputs; DROP TABLE scorers;"
        "DROP TABLE scorer_versions; DROP TABLE online_scoring_configs;"
        // Nor schema 6's (datasets).
        "DROP TABLE dataset_records; DROP TABLE dataset_experiments; DROP TABLE dataset_tags;"
        "DROP TABLE datasets;"
        // Nor schema 8's.
        "DROP TABLE feed_trace_states;"
        "PRAGMA user_version = 3;";
    char* err = nullptr;
    ASSERT_EQ(sqlite3_exec(db, kDowngrade, nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
    sqlite3_close(db);
  }
  auto opened = OpenBackend("sqlite:///" + path);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  auto info = (*opened)->traces().GetTraceInfo(Tid(1));
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->usage.input_tokens, 25);
  EXPECT_EQ(info->usage.output_tokens, 5);
  EXPECT_EQ(info->usage.total_tokens, 30);
  EXPECT_FALSE(info->cost.has_value());
  ValueMetricQuery q;
  q.view = ValueView::kSpans;
  q.column = ValueColumn::kSpanTotalCost;
  q.experiment_ids = {"0"};
  auto cost = (*opened)->metrics().QueryMetricValues(q);
  ASSERT_TRUE(cost.ok()) << cost.status().ToString();
  for (const auto& cell : cost->cells) EXPECT_EQ(cell.count, 0);  // no span has a cost
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT SUM(total_tokens), SUM(output_tokens) FROM span_facts; ",
                               -1, &st, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int64(st, 0), 30);
  EXPECT_EQ(sqlite3_column_int64(st, 1), 5);
  sqlite3_finalize(st);
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT SUM(total_tokens) FROM rollup_spans WHERE period = 1",
                               -1, &st, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int64(st, 0), 30);
  sqlite3_finalize(st);
  sqlite3_close(db);
}

// Schema 6 on a file written before it: the dataset tables appear.
TEST(OpenBackendTest, MigrationToSchema6AddsDatasetTables) {
  TempDir dir;
  const std::string path = (dir.path() / "v5.db").string();
  {
    auto opened = OpenBackend("sqlite:///" + path);
    ASSERT_TRUE(opened.ok());
    IngestBatch batch;
    batch.spans = {MakeSpan(1, 1, 0, 0, 10)};
    ASSERT_TRUE((*opened)->traces().Ingest(std::move(batch)).ok());
  }
  {
    // What schema 5 stored: no dataset tables.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    const char* kDowngrade =
        "DROP TABLE dataset_records; DROP TABLE dataset_experiments; DROP TABLE dataset_tags;"
        "DROP TABLE datasets; DROP TABLE feed_trace_states; PRAGMA user_version = 5;";
    char* err = nullptr;
    ASSERT_EQ(sqlite3_exec(db, kDowngrade, nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
    sqlite3_close(db);
  }
  auto opened = OpenBackend("sqlite:///" + path);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_TRUE((*opened)->traces().GetTraceInfo(Tid(1)).ok());
  CreateDatasetRequest req;
  req.name = "after-migration";
  auto d = (*opened)->datasets().CreateDataset(req);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  DatasetRecordInput r;
  r.inputs_json = R"({"q": 1})";
  EXPECT_TRUE((*opened)->datasets().UpsertRecords(d->dataset_id, {r}).ok());
}

// Schema 7 on a file written before it: an evaluation run's feedback is found through the new
// source-run index, and an assessment whose stored metadata is not JSON does not stop the step.
TEST(OpenBackendTest, MigrationToSchema7IndexesRunFeedback) {
  TempDir dir;
  const std::string path = (dir.path() / "v6.db").string();
  auto feedback = [](const std::string& name, const std::string& run) {
    model::Assessment a;
    a.trace_id = MlflowTraceId(Tid(1));
    a.assessment_name = name;
    a.source.source_type = model::AssessmentSourceType::kLlmJudge;
    a.source.source_id = "openai:/gpt-4o-mini";
    a.feedback = model::Feedback{"\"yes\"", std::nullopt};
    if (!run.empty()) a.metadata = {{"mlflow.assessment.sourceRunId", run}};
    return a;
  };
  {
    auto opened = OpenBackend("sqlite:///" + path);
    ASSERT_TRUE(opened.ok());
    IngestBatch batch;
    batch.spans = {MakeSpan(1, 1, 0, 0, 10)};
    ASSERT_TRUE((*opened)->traces().Ingest(std::move(batch)).ok());
    ASSERT_TRUE(
        (*opened)
            ->assessments()
            .CreateAssessments({feedback("correctness", "run-a"), feedback("safety", "run-a"),
                                feedback("safety", "run-b"), feedback("human", "")})
            .ok());
  }
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    const char* kDowngrade =
        "DROP INDEX assessments_by_source_run; DROP TABLE feed_trace_states;"
        "UPDATE assessments SET metadata_json = 'not json' WHERE name = 'human';"
        "PRAGMA user_version = 6;";
    char* err = nullptr;
    ASSERT_EQ(sqlite3_exec(db, kDowngrade, nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
    sqlite3_close(db);
  }
  {
    auto opened = OpenBackend("sqlite:///" + path);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    auto a = (*opened)->assessments().ListRunAssessments("run-a");
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    std::set<std::string> names;
    for (const model::Assessment& x : *a) names.insert(x.assessment_name);
    EXPECT_EQ(names, (std::set<std::string>{"correctness", "safety"}));
    EXPECT_EQ((*opened)->assessments().ListRunAssessments("run-b")->size(), 1u);
  }
  // The planner uses the index for the run query's shape.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  const std::string plan_sql =
      "EXPLAIN QUERY PLAN SELECT assessment_id FROM assessments WHERE kind = 1 AND valid = 1 AND " +
      std::string(sqlite::kAssessmentSourceRunSql) + " = 'run-a'";
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, plan_sql.c_str(), -1, &st, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  std::string plan;
  while (sqlite3_step(st) == SQLITE_ROW)
    plan += reinterpret_cast<const char*>(sqlite3_column_text(st, 3)) + std::string("\n");
  sqlite3_finalize(st);
  sqlite3_close(db);
  EXPECT_THAT(plan, ::testing::HasSubstr("assessments_by_source_run")) << plan;
}

}  // namespace
}  // namespace tracelake::storage::testing
