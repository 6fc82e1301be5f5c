// TraceStore contract, search: every filter field and comparator (query AST -> SQL, run on a
// real database), order_by, keyset paging without gaps or duplicates, page-token hostility.
#include <algorithm>
#include <set>

#include "query/filter.h"
#include "trace_store_contract.h"

namespace tracelake::storage::testing {
namespace {

template <typename B>
class TraceSearchTest : public StoreFixture<B> {
 protected:
  // Three traces with distinct properties (experiment 0):
  //  1 "alpha": OK, t=1000ms, 100ms; previews about Paris; tags env=prod, team=a; run-1, alice;
  //    req-1; a TOOL span "search" with http.status_code=200 and db.system=postgres;
  //    feedback correct=true, score=4; expectation answer="sunny".
  //  2 "beta": ERROR, t=2000ms, 2500ms; tags env=dev; bob; a failed CHAT_MODEL span "chat" with
  //    http.status_code=500 and tokens; feedback correct=false, score=2, rating="good"
  //    (and an invalid, overridden rating="bad").
  //  3 fragmented and IN_PROGRESS (client upsert at t=3000ms), one span "orphan" (30ms).
  void Seed() {
    auto tool = Concat({{"gen_ai.operation.name", model::AnyValue("execute_tool")},
                        {"http.status_code", model::AnyValue(int64_t{200})},
                        {"db.system", model::AnyValue("postgres")}},
                       Io(R"({"query":"weather"})", R"("sunny and 20C")"));
    ASSERT_TRUE(this->Ingest({MakeSpan(1, 1, 0, 1000, 100,
                                       Concat(Io(R"({"q":"Weather in Paris"})", R"("It is sunny")"),
                                              {{"user.id", model::AnyValue("alice")}}),
                                       "alpha"),
                              MakeSpan(1, 2, 1, 1010, 20, tool, "search")})
                    .ok());
    model::Span beta = MakeSpan(2, 1, 0, 2000, 2500,
                                Concat(Io(R"("stock price")", R"("42")"),
                                       {{"user.id", model::AnyValue("bob")}}),
                                "beta");
    beta.status_code = model::SpanStatusCode::kError;
    model::Span chat = MakeSpan(2, 2, 1, 2100, 50,
                                Concat(Tokens(5, 7), {{"http.status_code", model::AnyValue(int64_t{500})}}),
                                "chat");
    chat.status_code = model::SpanStatusCode::kError;
    ASSERT_TRUE(this->Ingest({beta, chat}).ok());
    model::TraceInfo third;
    third.trace_id = Tid(3);
    third.experiment_id = "0";
    third.state = model::TraceState::kInProgress;
    third.request_time_ns = static_cast<int64_t>(Ns(3000));
    ASSERT_TRUE(this->traces().UpsertTraceInfo(third).ok());
    ASSERT_TRUE(this->Ingest({MakeSpan(3, 5, 4, 3010, 30, {}, "orphan")}).ok());

    model::TraceInfo one;
    one.trace_id = Tid(1);
    one.experiment_id = "0";
    one.client_request_id = "req-1";
    one.tags = {{"env", "prod"}, {"team", "a"}};
    one.trace_metadata = {{"mlflow.sourceRun", "run-1"}};
    ASSERT_TRUE(this->traces().UpsertTraceInfo(one).ok());
    ASSERT_TRUE(this->traces().SetTraceTag(Tid(2), "env", "dev").ok());

    AddFeedback(1, "correct", "true");
    AddFeedback(1, "score", "4");
    AddExpectation(1, "answer", R"("sunny")");
    AddFeedback(2, "correct", "false");
    AddFeedback(2, "score", "2");
    const std::string bad = AddFeedback(2, "rating", R"("bad")");
    AddFeedback(2, "rating", R"("good")", bad);
  }

