// Every code scorer and trace check: pass, fail, what cannot be checked (unknown), and the
// options MakeCodeScorer accepts or rejects.
#include "eval/code_scorers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/common/status_matchers.h"
#include "tests/eval/eval_test_util.h"

namespace tracelake::eval {
namespace {

using std::chrono::seconds;
using ::testing::HasSubstr;
using ::testing::Not;
using ::tracelake_testing::IsOk;
using ::tracelake_testing::StatusIs;

class CodeScorerTest : public ::testing::Test {
 protected:
  Feedback Run(const Scorer& s, const EvalInput& in) {
    ScoreContext ctx(llm::Deadline::After(clock_, seconds(10)), clock_);
    std::vector<Feedback> f = s.Score(in, ctx);
    EXPECT_EQ(f.size(), 1U);
    if (f.empty()) return {};
    EXPECT_EQ(f[0].name, s.name());
    EXPECT_EQ(f[0].source.type, FeedbackSourceType::kCode);
    EXPECT_EQ(f[0].source.id, s.name());
    return f[0];
  }
  Verdict V(const Scorer& s, Json outputs, Json expectations = nullptr) {
    EvalInput in;
    in.outputs = std::move(outputs);
    in.expectations = std::move(expectations);
    return Run(s, in).verdict();
  }
  std::unique_ptr<Scorer> Make(std::string_view name, const Json& options = nullptr) {
    auto s = MakeCodeScorer(name, options);
    EXPECT_THAT(s.status(), IsOk());
    return s.ok() ? std::move(s).value() : nullptr;
  }

