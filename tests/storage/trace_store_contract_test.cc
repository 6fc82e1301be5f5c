// TraceStore contract, traces: ingest, trace info aggregation (roots, fragments, late and
// re-delivered spans, previews, tokens), GenAI log records, UpsertTraceInfo, deletes, tags.
#include <algorithm>

#include "model/price_table.h"
#include "storage/metric_values.h"
#include "trace_store_contract.h"

namespace tracelake::storage::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

template <typename B>
using TraceStoreContractTest = StoreFixture<B>;
TYPED_TEST_SUITE(TraceStoreContractTest, Backends, BackendNames);

model::LogRecord GenAiLog(int trace, int span, const std::string& event, model::AnyValue body,
                          uint64_t at_ms) {
  model::LogRecord r;
  r.trace_id = Tid(trace);
  r.span_id = Sid(span);
  r.event_name = event;
  r.body = std::move(body);
  r.time_unix_nano = Ns(at_ms);
  return r;
}

model::AnyValue Content(const std::string& text) {
  return model::AnyValue(model::AnyValue::KvList{{"content", model::AnyValue(text)}});
}

TYPED_TEST(TraceStoreContractTest, IngestThenGetTraceReturnsInfoAndSpansInStartOrder) {
  model::Span root = MakeSpan(1, 1, 0, 0, 900, Io(R"({"q":"hi"})", R"({"a":"yo"})"), "agent");
  root.kind = model::SpanKind::kServer;
  root.status_message = "fine";
  root.events.push_back({Ns(5), "retry", {{"attempt", model::AnyValue(int64_t{2})}}, 0});
  root.links.push_back({Tid(9), Sid(9), "k=v", {{"why", model::AnyValue("follows")}}, 1, 1});
  auto resource = std::make_shared<model::Resource>();
  resource->attributes = {{"service.name", model::AnyValue("svc")}};
  root.resource = resource;
  auto scope = std::make_shared<model::Scope>();
  scope->name = "lib";
  scope->version = "1.2";
  root.scope = scope;
  model::Span llm = MakeSpan(1, 3, 1, 200, 100, Tokens(10, 5), "chat");
  model::Span tool = MakeSpan(1, 2, 1, 100, 50, {{"tool.args", model::AnyValue("x")}}, "tool");
  ASSERT_TRUE(this->Ingest({llm, root, tool}).ok());

  model::Trace t = this->Trace(1);
  const model::TraceInfo& info = t.info;
  EXPECT_EQ(info.trace_id, Tid(1));
  EXPECT_EQ(info.experiment_id, "0");
  EXPECT_EQ(info.request_time_ns, static_cast<int64_t>(Ns(0)));
  EXPECT_EQ(info.execution_duration_ns, 900'000'000);
  EXPECT_EQ(info.state, model::TraceState::kOk);
  EXPECT_FALSE(info.fragmented);
  EXPECT_EQ(info.span_count, 3);
  EXPECT_EQ(info.request_preview, R"({"q":"hi"})");
  EXPECT_EQ(info.response_preview, R"({"a":"yo"})");
  EXPECT_EQ(info.usage.input_tokens, 10);
  EXPECT_EQ(info.usage.output_tokens, 5);
  EXPECT_EQ(info.usage.total_tokens, 15);
  EXPECT_EQ(info.trace_metadata.at("mlflow.trace_schema.version"), "3");
  EXPECT_EQ(info.trace_metadata.at("mlflow.trace.tokenUsage"),
            R"({"input_tokens": 10, "output_tokens": 5, "total_tokens": 15})");

  ASSERT_EQ(t.spans.size(), 3u);
  EXPECT_EQ(t.spans[0].name, "agent");
  EXPECT_EQ(t.spans[1].name, "tool");
  EXPECT_EQ(t.spans[2].name, "chat");
  const model::Span& r = t.spans[0];
  EXPECT_EQ(r.trace_id, Tid(1));
  EXPECT_TRUE(r.is_root());
  EXPECT_EQ(r.kind, model::SpanKind::kServer);
  EXPECT_EQ(r.status_message, "fine");
  EXPECT_EQ(r.end_time_unix_nano, Ns(900));
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].name, "retry");
  EXPECT_EQ(r.events[0].attributes[0].value.as_int(), 2);
  ASSERT_EQ(r.links.size(), 1u);
  EXPECT_EQ(r.links[0].trace_id, Tid(9));
  EXPECT_EQ(r.links[0].trace_state, "k=v");
  ASSERT_TRUE(r.resource);
  EXPECT_EQ(r.resource->attributes[0].value.as_string(), "svc");
  ASSERT_TRUE(r.scope);
  EXPECT_EQ(r.scope->name, "lib");
  EXPECT_EQ(r.scope->version, "1.2");
  // The sender's attributes come back, and the MLflow ones are derived again.
  EXPECT_NE(model::FindAttribute(r.attributes, "mlflow.spanInputs"), nullptr);
  EXPECT_NE(model::FindAttribute(t.spans[1].attributes, "tool.args"), nullptr);
  EXPECT_EQ(t.spans[2].view.span_type, "CHAT_MODEL");
  EXPECT_EQ(t.spans[2].parent_span_id, Sid(1));
  EXPECT_EQ(t.spans[2].view.usage.input_tokens, 10);
}