  std::string AddFeedback(int trace, const std::string& name, const std::string& value_json,
                          const std::string& overrides = "") {
    model::Assessment a;
    a.trace_id = MlflowTraceId(Tid(trace));
    a.assessment_name = name;
    a.feedback = model::Feedback{value_json, std::nullopt};
    a.overrides = overrides;
    auto created = this->assessments().CreateAssessment(a);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    return created.ok() ? created->assessment_id : "";
  }
  void AddExpectation(int trace, const std::string& name, const std::string& value_json) {
    model::Assessment a;
    a.trace_id = MlflowTraceId(Tid(trace));
    a.assessment_name = name;
    a.expectation = model::Expectation{value_json, "", ""};
    ASSERT_TRUE(this->assessments().CreateAssessment(a).ok());
  }

  // The numbers of the traces matching filter text, in result order.
  Result<std::vector<int>> Find(const std::string& filter_text,
                                std::vector<std::string> order_by = {}) {
    ASSIGN_OR_RETURN(auto filter, query::ParseFilter(filter_text));
    ASSIGN_OR_RETURN(auto order, query::ParseOrderBy(order_by));
    TraceSearchRequest req;
    req.experiment_ids = {"0"};
    req.filter = filter.get();
    req.order_by = order;
    ASSIGN_OR_RETURN(TracePage page, this->traces().SearchTraces(req));
    std::vector<int> out;
    for (const auto& t : page.traces) out.push_back(t.trace_id.bytes[15]);
    return out;
  }