  FakeClock clock_{testing::kStart};
};

TEST_F(CodeScorerTest, ExactMatch) {
  auto s = ExactMatch();
  EXPECT_EQ(s->name(), "exact_match");
  EXPECT_EQ(V(*s, " Paris\n", {{"expected_response", "Paris"}}), Verdict::kYes);
  EXPECT_EQ(V(*s, "paris", {{"expected_response", "Paris"}}), Verdict::kNo);
  EXPECT_EQ(V(*ExactMatch({.case_sensitive = false}), "paris", {{"expected_response", "Paris"}}),
            Verdict::kYes);
  EXPECT_EQ(V(*s, Json{{"a", 1}}, {{"expected_response", {{"a", 1}}}}), Verdict::kYes);
  Feedback missing = Run(*s, EvalInput{.outputs = "x", .expectations = {{"other", 1}}});
  EXPECT_EQ(missing.verdict(), Verdict::kUnknown);
  EXPECT_EQ(missing.error->code, kErrMissingInput);
  EXPECT_EQ(Run(*s, EvalInput{.outputs = "x"}).error->code, kErrMissingInput);
}

TEST_F(CodeScorerTest, ContainsKeywords) {
  auto all = Make("contains_keywords", {{"keywords", {"Paris", "France"}}});
  EXPECT_EQ(V(*all, "paris is in france"), Verdict::kYes);
  Feedback f = Run(*all, EvalInput{.outputs = "Paris is nice"});
  EXPECT_EQ(f.verdict(), Verdict::kNo);
  EXPECT_THAT(f.rationale, HasSubstr("\"France\""));
  auto any =
      Make("contains_keywords",
           {{"keywords", {"Paris", "France"}}, {"require_all", false}, {"case_sensitive", true}});
  EXPECT_EQ(V(*any, "Paris"), Verdict::kYes);
  EXPECT_EQ(V(*any, "paris"), Verdict::kNo);
  EXPECT_THAT(ContainsKeywords({}).status(), StatusIs(StatusCode::kInvalidArgument));
}

TEST_F(CodeScorerTest, RegexMatch) {
  auto search = Make("regex_match", {{"pattern", R"(\d{3}-\d{4})"}});
  EXPECT_EQ(V(*search, "call 555-1234 now"), Verdict::kYes);
  EXPECT_EQ(V(*search, "no number"), Verdict::kNo);
  auto full = Make("regex_match", {{"pattern", R"(\d{3}-\d{4})"}, {"full_match", true}});
  EXPECT_EQ(V(*full, "call 555-1234 now"), Verdict::kNo);
  EXPECT_EQ(V(*full, "555-1234"), Verdict::kYes);
  EXPECT_THAT(MakeCodeScorer("regex_match", {{"pattern", "(unclosed"}}).status(),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("invalid pattern")));
}

TEST_F(CodeScorerTest, RegexAndPiiStayLinearOnHostileOutput) {
  // (a+)+$ backtracks exponentially in a backtracking engine; RE2 answers in linear time.
  const std::string hostile = std::string(1 << 20, 'a') + "!";
  EXPECT_EQ(V(*Make("regex_match", {{"pattern", "(a+)+$"}}), hostile), Verdict::kNo);
  EXPECT_EQ(V(*PiiDetection(), hostile), Verdict::kYes);
  EXPECT_EQ(V(*PiiDetection(), std::string(1 << 20, '1')), Verdict::kYes);  // an id, not a card
}

TEST_F(CodeScorerTest, JsonValidity) {
  auto s = JsonValidity();
  EXPECT_EQ(V(*s, R"({"a": 1})"), Verdict::kYes);
  EXPECT_EQ(V(*s, "{not json"), Verdict::kNo);
  EXPECT_EQ(V(*s, Json{{"already", "parsed"}}), Verdict::kYes);
  auto keys = Make("json_validity", {{"required_keys", {"answer", "sources"}}});
  EXPECT_EQ(V(*keys, R"({"answer": 1, "sources": []})"), Verdict::kYes);
  Feedback f = Run(*keys, EvalInput{.outputs = R"({"answer": 1})"});
  EXPECT_EQ(f.verdict(), Verdict::kNo);
  EXPECT_THAT(f.rationale, HasSubstr("\"sources\""));
  EXPECT_EQ(V(*keys, "[1, 2]"), Verdict::kNo);
}

TEST_F(CodeScorerTest, LengthBound) {
  auto chars = Make("length_bound", {{"min_length", 2}, {"max_length", 5}});
  EXPECT_EQ(V(*chars, "héllo"), Verdict::kYes);  // 5 code points, 6 bytes
  EXPECT_EQ(V(*chars, "h"), Verdict::kNo);
  EXPECT_EQ(V(*chars, "hello!"), Verdict::kNo);
  auto words = Make("length_bound", {{"max_length", 3}, {"unit", "words"}});
  EXPECT_EQ(V(*words, "one two  three"), Verdict::kYes);
  EXPECT_EQ(V(*words, "one two three four"), Verdict::kNo);
  EXPECT_THAT(MakeCodeScorer("length_bound", Json::object()).status(),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(MakeCodeScorer("length_bound", {{"min_length", 5}, {"max_length", 2}}).status(),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(MakeCodeScorer("length_bound", {{"max_length", 5}, {"unit", "lines"}}).status(),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST_F(CodeScorerTest, IsNotEmpty) {
  auto s = IsNotEmpty();
  EXPECT_EQ(V(*s, "x"), Verdict::kYes);
  EXPECT_EQ(V(*s, "  \n"), Verdict::kNo);
  EXPECT_EQ(V(*s, Json::array()), Verdict::kNo);
  EXPECT_EQ(V(*s, nullptr), Verdict::kNo);  // no output at all is empty, not unknown
}

TEST_F(CodeScorerTest, NumericBound) {
  auto s = Make("numeric_bound", {{"min_value", 0}, {"max_value", 10.5}});
  EXPECT_EQ(V(*s, 3), Verdict::kYes);
  EXPECT_EQ(V(*s, " 10.5 "), Verdict::kYes);
  EXPECT_EQ(V(*s, 11), Verdict::kNo);
  EXPECT_EQ(V(*s, "eleven"), Verdict::kNo);
  EXPECT_THAT(MakeCodeScorer("numeric_bound", {{"min_value", 3}, {"max_value", 1}}).status(),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST_F(CodeScorerTest, PiiDetectionPassesOnlyWithoutPersonalData) {
  auto s = PiiDetection();
  EXPECT_EQ(V(*s, "The capital of France is Paris."), Verdict::kYes);
  Feedback email = Run(*s, EvalInput{.outputs = "Write to jane.doe@example.com today"});
  EXPECT_EQ(email.verdict(), Verdict::kNo);
  EXPECT_THAT(email.rationale, HasSubstr("email"));
  EXPECT_THAT(email.rationale, Not(HasSubstr("jane")));  // kinds, never values
  EXPECT_EQ(V(*s, "SSN 123-45-6789"), Verdict::kNo);
  EXPECT_EQ(V(*s, "call (555) 123-4567"), Verdict::kNo);
  // 4111 1111 1111 1111 passes the Luhn check; 4111 1111 1111 1112 does not.
  Feedback card = Run(*s, EvalInput{.outputs = "card 4111 1111 1111 1111"});
  EXPECT_EQ(card.verdict(), Verdict::kNo);
  EXPECT_THAT(card.rationale, HasSubstr("credit_card"));
  EXPECT_EQ(V(*s, "order 4111 1111 1111 1112"), Verdict::kYes);
}

TEST_F(CodeScorerTest, LatencyThreshold) {
  model::Trace trace = testing::RagTrace();  // root span lasts 3 s
  auto s = Make("latency_threshold", {{"max_latency_seconds", 5}});
  EXPECT_EQ(Run(*s, EvalInput{.trace = &trace}).verdict(), Verdict::kYes);
  auto tight = Make("latency_threshold", {{"max_latency_seconds", 2.5}});
  Feedback f = Run(*tight, EvalInput{.trace = &trace});
  EXPECT_EQ(f.verdict(), Verdict::kNo);
  EXPECT_THAT(f.rationale, HasSubstr("3.0 s"));
  trace.info.execution_duration_ns = 1'000'000'000;  // the trace's own duration wins
  EXPECT_EQ(Run(*tight, EvalInput{.trace = &trace}).verdict(), Verdict::kYes);
  EXPECT_EQ(Run(*s, EvalInput{.outputs = "x"}).error->code, kErrMissingInput);
  EXPECT_THAT(MakeCodeScorer("latency_threshold", {{"max_latency_seconds", 0}}).status(),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST_F(CodeScorerTest, NoErrorSpans) {
  model::Trace trace = testing::RagTrace();
  auto s = NoErrorSpans();
  EXPECT_EQ(Run(*s, EvalInput{.trace = &trace}).verdict(), Verdict::kYes);
  trace.spans[3].status_code = model::SpanStatusCode::kError;
  Feedback f = Run(*s, EvalInput{.trace = &trace});
  EXPECT_EQ(f.verdict(), Verdict::kNo);
  EXPECT_THAT(f.rationale, HasSubstr("lookup_city"));
}

TEST_F(CodeScorerTest, TokenBudget) {
  model::Trace trace = testing::RagTrace();  // one LLM span: 1000 in + 200 out
  EXPECT_EQ(Run(*Make("token_budget", {{"max_total_tokens", 1200}}), {.trace = &trace}).verdict(),
            Verdict::kYes);
  EXPECT_EQ(Run(*Make("token_budget", {{"max_total_tokens", 1199}}), {.trace = &trace}).verdict(),
            Verdict::kNo);
  trace.info.usage.total_tokens = 50;  // the trace's own total wins
  EXPECT_EQ(Run(*Make("token_budget", {{"max_total_tokens", 100}}), {.trace = &trace}).verdict(),
            Verdict::kYes);
  model::Trace bare;
  bare.spans.push_back(trace.spans[0]);
  EXPECT_EQ(Run(*Make("token_budget", {{"max_total_tokens", 100}}), {.trace = &bare}).error->code,
            kErrMissingInput);
}

TEST_F(CodeScorerTest, CostBudget) {
  model::Trace trace = testing::RagTrace();
  const double cost = 1000 * 0.15 / 1e6 + 200 * 0.60 / 1e6;  // gpt-4o-mini, default prices
  EXPECT_EQ(Run(*Make("cost_budget", {{"max_cost_usd", cost * 1.01}}), {.trace = &trace}).verdict(),
            Verdict::kYes);
  EXPECT_EQ(Run(*Make("cost_budget", {{"max_cost_usd", cost * 0.99}}), {.trace = &trace}).verdict(),
            Verdict::kNo);
  trace.info.cost = model::Cost{0, 0, 5.0};
  EXPECT_EQ(Run(*Make("cost_budget", {{"max_cost_usd", 1}}), {.trace = &trace}).verdict(),
            Verdict::kNo);
  model::Trace bare;
  bare.spans.push_back(trace.spans[0]);
  EXPECT_EQ(Run(*Make("cost_budget", {{"max_cost_usd", 1}}), {.trace = &bare}).error->code,
            kErrMissingInput);
}

TEST_F(CodeScorerTest, ToolCalledAndOrder) {
  model::Trace trace = testing::RagTrace();  // search_web, then lookup_city
  EXPECT_EQ(Run(*Make("tool_called", {{"tool_name", "lookup_city"}}), {.trace = &trace}).verdict(),
            Verdict::kYes);
  EXPECT_EQ(Run(*Make("tool_called", {{"tool_name", "send_email"}}), {.trace = &trace}).verdict(),
            Verdict::kNo);
  auto in_order = Make("tool_call_order", {{"tool_names", {"search_web", "lookup_city"}}});
  EXPECT_EQ(Run(*in_order, {.trace = &trace}).verdict(), Verdict::kYes);
  auto reversed = Make("tool_call_order", {{"tool_names", {"lookup_city", "search_web"}}});
  Feedback f = Run(*reversed, {.trace = &trace});
  EXPECT_EQ(f.verdict(), Verdict::kNo);
  EXPECT_THAT(f.rationale, HasSubstr("search_web, lookup_city"));
  auto strict = Make("tool_call_order", {{"tool_names", {"lookup_city"}}, {"strict", true}});
  EXPECT_EQ(Run(*strict, {.trace = &trace}).verdict(), Verdict::kNo);
  auto loose = Make("tool_call_order", {{"tool_names", {"lookup_city"}}});
  EXPECT_EQ(Run(*loose, {.trace = &trace}).verdict(), Verdict::kYes);
  EXPECT_THAT(MakeCodeScorer("tool_called", Json::object()).status(),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST_F(CodeScorerTest, MakeCodeScorerKnowsEveryNameAndRejectsBadOptions) {
  EXPECT_EQ(CodeScorerNames().size(), 14U);
  auto renamed = Make("is_not_empty", {{"name", "has_answer"}});
  EXPECT_EQ(renamed->name(), "has_answer");
  EXPECT_THAT(MakeCodeScorer("sentiment", nullptr).status(),
              StatusIs(StatusCode::kNotFound, HasSubstr("exact_match")));
  EXPECT_THAT(MakeCodeScorer("exact_match", {{"trimm", true}}).status(),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("trimm")));
  EXPECT_THAT(MakeCodeScorer("contains_keywords", {{"keywords", "Paris"}}).status(),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("wrong type")));
  EXPECT_THAT(MakeCodeScorer("exact_match", Json::array()).status(),
              StatusIs(StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace tracelake::eval