TYPED_TEST(TraceStoreContractTest, PartialSpanUsageIsStoredCompleteAndAddsUp) {
  // An embeddings call reports input tokens only; a chat call reports both.
  model::Span root = MakeSpan(1, 1, 0, 0, 900, {}, "agent");
  model::Span embed = MakeSpan(1, 2, 1, 10, 10, {{"gen_ai.operation.name", model::AnyValue("embeddings")},
                                                 {"gen_ai.usage.input_tokens", model::AnyValue(int64_t{15})}},
                               "embed");
  model::Span chat = MakeSpan(1, 3, 1, 100, 10, Tokens(10, 5), "chat");
  ASSERT_TRUE(this->Ingest({root, embed, chat}).ok());

  model::Trace t = this->Trace(1);
  EXPECT_EQ(t.info.usage.input_tokens, 25);
  EXPECT_EQ(t.info.usage.output_tokens, 5);
  EXPECT_EQ(t.info.usage.total_tokens, 30);
  EXPECT_EQ(t.info.trace_metadata.at("mlflow.trace.tokenUsage"),
            R"({"input_tokens": 25, "output_tokens": 5, "total_tokens": 30})");
  ASSERT_EQ(t.spans.size(), 3u);
  const model::AnyValue* usage = model::FindAttribute(t.spans[1].attributes, "mlflow.chat.tokenUsage");
  ASSERT_NE(usage, nullptr);
  EXPECT_EQ(usage->as_string(), R"({"input_tokens": 15, "output_tokens": 0, "total_tokens": 15})");
}

model::Span Priced(model::Span s) {
  static const model::PriceTable kPrices = *model::PriceTable::FromJson(
      R"({"models": {"gpt-4o": {"input": 2.5, "output": 10}}})");
  model::PriceSpan(s, kPrices);
  return s;
}

model::Attributes Chat(const char* model_name, int64_t in, int64_t out) {
  return Concat({{"gen_ai.request.model", model::AnyValue(model_name)}}, Tokens(in, out));
}