  // Matching trace numbers as a sorted set; fails the test on error.
  std::set<int> Matches(const std::string& filter_text) {
    auto found = Find(filter_text);
    EXPECT_TRUE(found.ok()) << filter_text << ": " << found.status().ToString();
    return found.ok() ? std::set<int>(found->begin(), found->end()) : std::set<int>{-1};
  }
};
TYPED_TEST_SUITE(TraceSearchTest, Backends, BackendNames);

using Set = std::set<int>;

std::string Hex(int trace) { return MlflowTraceId(Tid(trace)); }

TYPED_TEST(TraceSearchTest, StatusField) {
  this->Seed();
  EXPECT_EQ(this->Matches("trace.status = 'OK'"), Set({1}));
  EXPECT_EQ(this->Matches("attributes.status != 'OK'"), Set({2, 3}));
  EXPECT_EQ(this->Matches("state = 'in_progress'"), Set({3}));
  EXPECT_EQ(this->Matches("status IN ('ERROR', 'IN_PROGRESS')"), Set({2, 3}));
  EXPECT_EQ(this->Matches("status NOT IN ('ERROR')"), Set({1, 3}));
  EXPECT_EQ(this->Matches("status = 'STATE_UNSPECIFIED'"), Set());
}

TYPED_TEST(TraceSearchTest, TimeFieldsCompareMilliseconds) {
  this->Seed();
  const auto t = [](uint64_t ms) { return std::to_string(Ms(ms)); };
  EXPECT_EQ(this->Matches("timestamp_ms > " + t(1500)), Set({2, 3}));
  EXPECT_EQ(this->Matches("timestamp_ms >= " + t(2000)), Set({2, 3}));
  EXPECT_EQ(this->Matches("timestamp_ms = " + t(2000)), Set({2}));
  EXPECT_EQ(this->Matches("timestamp_ms != " + t(2000)), Set({1, 3}));
  EXPECT_EQ(this->Matches("timestamp < " + t(2000)), Set({1}));
  EXPECT_EQ(this->Matches("trace.timestamp_ms <= " + t(2000)), Set({1, 2}));
  EXPECT_EQ(this->Matches("execution_time_ms > 1000"), Set({2}));
  EXPECT_EQ(this->Matches("execution_time_ms = 100"), Set({1}));
  EXPECT_EQ(this->Matches("execution_time_ms <= 100"), Set({1, 3}));
  EXPECT_EQ(this->Matches("execution_time_ms < 100"), Set({3}));
  EXPECT_EQ(this->Matches("execution_time_ms >= 30"), Set({1, 2, 3}));
  EXPECT_EQ(this->Matches("execution_time_ms != 100"), Set({2, 3}));
  EXPECT_EQ(this->Matches("end_time_ms > " + t(4000)), Set({2}));
  EXPECT_EQ(this->Matches("end_time_ms = " + t(1100)), Set({1}));
  EXPECT_EQ(this->Matches("execution_time_ms = 100.5"), Set());
  EXPECT_EQ(this->Matches("execution_time_ms > 99.5"), Set({1, 2}));
}

TYPED_TEST(TraceSearchTest, NameAndClientRequestIdAreStrings) {
  this->Seed();
  EXPECT_EQ(this->Matches("name = 'alpha'"), Set({1}));
  EXPECT_EQ(this->Matches("trace.name != 'alpha'"), Set({2, 3}));
  EXPECT_EQ(this->Matches("name = 'orphan'"), Set({3}));  // a fragment's stand-in name
  EXPECT_EQ(this->Matches("name LIKE 'a%'"), Set({1}));
  EXPECT_EQ(this->Matches("name LIKE 'A%'"), Set());  // LIKE is case-sensitive, as MLflow's
  EXPECT_EQ(this->Matches("name ILIKE 'BET%'"), Set({2}));
  EXPECT_EQ(this->Matches("name IN ('alpha', 'orphan')"), Set({1, 3}));
  EXPECT_EQ(this->Matches("name NOT IN ('alpha')"), Set({2, 3}));
  EXPECT_EQ(this->Matches("client_request_id = 'req-1'"), Set({1}));
  EXPECT_EQ(this->Matches("client_request_id LIKE 'req%'"), Set({1}));
  EXPECT_EQ(this->Matches("client_request_id != 'req-1'"), Set({2, 3}));
}

TYPED_TEST(TraceSearchTest, RlikeSearchesWithRegularExpressions) {
  this->Seed();
  EXPECT_EQ(this->Matches("name RLIKE '^(alpha|gamma)$'"), Set({1}));
  EXPECT_EQ(this->Matches("name RLIKE 'ph'"), Set({1, 3}));  // anywhere in the text
  EXPECT_EQ(this->Matches("tags.env RLIKE '^p.o[d-f]$'"), Set({1}));
  EXPECT_EQ(this->Matches("span.name RLIKE '^ch.t$'"), Set({2}));
  EXPECT_EQ(this->Matches("span.attributes.db.system RLIKE 'gre+s'"), Set({1}));
  EXPECT_EQ(this->Matches("feedback.rating RLIKE '^go{2}d$'"), Set({2}));
  EXPECT_EQ(this->Matches("metadata.`mlflow.trace.user` RLIKE '\\w{5}'"), Set({1}));
}

TYPED_TEST(TraceSearchTest, TraceIdAndRunId) {
  this->Seed();
  EXPECT_EQ(this->Matches("trace_id = '" + Hex(2) + "'"), Set({2}));
  EXPECT_EQ(this->Matches("request_id != '" + Hex(2) + "'"), Set({1, 3}));
  EXPECT_EQ(this->Matches("trace_id IN ('" + Hex(1) + "', '" + Hex(3) + "')"), Set({1, 3}));
  EXPECT_EQ(this->Matches("trace_id NOT IN ('" + Hex(1) + "')"), Set({2, 3}));
  EXPECT_EQ(this->Matches("run_id = 'run-1'"), Set({1}));
  EXPECT_EQ(this->Matches("run_id IS NULL"), Set({2, 3}));
}

TYPED_TEST(TraceSearchTest, TextSearchesPreviewsAndRootName) {
  this->Seed();
  EXPECT_EQ(this->Matches("trace.text LIKE '%Paris%'"), Set({1}));
  EXPECT_EQ(this->Matches("trace.text ILIKE '%paris%'"), Set({1}));
  EXPECT_EQ(this->Matches("trace.text LIKE '%paris%'"), Set({1}));  // text ignores case
  EXPECT_EQ(this->Matches("trace.text ILIKE '%42%'"), Set({2}));
  EXPECT_EQ(this->Matches("trace.text ILIKE '%orph%'"), Set({3}));
  EXPECT_EQ(this->Matches("trace.text ILIKE '%nowhere%'"), Set());
}

TYPED_TEST(TraceSearchTest, TagsAndMetadata) {
  this->Seed();
  EXPECT_EQ(this->Matches("tags.env = 'prod'"), Set({1}));
  EXPECT_EQ(this->Matches("tags.env != 'prod'"), Set({2}));  // has the tag, other value
  EXPECT_EQ(this->Matches("tags.env LIKE 'p%'"), Set({1}));
  EXPECT_EQ(this->Matches("tags.env ILIKE 'DEV'"), Set({2}));
  EXPECT_EQ(this->Matches("tags.team IS NOT NULL"), Set({1}));
  EXPECT_EQ(this->Matches("tags.team IS NULL"), Set({2, 3}));
  EXPECT_EQ(this->Matches("metadata.`mlflow.trace.user` = 'bob'"), Set({2}));
  EXPECT_EQ(this->Matches("request_metadata.`mlflow.trace.user` LIKE '%li%'"), Set({1}));
  EXPECT_EQ(this->Matches("metadata.`mlflow.trace.user` IS NULL"), Set({3}));
  EXPECT_EQ(this->Matches("metadata.mlflow.sourceRun = 'run-1'"), Set({1}));
  // Computed on read, searchable all the same.
  EXPECT_EQ(this->Matches("metadata.`tracelake.fragmented` = 'true'"), Set({3}));
  EXPECT_EQ(this->Matches("metadata.`tracelake.fragmented` IS NULL"), Set({1, 2}));
  EXPECT_EQ(this->Matches("metadata.`tracelake.span_count` = '2'"), Set({1, 2}));
}

TYPED_TEST(TraceSearchTest, SpanNameTypeAndStatus) {
  this->Seed();
  EXPECT_EQ(this->Matches("span.name = 'search'"), Set({1}));
  EXPECT_EQ(this->Matches("span.name != 'search'"), Set({1, 2, 3}));  // some other span
  EXPECT_EQ(this->Matches("span.name LIKE 'ch%'"), Set({2}));
  EXPECT_EQ(this->Matches("span.name ILIKE 'ORPH%'"), Set({3}));
  EXPECT_EQ(this->Matches("span.name IN ('chat', 'orphan')"), Set({2, 3}));
  EXPECT_EQ(this->Matches("span.type = 'TOOL'"), Set({1}));
  EXPECT_EQ(this->Matches("span.type = 'CHAT_MODEL'"), Set({2}));
  EXPECT_EQ(this->Matches("span.type NOT IN ('UNKNOWN')"), Set({1, 2}));
  EXPECT_EQ(this->Matches("span.status = 'ERROR'"), Set({2}));
  EXPECT_EQ(this->Matches("span.status = 'UNSET'"), Set({1, 3}));
  EXPECT_EQ(this->Matches("span.status IN ('OK', 'ERROR')"), Set({2}));
  EXPECT_THAT(this->Find("span.status LIKE 'E%'"), StatusIs(StatusCode::kInvalidArgument));
}

// span.model is the normalized model, span.error_type the exception type of a failed span;
// spans with neither are skipped, so `!=` needs a span naming something else.
TYPED_TEST(TraceSearchTest, SpanModelAndErrorType) {
  auto llm = [](const char* model) {
    return Concat(Tokens(3, 4), {{"gen_ai.request.model", model::AnyValue(model)}});
  };
  ASSERT_TRUE(this->Ingest({MakeSpan(11, 1, 0, 1000, 100, {}, "agent"),
                            MakeSpan(11, 2, 1, 1010, 20, llm("gpt-4o"), "chat")})
                  .ok());
  model::Span failed = MakeSpan(12, 2, 1, 2010, 20, llm("claude-sonnet-4"), "chat");
  failed.status_code = model::SpanStatusCode::kError;
  failed.events.push_back(model::SpanEvent{
      Ns(2020), "exception", {{"exception.type", model::AnyValue("TimeoutError")}}, 0});
  ASSERT_TRUE(this->Ingest({MakeSpan(12, 1, 0, 2000, 100, {}, "agent"), failed}).ok());
  model::Span bare_error = MakeSpan(13, 1, 0, 3000, 100, {}, "agent");
  bare_error.status_code = model::SpanStatusCode::kError;  // no exception event, no model
  ASSERT_TRUE(this->Ingest({bare_error}).ok());

  EXPECT_EQ(this->Matches("span.model = 'gpt-4o'"), Set({11}));
  EXPECT_EQ(this->Matches("span.model != 'gpt-4o'"), Set({12}));
  EXPECT_EQ(this->Matches("span.model LIKE 'claude%'"), Set({12}));
  EXPECT_EQ(this->Matches("span.model ILIKE 'GPT%'"), Set({11}));
  EXPECT_EQ(this->Matches("span.model IN ('gpt-4o', 'claude-sonnet-4')"), Set({11, 12}));
  EXPECT_EQ(this->Matches("span.model NOT IN ('gpt-4o')"), Set({12}));
  EXPECT_EQ(this->Matches("span.error_type = 'TimeoutError'"), Set({12}));
  EXPECT_EQ(this->Matches("span.error_type != 'ValueError'"), Set({12}));
  EXPECT_EQ(this->Matches("span.error_type RLIKE '^Time'"), Set({12}));
  EXPECT_EQ(this->Matches("span.status = 'ERROR' AND span.model = 'gpt-4o'"), Set());
}

TYPED_TEST(TraceSearchTest, SpanAttributesCompareValues) {
  this->Seed();
  EXPECT_EQ(this->Matches("span.attributes.db.system = 'postgres'"), Set({1}));
  EXPECT_EQ(this->Matches("span.attributes.`http.status_code` = '500'"), Set({2}));
  EXPECT_EQ(this->Matches("span.attributes.`http.status_code` = '200'"), Set({1}));
  EXPECT_EQ(this->Matches("span.attributes.`http.status_code` != '200'"), Set({2}));
  EXPECT_EQ(this->Matches("span.attributes.db.system LIKE 'post%'"), Set({1}));
  EXPECT_EQ(this->Matches("span.attributes.db.system ILIKE 'POST%'"), Set({1}));
  EXPECT_EQ(this->Matches("span.attributes.db.system IN ('mysql', 'postgres')"), Set({1}));
  // Attributes MLflow derives are matched too, unquoted.
  EXPECT_EQ(this->Matches("span.attributes.mlflow.spanType = 'TOOL'"), Set({1}));
  EXPECT_EQ(this->Matches("span.attributes.`user.id` = 'alice'"), Set({1}));
}

TYPED_TEST(TraceSearchTest, SpanContentMatchesAttributeText) {
  this->Seed();
  EXPECT_EQ(this->Matches("span.content LIKE '%weather%'"), Set({1}));
  EXPECT_EQ(this->Matches("span.content ILIKE '%STOCK%'"), Set({2}));
  EXPECT_EQ(this->Matches("span.content LIKE '%STOCK%'"), Set());
}

TYPED_TEST(TraceSearchTest, FeedbackAndExpectationValues) {
  this->Seed();
  EXPECT_EQ(this->Matches("feedback.correct = 'true'"), Set({1}));
  EXPECT_EQ(this->Matches("feedback.correct != 'true'"), Set({2}));
  EXPECT_EQ(this->Matches("feedback.score = '4'"), Set({1}));
  EXPECT_EQ(this->Matches("feedback.score = '2'"), Set({2}));
  EXPECT_EQ(this->Matches("feedback.rating = 'good'"), Set({2}));
  EXPECT_EQ(this->Matches("feedback.rating = 'bad'"), Set());  // overridden: not valid
  EXPECT_EQ(this->Matches("feedback.rating LIKE 'go%'"), Set({2}));
  EXPECT_EQ(this->Matches("feedback.rating IS NULL"), Set({1, 3}));
  EXPECT_EQ(this->Matches("expectation.answer = 'sunny'"), Set({1}));
  EXPECT_EQ(this->Matches("expectation.answer IS NOT NULL"), Set({1}));
  EXPECT_EQ(this->Matches("feedback.answer IS NOT NULL"), Set());  // kind matters
}

TYPED_TEST(TraceSearchTest, AndOrAndParenthesesCombine) {
  this->Seed();
  EXPECT_EQ(this->Matches("status = 'OK' AND tags.env = 'prod'"), Set({1}));
  EXPECT_EQ(this->Matches("status = 'OK' AND tags.env = 'dev'"), Set());
  EXPECT_EQ(this->Matches("tags.env = 'dev' OR name = 'orphan'"), Set({2, 3}));
  EXPECT_EQ(this->Matches("(tags.env = 'dev' OR tags.env = 'prod') AND execution_time_ms < 1000"),
            Set({1}));
}

TYPED_TEST(TraceSearchTest, PromptFilterIsNotSupported) {
  this->Seed();
  EXPECT_THAT(this->Find("prompt = 'qa/1'"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(this->Find("name RLIKE '(unclosed'"), StatusIs(StatusCode::kInvalidArgument));
}

TYPED_TEST(TraceSearchTest, HostileValuesAreBoundNotSpliced) {
  this->Seed();
  for (const char* filter :
       {"tags.env = \"x' OR 1=1 --\"", "name = '\"); DROP TABLE traces; --'",
        "span.attributes.`a'b` = 'c'", "span.content LIKE \"%')) OR 1=1 --%\"",
        "feedback.`x\"y` = 'z'", "metadata.`k') OR ('1` = \"1' OR '1'='1\""}) {
    EXPECT_EQ(this->Matches(filter), Set()) << filter;
  }
  EXPECT_EQ(this->Matches(""), Set({1, 2, 3}));
  EXPECT_EQ(this->backend().Stats().traces, 3);
}

TYPED_TEST(TraceSearchTest, OrderByFields) {
  this->Seed();
  using V = std::vector<int>;
  auto order = [&](std::vector<std::string> o) {
    auto r = this->Find("", std::move(o));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : V();
  };
  EXPECT_EQ(order({}), V({3, 2, 1}));  // newest first
  EXPECT_EQ(order({"timestamp_ms ASC"}), V({1, 2, 3}));
  EXPECT_EQ(order({"execution_time_ms DESC"}), V({2, 1, 3}));
  EXPECT_EQ(order({"attributes.execution_time_ms"}), V({3, 1, 2}));  // no direction: ascending
  EXPECT_EQ(order({"name ASC"}), V({1, 2, 3}));
  EXPECT_EQ(order({"status ASC"}), V({2, 3, 1}));  // ERROR < IN_PROGRESS < OK
  EXPECT_EQ(order({"status DESC", "timestamp_ms ASC"}), V({1, 3, 2}));
}

// Many traces, several of them sharing a timestamp, paged in every order: the pages concatenate
// to exactly the unpaged result.
TYPED_TEST(TraceSearchTest, PagingHasNoGapsOrDuplicatesInAnyOrder) {
  for (int i = 1; i <= 23; ++i) {
    model::Span s = MakeSpan(i, 1, 0, 1000 + (i % 5) * 10, 10 + (i % 7), {}, "n" + std::to_string(i % 4));
    if (i % 3 == 0) s.status_code = model::SpanStatusCode::kError;
    ASSERT_TRUE(this->Ingest({s}).ok());
  }
  for (const std::vector<std::string>& order_by :
       std::vector<std::vector<std::string>>{{},
                                             {"timestamp_ms ASC"},
                                             {"name ASC", "execution_time_ms DESC"},
                                             {"status DESC"},
                                             {"trace_id ASC"}}) {
    auto order = query::ParseOrderBy(order_by);
    ASSERT_TRUE(order.ok());
    TraceSearchRequest all;
    all.experiment_ids = {"0"};
    all.order_by = *order;
    all.max_results = 1000;
    auto everything = this->traces().SearchTraces(all);
    ASSERT_TRUE(everything.ok()) << everything.status().ToString();
    ASSERT_EQ(everything->traces.size(), 23u);
    EXPECT_TRUE(everything->next_page_token.empty());

    TraceSearchRequest req = all;
    req.max_results = 5;
    std::vector<TraceId> paged;
    int pages = 0;
    do {
      auto page = this->traces().SearchTraces(req);
      ASSERT_TRUE(page.ok()) << page.status().ToString();
      ASSERT_LE(page->traces.size(), 5u);
      for (const auto& t : page->traces) paged.push_back(t.trace_id);
      req.page_token = page->next_page_token;
      ++pages;
    } while (!req.page_token.empty() && pages < 20);
    EXPECT_EQ(pages, 5);
    ASSERT_EQ(paged.size(), 23u);
    for (size_t i = 0; i < paged.size(); ++i)
      EXPECT_EQ(paged[i], everything->traces[i].trace_id) << "position " << i;
  }
}

TYPED_TEST(TraceSearchTest, NewTracesDoNotShiftLaterPages) {
  for (int i = 1; i <= 6; ++i) ASSERT_TRUE(this->Ingest({MakeSpan(i, 1, 0, i * 10, 1)}).ok());
  TraceSearchRequest req;
  req.experiment_ids = {"0"};
  req.max_results = 3;
  auto first = this->traces().SearchTraces(req);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(this->Ingest({MakeSpan(7, 1, 0, 70, 1)}).ok());  // newer than everything
  req.page_token = first->next_page_token;
  auto second = this->traces().SearchTraces(req);
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->traces.size(), 3u);
  EXPECT_EQ(second->traces[0].trace_id, Tid(3));
  EXPECT_TRUE(second->next_page_token.empty());
}

TYPED_TEST(TraceSearchTest, BadPageTokensAndLimitsAreInvalidArgument) {
  for (int i = 1; i <= 4; ++i) ASSERT_TRUE(this->Ingest({MakeSpan(i, 1, 0, i, 1)}).ok());
  TraceSearchRequest req;
  req.experiment_ids = {"0"};
  req.max_results = 2;
  auto first = this->traces().SearchTraces(req);
  ASSERT_TRUE(first.ok());
  const std::string token = first->next_page_token;
  ASSERT_FALSE(token.empty());
  std::string tampered = token;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  for (const std::string& bad : {std::string("garbage"), std::string("!!!"), tampered,
                                 token.substr(0, token.size() - 3), std::string(10000, 'A'),
                                 std::string("AAAA")}) {
    req.page_token = bad;
    EXPECT_THAT(this->traces().SearchTraces(req), StatusIs(StatusCode::kInvalidArgument)) << bad;
  }
  // A token belongs to its query.
  req.page_token = token;
  auto other_order = query::ParseOrderBy({"name ASC"});
  req.order_by = *other_order;
  EXPECT_THAT(this->traces().SearchTraces(req), StatusIs(StatusCode::kInvalidArgument));
  req.order_by = {};
  EXPECT_TRUE(this->traces().SearchTraces(req).ok());

  req.page_token.clear();
  for (int bad_max : {0, -1, 50001}) {
    req.max_results = bad_max;
    EXPECT_THAT(this->traces().SearchTraces(req), StatusIs(StatusCode::kInvalidArgument));
  }
  req.max_results = 50000;
  EXPECT_TRUE(this->traces().SearchTraces(req).ok());
  req.experiment_ids = {"x"};
  EXPECT_THAT(this->traces().SearchTraces(req), StatusIs(StatusCode::kInvalidArgument));
}

TYPED_TEST(TraceSearchTest, ExperimentIdsAndAssessmentsOption) {
  this->Seed();
  const std::string other = this->NewExperiment("other");
  ASSERT_TRUE(this->Ingest({MakeSpan(9, 1, 0, 9000, 1)}, other).ok());
  TraceSearchRequest req;
  req.experiment_ids = {other};
  auto only_other = this->traces().SearchTraces(req);
  ASSERT_TRUE(only_other.ok());
  ASSERT_EQ(only_other->traces.size(), 1u);
  EXPECT_EQ(only_other->traces[0].trace_id, Tid(9));
  req.experiment_ids = {"0", other};
  EXPECT_EQ(this->traces().SearchTraces(req)->traces.size(), 4u);
  req.experiment_ids = {};
  EXPECT_EQ(this->traces().SearchTraces(req)->traces.size(), 4u);

  req.experiment_ids = {"0"};
  auto with = this->traces().SearchTraces(req);
  ASSERT_TRUE(with.ok());
  EXPECT_EQ(with->traces.back().assessments.size(), 3u);  // trace 1 (oldest)
  req.include_assessments = false;
  auto without = this->traces().SearchTraces(req);
  ASSERT_TRUE(without.ok());
  EXPECT_TRUE(without->traces.back().assessments.empty());
}

}  // namespace
}  // namespace tracelake::storage::testing
