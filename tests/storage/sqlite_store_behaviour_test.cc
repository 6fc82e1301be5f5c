// SqliteTraceStore against a real SQLite file: ingest, trace aggregation, late and repeated
// spans, log records, search, paging, deletes, experiments, assessments, back-pressure.
#include <gtest/gtest.h>

#include <filesystem>
#include <future>
#include <thread>

#include "model/normalize.h"
#include "storage/sqlite/sqlite_trace_store.h"

namespace tracelake::storage {
namespace {

using model::Span;

TraceId Tid(int n) {
  TraceId t;
  t.bytes[15] = static_cast<uint8_t>(n);
  t.bytes[0] = 0xab;
  return t;
}
SpanId Sid(int n) {
  SpanId s;
  s.bytes[7] = static_cast<uint8_t>(n);
  s.bytes[0] = 0x01;
  return s;
}

Span MakeSpan(int trace, int id, int parent, uint64_t start_ms, uint64_t dur_ms,
              model::Attributes attrs = {}) {
  Span s;
  s.trace_id = Tid(trace);
  s.span_id = Sid(id);
  if (parent) s.parent_span_id = Sid(parent);
  s.name = parent ? "child-" + std::to_string(id) : "root";
  s.start_time_unix_nano = (1700000000000ull + start_ms) * 1000000ull;
  s.end_time_unix_nano = s.start_time_unix_nano + dur_ms * 1000000ull;
  s.attributes = std::move(attrs);
  model::NormalizeSpan(s);
  return s;
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("tl_store_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    Reopen();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Reopen(StoreOptions options = {}) {
    store_.reset();
    auto s = sqlite::SqliteTraceStore::Open((dir_ / "t.db").string(), options);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }
  Status Ingest(std::vector<Span> spans, std::string exp = "0") {
    IngestBatch b;
    b.experiment_id = std::move(exp);
    b.spans = std::move(spans);
    return store_->Ingest(std::move(b));
  }

  std::filesystem::path dir_;
  std::unique_ptr<sqlite::SqliteTraceStore> store_;
};

TEST_F(SqliteStoreTest, IngestThenReadTraceWithAggregates) {
  ASSERT_TRUE(Ingest({MakeSpan(1, 1, 0, 0, 100, {{"mlflow.spanInputs", "{\"q\":\"hi\"}"},
                                                  {"mlflow.spanOutputs", "\"bye\""}}),
                      MakeSpan(1, 2, 1, 10, 50,
                               {{"gen_ai.operation.name", "chat"},
                                {"gen_ai.usage.input_tokens", int64_t{7}},
                                {"gen_ai.usage.output_tokens", int64_t{3}}})})
                  .ok());
  auto trace = store_->GetTrace(Tid(1));
  ASSERT_TRUE(trace.ok()) << trace.status().ToString();
  EXPECT_EQ(trace->spans.size(), 2u);
  EXPECT_EQ(trace->info.state, model::TraceState::kOk);
  EXPECT_FALSE(trace->info.fragmented);
  EXPECT_EQ(trace->info.execution_duration_ns, 100 * 1000000);
  EXPECT_EQ(trace->info.request_preview, "{\"q\":\"hi\"}");
  EXPECT_EQ(trace->info.response_preview, "\"bye\"");
  EXPECT_EQ(trace->info.usage.total_tokens, 10);
  EXPECT_EQ(trace->info.trace_metadata.at("mlflow.trace.tokenUsage"),
            "{\"input_tokens\":7,\"output_tokens\":3,\"total_tokens\":10}");
  EXPECT_EQ(trace->spans[1].view.span_type, "CHAT_MODEL");
  EXPECT_NE(model::FindAttribute(trace->spans[1].attributes, "mlflow.spanType"), nullptr);
  EXPECT_EQ(trace->spans[1].parent_span_id, Sid(1));
}

TEST_F(SqliteStoreTest, FragmentedTraceIsListedThenMergedWhenRootArrives) {
  ASSERT_TRUE(Ingest({MakeSpan(2, 2, 1, 20, 10), MakeSpan(2, 3, 1, 5, 10)}).ok());
  auto info = store_->GetTraceInfo(Tid(2));
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(info->fragmented);
  EXPECT_EQ(info->trace_metadata.at("tracelake.fragmented"), "true");
  EXPECT_EQ(info->request_time_ns, (1700000000000ll + 5) * 1000000);
  TraceSearchRequest all;
  all.experiment_ids = {"0"};
  EXPECT_EQ(store_->SearchTraces(all)->traces.size(), 1u);

  ASSERT_TRUE(Ingest({MakeSpan(2, 1, 0, 0, 100)}).ok());
  info = store_->GetTraceInfo(Tid(2));
  EXPECT_FALSE(info->fragmented);
  EXPECT_EQ(info->span_count, 3);
  EXPECT_EQ(info->request_time_ns, 1700000000000ll * 1000000);
  EXPECT_EQ(info->execution_duration_ns, 100 * 1000000);
}

TEST_F(SqliteStoreTest, RedeliveredSpansDoNotDoubleCount) {
  auto spans = [] {
    return std::vector<Span>{MakeSpan(3, 1, 0, 0, 10),
                             MakeSpan(3, 2, 1, 1, 5, {{"gen_ai.usage.input_tokens", int64_t{4}}})};
  };
  ASSERT_TRUE(Ingest(spans()).ok());
  ASSERT_TRUE(Ingest(spans()).ok());  // exporter retry
  auto info = store_->GetTraceInfo(Tid(3));
  EXPECT_EQ(info->span_count, 2);
  EXPECT_EQ(info->usage.input_tokens, 4);
  EXPECT_EQ(store_->Stats().spans, 2);
}

TEST_F(SqliteStoreTest, ErrorRootMakesTraceError) {
  Span root = MakeSpan(4, 1, 0, 0, 10);
  root.status_code = model::SpanStatusCode::kError;
  ASSERT_TRUE(Ingest({root}).ok());
  EXPECT_EQ(store_->GetTraceInfo(Tid(4))->state, model::TraceState::kError);
}

TEST_F(SqliteStoreTest, LogRecordsBeforeAndAfterTheSpanBecomeItsContent) {
  model::LogRecord before;
  before.trace_id = Tid(5);
  before.span_id = Sid(2);
  before.event_name = "gen_ai.user.message";
  before.body = model::AnyValue(model::AnyValue::KvList{{"content", "question?"}});
  IngestBatch logs;
  logs.log_records = {before};
  ASSERT_TRUE(store_->Ingest(std::move(logs)).ok());
  ASSERT_TRUE(Ingest({MakeSpan(5, 1, 0, 0, 10), MakeSpan(5, 2, 1, 1, 5, {{"gen_ai.operation.name", "chat"}})}).ok());
  model::LogRecord after = before;
  after.event_name = "gen_ai.choice";
  after.body = model::AnyValue(model::AnyValue::KvList{
      {"message", model::AnyValue(model::AnyValue::KvList{{"content", "answer!"}})}});
  logs = IngestBatch();
  logs.log_records = {after};
  ASSERT_TRUE(store_->Ingest(std::move(logs)).ok());
  auto trace = store_->GetTrace(Tid(5));
  ASSERT_TRUE(trace.ok());
  const Span& chat = trace->spans[1];
  EXPECT_NE(chat.view.inputs_json.find("question?"), std::string::npos);
  EXPECT_NE(chat.view.outputs_json.find("answer!"), std::string::npos);
}

TEST_F(SqliteStoreTest, SearchFiltersOrdersAndPagesWithoutGapsOrDuplicates) {
  std::vector<Span> spans;
  for (int t = 10; t < 35; ++t) {
    spans.push_back(MakeSpan(t, 1, 0, static_cast<uint64_t>(t) * 1000, static_cast<uint64_t>(t)));
    if (t % 2) spans.back().status_code = model::SpanStatusCode::kError;
  }
  ASSERT_TRUE(Ingest(spans).ok());
  ASSERT_TRUE(store_->SetTraceTag(Tid(12), "env", "prod").ok());

  auto filter = query::ParseFilter("status = 'ERROR' AND execution_time_ms >= 20");
  ASSERT_TRUE(filter.ok());
  TraceSearchRequest req;
  req.experiment_ids = {"0"};
  req.filter = filter->get();
  auto page = store_->SearchTraces(req);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(page->traces.size(), 7u);  // 21, 23, ..., 33
  EXPECT_EQ(page->traces.front().trace_id, Tid(33));  // newest first

  auto tag = query::ParseFilter("tags.env = 'prod'");
  req.filter = tag->get();
  EXPECT_EQ(store_->SearchTraces(req)->traces.size(), 1u);

  req.filter = nullptr;
  req.max_results = 4;
  std::set<TraceId> seen;
  int pages = 0;
  do {
    auto p = store_->SearchTraces(req);
    ASSERT_TRUE(p.ok());
    for (const auto& t : p->traces) EXPECT_TRUE(seen.insert(t.trace_id).second);
    req.page_token = p->next_page_token;
    ++pages;
  } while (!req.page_token.empty());
  EXPECT_EQ(seen.size(), 25u);
  EXPECT_EQ(pages, 7);

  req.page_token = "not-a-token";
  EXPECT_EQ(store_->SearchTraces(req).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(SqliteStoreTest, DeleteTracesByIdAndByTime) {
  ASSERT_TRUE(Ingest({MakeSpan(40, 1, 0, 0, 1), MakeSpan(41, 1, 0, 1000, 1), MakeSpan(42, 1, 0, 2000, 1)}).ok());
  DeleteTracesRequest d;
  d.experiment_id = "0";
  d.trace_ids = {Tid(40)};
  EXPECT_EQ(*store_->DeleteTraces(d), 1);
  EXPECT_EQ(store_->GetTrace(Tid(40)).status().code(), StatusCode::kNotFound);
  d.trace_ids.clear();
  d.max_timestamp_millis = 1700000001500;
  EXPECT_EQ(*store_->DeleteTraces(d), 1);
  EXPECT_TRUE(store_->GetTrace(Tid(42)).ok());
  EXPECT_EQ(store_->Stats().traces, 1);
}

TEST_F(SqliteStoreTest, ExperimentsLifecycle) {
  auto id = store_->CreateExperiment("exp-a", "", {{"team", "x"}});
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(store_->CreateExperiment("exp-a", "", {}).status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->GetExperimentByName("exp-a")->tags.at("team"), "x");
  EXPECT_EQ(store_->GetExperiment("999").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetExperiment("abc").status().code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(store_->DeleteExperiment(*id).ok());
  EXPECT_EQ(Ingest({MakeSpan(50, 1, 0, 0, 1)}, *id).code(), StatusCode::kNotFound);
  SearchExperimentsRequest req;
  EXPECT_EQ(store_->SearchExperiments(req)->experiments.size(), 1u);  // Default only
  req.view_type = SearchExperimentsRequest::ViewType::kAll;
  req.filter = "name LIKE 'exp-%'";
  EXPECT_EQ(store_->SearchExperiments(req)->experiments.size(), 1u);
  ASSERT_TRUE(store_->RestoreExperiment(*id).ok());
  EXPECT_TRUE(Ingest({MakeSpan(50, 1, 0, 0, 1)}, *id).ok());
  req.filter = "bogus = 1";
  EXPECT_EQ(store_->SearchExperiments(req).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(SqliteStoreTest, AssessmentsCreateGetUpdateOverrideDelete) {
  ASSERT_TRUE(Ingest({MakeSpan(60, 1, 0, 0, 1)}).ok());
  model::Assessment a;
  a.trace_id = MlflowTraceId(Tid(60));
  a.assessment_name = "correct";
  a.source.source_type = model::AssessmentSourceType::kHuman;
  a.feedback = model::Feedback{"true", std::nullopt};
  auto created = store_->CreateAssessment(a);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(created->assessment_id.substr(0, 2), "a-");
  AssessmentUpdate u;
  u.rationale = "checked by hand";
  auto updated = store_->UpdateAssessment(Tid(60), created->assessment_id, u);
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->rationale, "checked by hand");
  EXPECT_GT(updated->last_update_time_ms, created->last_update_time_ms - 1);

  model::Assessment judge = a;
  judge.source.source_type = model::AssessmentSourceType::kLlmJudge;
  judge.feedback = model::Feedback{"false", std::nullopt};
  judge.overrides = created->assessment_id;
  ASSERT_TRUE(store_->CreateAssessment(judge).ok());
  EXPECT_FALSE(store_->GetAssessment(Tid(60), created->assessment_id)->valid);
  EXPECT_EQ(store_->GetTraceInfo(Tid(60))->assessments.size(), 2u);

  auto filter = query::ParseFilter("feedback.correct = 'false'");
  TraceSearchRequest req;
  req.experiment_ids = {"0"};
  req.filter = filter->get();
  EXPECT_EQ(store_->SearchTraces(req)->traces.size(), 1u);

  ASSERT_TRUE(store_->DeleteAssessment(Tid(60), created->assessment_id).ok());
  EXPECT_EQ(store_->GetAssessment(Tid(60), created->assessment_id).status().code(), StatusCode::kNotFound);
  a.trace_id = MlflowTraceId(Tid(99));
  EXPECT_EQ(store_->CreateAssessment(a).status().code(), StatusCode::kNotFound);
}

TEST_F(SqliteStoreTest, FullQueueRefusesWithResourceExhausted) {
  StoreOptions options;
  options.max_queued_batches = 1;
  Reopen(options);
  store_->PauseWriterForTesting(true);
  auto first = std::async(std::launch::async, [&] { return Ingest({MakeSpan(70, 1, 0, 0, 1)}); });
  while (store_->Stats().queue_depth < 1) std::this_thread::yield();
  EXPECT_EQ(Ingest({MakeSpan(71, 1, 0, 0, 1)}).code(), StatusCode::kResourceExhausted);
  store_->PauseWriterForTesting(false);
  EXPECT_TRUE(first.get().ok());
  EXPECT_EQ(store_->Stats().rejected_batches, 1);
}

TEST_F(SqliteStoreTest, ShutdownDrainsQueueThenRefuses) {
  store_->PauseWriterForTesting(true);
  auto pending = std::async(std::launch::async, [&] { return Ingest({MakeSpan(80, 1, 0, 0, 1)}); });
  while (store_->Stats().queue_depth < 1) std::this_thread::yield();
  ASSERT_TRUE(store_->Shutdown(std::chrono::seconds(5)).ok());
  EXPECT_TRUE(pending.get().ok());
  EXPECT_EQ(Ingest({MakeSpan(81, 1, 0, 0, 1)}).code(), StatusCode::kUnavailable);
  Reopen();
  EXPECT_TRUE(store_->GetTrace(Tid(80)).ok());
}

TEST_F(SqliteStoreTest, ConcurrentIngestAndSearch) {
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int w = 0; w < 4; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < 20; ++i) {
        int t = 100 + w * 20 + i;
        if (!Ingest({MakeSpan(t % 256, 1, 0, 0, 1), MakeSpan(t % 256, 2, 1, 0, 1)}).ok()) ++failures;
        TraceSearchRequest req;
        req.experiment_ids = {"0"};
        if (!store_->SearchTraces(req).ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(store_->Stats().traces, 80);
}

}  // namespace
}  // namespace tracelake::storage