TYPED_TEST(TraceStoreContractTest, SpanCostsAreStoredSummedAndQueryable) {
  // Two priced calls, one unpriced model, one sender-set cost (kept as sent).
  model::Span root = MakeSpan(1, 1, 0, 0, 900, {}, "agent");
  model::Span a = Priced(MakeSpan(1, 2, 1, 10, 10, Chat("gpt-4o", 1000, 100), "a"));
  model::Span b = Priced(MakeSpan(1, 3, 1, 20, 10, Chat("gpt-4o", 2000, 200), "b"));
  model::Span c = Priced(MakeSpan(1, 4, 1, 30, 10, Chat("mystery", 5, 5), "c"));
  model::Span d = Priced(MakeSpan(
      1, 5, 1, 40, 10,
      Concat(Chat("gpt-4o", 1, 1),
             {{"mlflow.llm.cost",
               model::AnyValue(R"({"input_cost": 1.0, "output_cost": 0.5, "total_cost": 1.5})")}}),
      "d"));
  ASSERT_TRUE(this->Ingest({root, a, b, c}).ok());
  ASSERT_TRUE(this->Ingest({d, b}).ok());  // b re-delivered: counted once

  const double a_cost = (1000 * 2.5 + 100 * 10) / 1e6, b_cost = (2000 * 2.5 + 200 * 10) / 1e6;
  model::Trace t = this->Trace(1);
  ASSERT_TRUE(t.info.cost.has_value());
  EXPECT_NEAR(t.info.cost->total_cost, a_cost + b_cost + 1.5, 1e-12);
  EXPECT_NEAR(t.info.cost->output_cost, (100 + 200) * 10 / 1e6 + 0.5, 1e-12);
  ASSERT_TRUE(t.info.trace_metadata.contains("mlflow.trace.cost"));
  EXPECT_EQ(t.info.trace_metadata.at("mlflow.trace.cost"), t.info.cost->ToMlflowJson());
  ASSERT_EQ(t.spans.size(), 5u);
  ASSERT_TRUE(t.spans[1].view.cost.has_value());
  EXPECT_DOUBLE_EQ(t.spans[1].view.cost->total_cost, a_cost);
  EXPECT_NE(model::FindAttribute(t.spans[1].attributes, "mlflow.llm.cost"), nullptr);
  EXPECT_EQ(model::FindAttribute(t.spans[3].attributes, "mlflow.llm.cost"), nullptr);
  EXPECT_FALSE(t.spans[3].view.cost.has_value());
  EXPECT_EQ(model::FindAttribute(t.spans[4].attributes, "mlflow.llm.cost")->as_string(),
            R"({"input_cost": 1.0, "output_cost": 0.5, "total_cost": 1.5})");

  // A trace without priced spans has no cost at all.
  ASSERT_TRUE(this->Ingest({MakeSpan(2, 1, 0, 0, 10, Chat("mystery", 1, 1))}).ok());
  EXPECT_FALSE(this->Info(2).cost.has_value());
  EXPECT_FALSE(this->Info(2).trace_metadata.contains("mlflow.trace.cost"));

  // The SPANS view's cost metrics: one row per span with a cost.
  ValueMetricQuery q;
  q.view = ValueView::kSpans;
  q.column = ValueColumn::kSpanTotalCost;
  q.experiment_ids = {"0"};
  q.dimensions = {ValueDimension::kSpanModel};
  auto table = this->metrics().QueryMetricValues(q);
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  ASSERT_EQ(table->cells.size(), 1u);  // mystery has no cost, so no row
  ASSERT_TRUE(table->cells[0].group[0].has_value());
  EXPECT_EQ(*table->cells[0].group[0], "gpt-4o");
  EXPECT_EQ(table->cells[0].count, 3);
  EXPECT_NEAR(*AggregateValues(table->cells[0], ValueAggregation::kSum), a_cost + b_cost + 1.5,
              1e-12);
  q.column = ValueColumn::kSpanInputCost;
  q.dimensions = {};
  table = this->metrics().QueryMetricValues(q);
  ASSERT_TRUE(table.ok());
  ASSERT_EQ(table->cells.size(), 1u);
  EXPECT_NEAR(*AggregateValues(table->cells[0], ValueAggregation::kSum),
              (1000 + 2000) * 2.5 / 1e6 + 1.0, 1e-12);
}

TYPED_TEST(TraceStoreContractTest, IngestNeedsAnActiveExperiment) {
  EXPECT_THAT(this->Ingest({MakeSpan(1, 1, 0, 0, 10)}, "42"), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(this->Ingest({MakeSpan(1, 1, 0, 0, 10)}, "x'1"),
              StatusIs(StatusCode::kInvalidArgument));
  const std::string id = this->NewExperiment("gone");
  ASSERT_TRUE(this->experiments().DeleteExperiment(id).ok());
  EXPECT_THAT(this->Ingest({MakeSpan(1, 1, 0, 0, 10)}, id), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(this->traces().GetTraceInfo(Tid(1)), StatusIs(StatusCode::kNotFound));
  ASSERT_TRUE(this->experiments().RestoreExperiment(id).ok());
  EXPECT_TRUE(this->Ingest({MakeSpan(1, 1, 0, 0, 10)}, id).ok());
  EXPECT_EQ(this->Info(1).experiment_id, id);
}

TYPED_TEST(TraceStoreContractTest, SpansWithZeroIdsAreRejected) {
  model::Span bad = MakeSpan(1, 1, 0, 0, 10);
  bad.span_id = SpanId();
  EXPECT_THAT(this->Ingest({bad}), StatusIs(StatusCode::kInvalidArgument));
}

TYPED_TEST(TraceStoreContractTest, FragmentedTraceUsesEarliestSpanUntilTheRootArrives) {
  ASSERT_TRUE(this->Ingest({MakeSpan(1, 3, 1, 300, 100, Io(R"("late")", R"("x")"), "b")}).ok());
  ASSERT_TRUE(this->Ingest({MakeSpan(1, 2, 1, 200, 50, Io(R"("early")", R"("y")"), "a")}).ok());
  model::TraceInfo frag = this->Info(1);
  EXPECT_TRUE(frag.fragmented);
  EXPECT_EQ(frag.trace_metadata.at("tracelake.fragmented"), "true");
  EXPECT_EQ(frag.request_time_ns, static_cast<int64_t>(Ns(200)));
  EXPECT_EQ(frag.execution_duration_ns, 200'000'000);  // earliest start .. latest end
  EXPECT_EQ(frag.request_preview, R"("early")");
  EXPECT_EQ(frag.state, model::TraceState::kOk);
  EXPECT_EQ(frag.span_count, 2);

  ASSERT_TRUE(this->Ingest({MakeSpan(1, 1, 0, 150, 1000, Io(R"("root in")", R"("root out")"))}).ok());
  model::TraceInfo whole = this->Info(1);
  EXPECT_FALSE(whole.fragmented);
  EXPECT_EQ(whole.trace_metadata.count("tracelake.fragmented"), 0u);
  EXPECT_EQ(whole.request_time_ns, static_cast<int64_t>(Ns(150)));
  EXPECT_EQ(whole.execution_duration_ns, 1'000'000'000);
  EXPECT_EQ(whole.request_preview, R"("root in")");
  EXPECT_EQ(whole.response_preview, R"("root out")");
  EXPECT_EQ(whole.span_count, 3);
  // A span arriving after the root changes counts, not the root's fields.
  ASSERT_TRUE(this->Ingest({MakeSpan(1, 4, 1, 100, 10, Io(R"("earlier")", R"("z")"))}).ok());
  model::TraceInfo later = this->Info(1);
  EXPECT_EQ(later.span_count, 4);
  EXPECT_EQ(later.request_preview, R"("root in")");
  EXPECT_EQ(later.request_time_ns, static_cast<int64_t>(Ns(150)));
  EXPECT_EQ(this->Trace(1).spans.size(), 4u);
}

TYPED_TEST(TraceStoreContractTest, FragmentedTraceWithAFailedSpanIsError) {
  model::Span failed = MakeSpan(1, 2, 1, 0, 10);
  failed.status_code = model::SpanStatusCode::kError;
  ASSERT_TRUE(this->Ingest({failed}).ok());
  EXPECT_EQ(this->Info(1).state, model::TraceState::kError);
  ASSERT_TRUE(this->Ingest({MakeSpan(1, 1, 0, 0, 20)}).ok());  // the root's status decides
  EXPECT_EQ(this->Info(1).state, model::TraceState::kOk);
}

TYPED_TEST(TraceStoreContractTest, RootStatusDecidesTheState) {
  model::Span error_root = MakeSpan(1, 1, 0, 0, 10);
  error_root.status_code = model::SpanStatusCode::kError;
  model::Span ok_root = MakeSpan(2, 1, 0, 0, 10);
  ok_root.status_code = model::SpanStatusCode::kOk;
  ASSERT_TRUE(this->Ingest({error_root, ok_root, MakeSpan(3, 1, 0, 0, 10)}).ok());
  EXPECT_EQ(this->Info(1).state, model::TraceState::kError);
  EXPECT_EQ(this->Info(2).state, model::TraceState::kOk);
  EXPECT_EQ(this->Info(3).state, model::TraceState::kOk);  // UNSET counts as OK
}

TYPED_TEST(TraceStoreContractTest, RedeliveredSpanReplacesTheStoredCopy) {
  ASSERT_TRUE(this->Ingest({MakeSpan(1, 1, 0, 0, 100), MakeSpan(1, 2, 1, 10, 10, Tokens(7, 3))}).ok());
  model::Span again = MakeSpan(1, 2, 1, 10, 20, Concat(Tokens(8, 4), {{"v", model::AnyValue("2")}}));
  again.status_code = model::SpanStatusCode::kError;
  ASSERT_TRUE(this->Ingest({again}).ok());
  model::Trace t = this->Trace(1);
  EXPECT_EQ(t.info.span_count, 2);
  EXPECT_EQ(t.info.usage.input_tokens, 8);
  EXPECT_EQ(t.info.usage.output_tokens, 4);
  ASSERT_EQ(t.spans.size(), 2u);
  EXPECT_EQ(t.spans[1].end_time_unix_nano, Ns(30));
  EXPECT_EQ(t.spans[1].status_code, model::SpanStatusCode::kError);
  EXPECT_NE(model::FindAttribute(t.spans[1].attributes, "v"), nullptr);
  EXPECT_EQ(this->backend().Stats().spans, 2);
  // Same span twice in one batch: the last copy wins.
  ASSERT_TRUE(this->Ingest({MakeSpan(2, 1, 0, 0, 10, {}, "first"),
                            MakeSpan(2, 1, 0, 0, 10, {}, "second")}).ok());
  model::Trace t2 = this->Trace(2);
  ASSERT_EQ(t2.spans.size(), 1u);
  EXPECT_EQ(t2.spans[0].name, "second");
  EXPECT_EQ(t2.info.span_count, 1);
}

// Issue 11: MLflow's traces.json copy of a span never replaces a stored one; an OTLP copy does.
TYPED_TEST(TraceStoreContractTest, TraceDataCopiesNeverReplaceStoredSpans) {
  auto trace_data = [this](std::vector<model::Span> spans) {
    IngestBatch b;
    b.source = SpanSource::kTraceData;
    b.spans = std::move(spans);
    return this->traces().Ingest(std::move(b));
  };
  ASSERT_TRUE(this->Ingest({MakeSpan(1, 1, 0, 0, 100, {}, "otlp")}).ok());
  Status refused = trace_data({MakeSpan(1, 2, 1, 10, 10, {}, "child"),
                               MakeSpan(1, 1, 0, 0, 100, {}, "artifact")});
  EXPECT_EQ(refused.code(), StatusCode::kAlreadyExists) << refused.ToString();
  model::Trace t = this->Trace(1);
  ASSERT_EQ(t.spans.size(), 1u) << "a refused batch stores nothing";
  EXPECT_EQ(t.spans[0].name, "otlp");
  EXPECT_EQ(t.info.span_count, 1);
  // The spans not stored yet are accepted, next to the OTLP copy.
  ASSERT_TRUE(trace_data({MakeSpan(1, 2, 1, 10, 10, {}, "child")}).ok());
  EXPECT_EQ(this->Trace(1).spans.size(), 2u);
  // The artifact first, then OTLP: the OTLP copy replaces it.
  ASSERT_TRUE(trace_data({MakeSpan(2, 1, 0, 0, 100, {}, "artifact")}).ok());
  ASSERT_TRUE(this->Ingest({MakeSpan(2, 1, 0, 0, 100, {}, "otlp")}).ok());
  model::Trace t2 = this->Trace(2);
  ASSERT_EQ(t2.spans.size(), 1u);
  EXPECT_EQ(t2.spans[0].name, "otlp");
  EXPECT_EQ(t2.info.span_count, 1);
  EXPECT_EQ(this->backend().Stats().spans, 3);
}

TYPED_TEST(TraceStoreContractTest, TokenUsageIsSummedOverSpansThatReportIt) {
  ASSERT_TRUE(this->Ingest({MakeSpan(1, 1, 0, 0, 100), MakeSpan(1, 2, 1, 1, 1, Tokens(1, 2))}).ok());
  ASSERT_TRUE(this->Ingest({MakeSpan(1, 3, 1, 2, 1, Tokens(10, 20))}).ok());
  model::TraceInfo info = this->Info(1);
  EXPECT_EQ(info.usage.total_tokens, 33);
  EXPECT_EQ(info.trace_metadata.at("mlflow.trace.tokenUsage"),
            R"({"input_tokens": 11, "output_tokens": 22, "total_tokens": 33})");
  ASSERT_TRUE(this->Ingest({MakeSpan(2, 1, 0, 0, 100)}).ok());
  EXPECT_EQ(this->Info(2).trace_metadata.count("mlflow.trace.tokenUsage"), 0u);
  EXPECT_TRUE(this->Info(2).usage.empty());
}

TYPED_TEST(TraceStoreContractTest, FirstExperimentKeepsTheTraceAndLaterBatchesMerge) {
  const std::string a = this->NewExperiment("a");
  const std::string b = this->NewExperiment("b");
  ASSERT_TRUE(this->Ingest({MakeSpan(1, 2, 1, 10, 10)}, a).ok());
  ASSERT_TRUE(this->Ingest({MakeSpan(1, 1, 0, 0, 100)}, b).ok());
  model::TraceInfo info = this->Info(1);
  EXPECT_EQ(info.experiment_id, a);
  EXPECT_EQ(info.span_count, 2);
  EXPECT_FALSE(info.fragmented);
}

TYPED_TEST(TraceStoreContractTest, SessionAndUserComeFromSpansButClientValuesWin) {
  ASSERT_TRUE(this->Ingest({MakeSpan(1, 1, 0, 0, 10, {{"session.id", model::AnyValue("s-1")},
                                                       {"user.id", model::AnyValue("u-1")}})}).ok());
  model::TraceInfo info = this->Info(1);
  EXPECT_EQ(info.trace_metadata.at("mlflow.trace.session"), "s-1");
  EXPECT_EQ(info.trace_metadata.at("mlflow.trace.user"), "u-1");

  model::TraceInfo client;
  client.trace_id = Tid(2);
  client.experiment_id = "0";
  client.trace_metadata = {{"mlflow.trace.user", "alice"}};
  ASSERT_TRUE(this->traces().UpsertTraceInfo(client).ok());
  ASSERT_TRUE(this->Ingest({MakeSpan(2, 1, 0, 0, 10, {{"user.id", model::AnyValue("bob")}})}).ok());
  EXPECT_EQ(this->Info(2).trace_metadata.at("mlflow.trace.user"), "alice");
}

TYPED_TEST(TraceStoreContractTest, LogRecordsBeforeOrAfterTheSpanBecomeItsContent) {
  // Before: content arrives first, the span later.
  ASSERT_TRUE(this->Ingest({}, "0", {GenAiLog(1, 2, "gen_ai.user.message", Content("hello"), 1)}).ok());
  ASSERT_TRUE(this->Ingest({MakeSpan(1, 1, 0, 0, 100), MakeSpan(1, 2, 1, 1, 10, Tokens(1, 1))}).ok());
  // After: the reply arrives once the span is stored.
  model::AnyValue choice(model::AnyValue::KvList{
      {"index", model::AnyValue(int64_t{0})},
      {"message", model::AnyValue(model::AnyValue::KvList{{"content", model::AnyValue("hi!")}})}});
  ASSERT_TRUE(this->Ingest({}, "0", {GenAiLog(1, 2, "gen_ai.choice", choice, 2)}).ok());
  model::Trace t = this->Trace(1);
  ASSERT_EQ(t.spans.size(), 2u);
  EXPECT_THAT(t.spans[1].view.inputs_json, HasSubstr("hello"));
  EXPECT_THAT(t.spans[1].view.outputs_json, HasSubstr("hi!"));
  EXPECT_TRUE(t.spans[0].view.inputs_json.empty() || t.spans[0].view.inputs_json == "null");
  // Records without GenAI content, or not linked to a span, are not kept.
  model::LogRecord plain = GenAiLog(1, 1, "app.log", Content("noise"), 3);
  model::LogRecord unlinked = GenAiLog(1, 1, "gen_ai.user.message", Content("lost"), 3);
  unlinked.span_id = SpanId();
  ASSERT_TRUE(this->Ingest({}, "0", {plain, unlinked}).ok());
  EXPECT_THAT(this->Trace(1).spans[0].view.inputs_json, ::testing::Not(HasSubstr("noise")));
}

TYPED_TEST(TraceStoreContractTest, LogRecordsForTheRootUpdateThePreviews) {
  ASSERT_TRUE(this->Ingest({}, "0", {GenAiLog(1, 1, "gen_ai.user.message", Content("question"), 1)}).ok());
  ASSERT_TRUE(this->Ingest({MakeSpan(1, 1, 0, 0, 100, Tokens(1, 1))}).ok());
  EXPECT_THAT(this->Info(1).request_preview, HasSubstr("question"));
  EXPECT_TRUE(this->Info(1).response_preview.empty() || this->Info(1).response_preview == "null");
  model::AnyValue choice(model::AnyValue::KvList{
      {"index", model::AnyValue(int64_t{0})},
      {"message", model::AnyValue(model::AnyValue::KvList{{"content", model::AnyValue("answer")}})}});
  ASSERT_TRUE(this->Ingest({}, "0", {GenAiLog(1, 1, "gen_ai.choice", choice, 2)}).ok());
  EXPECT_THAT(this->Info(1).request_preview, HasSubstr("question"));
  EXPECT_THAT(this->Info(1).response_preview, HasSubstr("answer"));
}

TYPED_TEST(TraceStoreContractTest, UpsertCreatesAnInProgressTraceThatSpansComplete) {
  model::TraceInfo start;
  start.trace_id = Tid(1);
  start.experiment_id = "0";
  start.state = model::TraceState::kInProgress;
  start.request_time_ns = static_cast<int64_t>(Ns(5));
  start.client_request_id = "req-1";
  start.tags = {{"team", "search"}};
  start.trace_metadata = {{"mlflow.source.name", "app.py"}, {"tracelake.span_count", "99"}};
  auto created = this->traces().UpsertTraceInfo(start);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(created->state, model::TraceState::kInProgress);
  EXPECT_EQ(created->request_time_ns, static_cast<int64_t>(Ns(5)));
  EXPECT_EQ(created->client_request_id, "req-1");
  EXPECT_EQ(created->tags.at("team"), "search");
  EXPECT_EQ(created->trace_metadata.at("mlflow.source.name"), "app.py");
  EXPECT_EQ(created->trace_metadata.at("tracelake.span_count"), "0");  // computed, not stored
  EXPECT_EQ(created->span_count, 0);
  EXPECT_EQ(this->backend().Stats().traces, 1);

  ASSERT_TRUE(this->Ingest({MakeSpan(1, 2, 1, 10, 10)}).ok());
  EXPECT_EQ(this->Info(1).state, model::TraceState::kInProgress);  // no root yet
  EXPECT_EQ(this->Info(1).request_time_ns, static_cast<int64_t>(Ns(5)));
  ASSERT_TRUE(this->Ingest({MakeSpan(1, 1, 0, 6, 40)}).ok());
  model::TraceInfo done = this->Info(1);
  EXPECT_EQ(done.state, model::TraceState::kOk);
  EXPECT_EQ(done.request_time_ns, static_cast<int64_t>(Ns(6)));
  EXPECT_EQ(done.execution_duration_ns, 40'000'000);
  EXPECT_EQ(done.client_request_id, "req-1");
  EXPECT_EQ(done.span_count, 2);
}

TYPED_TEST(TraceStoreContractTest, UpsertAfterSpansKeepsSpanFieldsAndClientPreviewsWin) {
  ASSERT_TRUE(this->Ingest({MakeSpan(1, 1, 0, 0, 100, Io(R"("in")", R"("out")"))}).ok());
  model::TraceInfo end;
  end.trace_id = Tid(1);
  end.experiment_id = "0";
  end.state = model::TraceState::kOk;
  auto merged = this->traces().UpsertTraceInfo(end);  // empty previews: span-derived ones stay
  ASSERT_TRUE(merged.ok());
  EXPECT_EQ(merged->request_preview, R"("in")");
  EXPECT_EQ(merged->span_count, 1);
  EXPECT_EQ(merged->request_time_ns, static_cast<int64_t>(Ns(0)));

  end.request_preview = "client question";
  ASSERT_TRUE(this->traces().UpsertTraceInfo(end).ok());
  ASSERT_TRUE(this->Ingest({MakeSpan(1, 1, 0, 0, 100, Io(R"("in2")", R"("out2")"))}).ok());
  model::TraceInfo info = this->Info(1);
  EXPECT_EQ(info.request_preview, "client question");  // client-given wins
  EXPECT_EQ(info.response_preview, R"("out2")");       // span-derived where the client gave none
}

TYPED_TEST(TraceStoreContractTest, UpsertValidatesItsInput) {
  model::TraceInfo info;
  info.experiment_id = "0";
  EXPECT_THAT(this->traces().UpsertTraceInfo(info), StatusIs(StatusCode::kInvalidArgument));
  info.trace_id = Tid(1);
  info.experiment_id = "77";
  EXPECT_THAT(this->traces().UpsertTraceInfo(info), StatusIs(StatusCode::kNotFound));
}

TYPED_TEST(TraceStoreContractTest, UnknownTracesAreNotFound) {
  EXPECT_THAT(this->traces().GetTrace(Tid(5)), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(this->traces().GetTraceInfo(Tid(5)), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(this->traces().SetTraceTag(Tid(5), "k", "v"), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(this->traces().DeleteTraceTag(Tid(5), "k"), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(this->traces().SetTraceMetadata(Tid(5), "k", "v"), StatusIs(StatusCode::kNotFound));
}

TYPED_TEST(TraceStoreContractTest, TagsAndMetadataAreSetAndDeleted) {
  ASSERT_TRUE(this->Ingest({MakeSpan(1, 1, 0, 0, 10)}).ok());
  ASSERT_TRUE(this->traces().SetTraceTag(Tid(1), "stage", "dev").ok());
  ASSERT_TRUE(this->traces().SetTraceTag(Tid(1), "stage", "prod").ok());
  ASSERT_TRUE(this->traces().SetTraceMetadata(Tid(1), "mlflow.sourceRun", "run-1").ok());
  model::TraceInfo info = this->Info(1);
  EXPECT_THAT(info.tags, ElementsAre(Pair("stage", "prod")));
  EXPECT_EQ(info.trace_metadata.at("mlflow.sourceRun"), "run-1");
  ASSERT_TRUE(this->traces().DeleteTraceTag(Tid(1), "stage").ok());
  EXPECT_TRUE(this->Info(1).tags.empty());
  EXPECT_THAT(this->traces().DeleteTraceTag(Tid(1), "stage"), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(this->traces().SetTraceTag(Tid(1), "", "v"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(this->traces().SetTraceMetadata(Tid(1), "tracelake.span_count", "1"),
              StatusIs(StatusCode::kInvalidArgument));
}

TYPED_TEST(TraceStoreContractTest, DeleteTracesByIdRemovesEverythingOfThoseTraces) {
  const std::string other = this->NewExperiment("other");
  ASSERT_TRUE(this->Ingest({MakeSpan(1, 1, 0, 0, 10), MakeSpan(1, 2, 1, 1, 1),
                            MakeSpan(2, 1, 0, 5, 10)}).ok());
  ASSERT_TRUE(this->Ingest({MakeSpan(3, 1, 0, 0, 10)}, other).ok());
  ASSERT_TRUE(this->Ingest({}, "0", {GenAiLog(1, 2, "gen_ai.user.message", Content("q"), 1)}).ok());
  ASSERT_TRUE(this->traces().SetTraceTag(Tid(1), "k", "v").ok());
  model::Assessment a;
  a.trace_id = MlflowTraceId(Tid(1));
  a.assessment_name = "ok";
  a.feedback = model::Feedback{"true", std::nullopt};
  ASSERT_TRUE(this->assessments().CreateAssessment(a).ok());

  DeleteTracesRequest req;
  req.experiment_id = "0";
  req.trace_ids = {Tid(1), Tid(3), Tid(99)};  // 3 is in another experiment, 99 unknown
  auto deleted = this->traces().DeleteTraces(req);
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_EQ(*deleted, 1);
  EXPECT_THAT(this->traces().GetTrace(Tid(1)), StatusIs(StatusCode::kNotFound));
  EXPECT_TRUE(this->traces().GetTrace(Tid(2)).ok());
  EXPECT_TRUE(this->traces().GetTrace(Tid(3)).ok());
  StoreStats stats = this->backend().Stats();
  EXPECT_EQ(stats.traces, 2);
  EXPECT_EQ(stats.spans, 2);
  // The same trace id ingested again starts from nothing.
  ASSERT_TRUE(this->Ingest({MakeSpan(1, 1, 0, 0, 10)}).ok());
  model::Trace again = this->Trace(1);
  EXPECT_EQ(again.info.span_count, 1);
  EXPECT_TRUE(again.info.tags.empty());
  EXPECT_TRUE(again.info.assessments.empty());
}

TYPED_TEST(TraceStoreContractTest, DeleteTracesByTimestampTakesTheOldestFirst) {
  for (int i = 1; i <= 5; ++i) ASSERT_TRUE(this->Ingest({MakeSpan(i, 1, 0, 100 * i, 10)}).ok());
  DeleteTracesRequest req;
  req.experiment_id = "0";
  req.max_timestamp_millis = Ms(400);  // traces 1..4 qualify
  req.max_traces = 2;
  auto deleted = this->traces().DeleteTraces(req);
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(*deleted, 2);
  EXPECT_THAT(this->traces().GetTraceInfo(Tid(1)), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(this->traces().GetTraceInfo(Tid(2)), StatusIs(StatusCode::kNotFound));
  EXPECT_TRUE(this->traces().GetTraceInfo(Tid(3)).ok());
  req.max_traces.reset();
  deleted = this->traces().DeleteTraces(req);
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(*deleted, 2);
  EXPECT_TRUE(this->traces().GetTraceInfo(Tid(5)).ok());
}

TYPED_TEST(TraceStoreContractTest, DeleteTracesRejectsAmbiguousRequests) {
  DeleteTracesRequest neither;
  neither.experiment_id = "0";
  EXPECT_THAT(this->traces().DeleteTraces(neither), StatusIs(StatusCode::kInvalidArgument));
  DeleteTracesRequest both = neither;
  both.trace_ids = {Tid(1)};
  both.max_timestamp_millis = 5;
  EXPECT_THAT(this->traces().DeleteTraces(both), StatusIs(StatusCode::kInvalidArgument));
  DeleteTracesRequest zero = neither;
  zero.max_timestamp_millis = 5;
  zero.max_traces = 0;
  EXPECT_THAT(this->traces().DeleteTraces(zero), StatusIs(StatusCode::kInvalidArgument));
  DeleteTracesRequest bad_experiment = neither;
  bad_experiment.experiment_id = "one";
  bad_experiment.max_timestamp_millis = 5;
  EXPECT_THAT(this->traces().DeleteTraces(bad_experiment), StatusIs(StatusCode::kInvalidArgument));
}

TYPED_TEST(TraceStoreContractTest, LargeTraceAcrossManyBatchesReadsBackWhole) {
  std::vector<model::Span> first = {MakeSpan(1, 1, 0, 0, 10'000)};
  for (int i = 2; i <= 300; ++i) first.push_back(MakeSpan(1, i, 1, i, 5, Tokens(1, 1)));
  ASSERT_TRUE(this->Ingest(first).ok());
  for (int batch = 0; batch < 10; ++batch) {
    std::vector<model::Span> more;
    for (int i = 0; i < 10; ++i) {
      const int id = 301 + batch * 10 + i;
      more.push_back(MakeSpan(1, id, 1, id, 5));
    }
    ASSERT_TRUE(this->Ingest(more).ok());
  }
  model::Trace t = this->Trace(1);
  ASSERT_EQ(t.spans.size(), 400u);
  EXPECT_EQ(t.info.span_count, 400);
  EXPECT_EQ(t.info.usage.input_tokens, 299);
  EXPECT_TRUE(std::is_sorted(t.spans.begin(), t.spans.end(), [](const auto& a, const auto& b) {
    return a.start_time_unix_nano < b.start_time_unix_nano;
  }));
}

}  // namespace
}  // namespace tracelake::storage::testing
