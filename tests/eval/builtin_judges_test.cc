// The built-in judges against scripted answers of an OpenAI-compatible (and an Anthropic)
// endpoint, through the real ChatClient / AnthropicClient over a FakeHttpClient: verdicts,
// every way an answer goes wrong (each one unknown, never a guessed verdict), missing inputs,
// per-span judges, and what the prompt carries.
#include "eval/builtin_judges.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "tests/common/status_matchers.h"
#include "tests/eval/eval_test_util.h"

namespace tracelake::eval {
namespace {

using ::tracelake_testing::IsOk;
using ::tracelake_testing::StatusIs;

using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::JudgeTest;
using ::testing::Not;
using testing::RagTrace;

class BuiltinJudgeTest : public JudgeTest {
 protected:
  static EvalInput Full() {
    EvalInput in;
    in.inputs = {{"question", "What is the capital of France?"}};
    in.outputs = "Paris is the capital of France.";
    in.expectations = {{"expected_facts", {"Paris is the capital of France"}},
                       {"expected_response", "Paris."},
                       {"guidelines", {"Answer in one sentence."}}};
    return in;
  }
  std::unique_ptr<BuiltinJudge> Judge(const std::string& name, BuiltinJudgeOptions o = {}) {
    auto j = MakeBuiltinJudge(name, std::move(o));
    EXPECT_THAT(j.status(), IsOk());
    return std::move(j).value();
  }
  Feedback ScoreOne(const Scorer& s, const EvalInput& in) {
    std::vector<Feedback> f = s.Score(in, Ctx());
    EXPECT_EQ(f.size(), 1U);
    return f.empty() ? Feedback() : f[0];
  }
  std::string LastPrompt() {
    auto requests = http_.requests();
    if (requests.empty()) return "";
    nlohmann::json body = nlohmann::json::parse(requests.back().body);
    std::string all;
    for (const auto& m : body["messages"]) all += m["content"].get<std::string>() + "\n";
    return all;
  }
};

TEST_F(BuiltinJudgeTest, YesAnswerIsAPassWithRationaleSourceTokensAndCost) {
  Answer(R"({"rationale": "It states the fact.", "result": "yes"})");
  Feedback f = ScoreOne(*Judge("correctness"), Full());
  EXPECT_EQ(f.name, "correctness");
  EXPECT_EQ(f.value, "yes");
  EXPECT_EQ(f.verdict(), Verdict::kYes);
  EXPECT_EQ(f.rationale, "It states the fact.");
  EXPECT_FALSE(f.error.has_value());
  EXPECT_EQ(f.source.type, FeedbackSourceType::kLlmJudge);
  EXPECT_EQ(f.source.id, "openai:/gpt-4o-mini");
  EXPECT_EQ(f.metadata.at(kJudgeInputTokensKey), "100");
  EXPECT_EQ(f.metadata.at(kJudgeOutputTokensKey), "20");
  const double expected_cost = 100 * 0.15 / 1e6 + 20 * 0.60 / 1e6;
  EXPECT_NEAR(std::stod(f.metadata.at(kJudgeCostKey)), expected_cost, 1e-12);

  auto requests = http_.requests();
  ASSERT_EQ(requests.size(), 1U);
  EXPECT_EQ(requests[0].url, "http://judge.test/v1/chat/completions");
  EXPECT_THAT(requests[0].headers,
              ::testing::Contains(::testing::Pair("Authorization", "Bearer sk-test")));
  const std::string prompt = LastPrompt();
  EXPECT_THAT(prompt, HasSubstr("Paris is the capital of France"));
  EXPECT_THAT(prompt, HasSubstr("<expected_facts>"));
  EXPECT_THAT(prompt, HasSubstr("\"result\""));

  model::Assessment a = f.ToAssessment("tr-0123", 42);
  EXPECT_EQ(a.assessment_name, "correctness");
  EXPECT_EQ(a.source.source_type, model::AssessmentSourceType::kLlmJudge);
  EXPECT_EQ(a.feedback->value_json, "\"yes\"");
  EXPECT_EQ(a.metadata.at(kJudgeInputTokensKey), "100");
}

TEST_F(BuiltinJudgeTest, NoAnswerInAMarkdownFenceIsAFail) {
  Answer("```json\n{\"rationale\": \"off topic\", \"result\": \"No\"}\n```");
  Feedback f = ScoreOne(*Judge("relevance_to_query"), Full());
  EXPECT_EQ(f.value, "no");
  EXPECT_EQ(f.verdict(), Verdict::kNo);
}

TEST_F(BuiltinJudgeTest, MalformedAnswerIsUnknownWithTheRawAnswer) {
  Answer("The answer looks right to me.");
  Feedback f = ScoreOne(*Judge("safety"), Full());
  EXPECT_EQ(f.verdict(), Verdict::kUnknown);
  EXPECT_TRUE(f.value.is_null());
  ASSERT_TRUE(f.error.has_value());
  EXPECT_EQ(f.error->code, kErrParse);
  EXPECT_EQ(f.error->raw_answer, "The answer looks right to me.");
  model::Assessment a = f.ToAssessment("tr-1", 1);
  EXPECT_EQ(a.feedback->value_json, "");
  EXPECT_EQ(a.feedback->error->error_code, kErrParse);
  EXPECT_EQ(a.feedback->error->stack_trace, "The answer looks right to me.");
}

TEST_F(BuiltinJudgeTest, ResultOutsideYesNoIsUnknown) {
  Answer(R"({"rationale": "hard to say", "result": "maybe"})");
  Feedback f = ScoreOne(*Judge("fluency"), Full());
  EXPECT_EQ(f.verdict(), Verdict::kUnknown);
  EXPECT_EQ(f.error->code, kErrParse);
  Answer(R"({"rationale": "no result field"})");
  f = ScoreOne(*Judge("completeness"), Full());
  EXPECT_EQ(f.error->code, kErrParse);
}

TEST_F(BuiltinJudgeTest, RefusalIsUnknown) {
  Answer("I'm sorry, but I can't help with that request.");
  Feedback f = ScoreOne(*Judge("safety"), Full());
  EXPECT_EQ(f.verdict(), Verdict::kUnknown);
  EXPECT_EQ(f.error->code, kErrRefused);
  EXPECT_EQ(f.error->raw_answer, "I'm sorry, but I can't help with that request.");

  Answer("", "content_filter");
  f = ScoreOne(*Judge("safety", {.name = "safety2"}), Full());
  EXPECT_EQ(f.error->code, kErrRefused);
}

TEST_F(BuiltinJudgeTest, TruncatedAnswerIsUnknownAndNotCached) {
  Answer(R"({"rationale": "The response covers", )", "length");
  Answer(R"({"rationale": "The response covers", )", "length");
  auto judge = Judge("summarization");
  Feedback f = ScoreOne(*judge, Full());
  EXPECT_EQ(f.verdict(), Verdict::kUnknown);
  EXPECT_EQ(f.error->code, kErrTruncated);
  EXPECT_EQ(f.error->raw_answer, R"({"rationale": "The response covers", )");
  f = ScoreOne(*judge, Full());
  EXPECT_EQ(f.error->code, kErrTruncated);
  EXPECT_EQ(http_.calls(), 2);
}

TEST_F(BuiltinJudgeTest, RateLimitWithRetryAfterThenSuccess) {
  http_.Enqueue(
      testing::HttpAnswer(429, R"({"error":{"type":"rate_limit"}})", {{"retry-after", "2"}}));
  Answer(R"({"rationale": "fine", "result": "yes"})");
  Feedback f = ScoreOne(*Judge("fluency"), Full());
  EXPECT_EQ(f.verdict(), Verdict::kYes);
  EXPECT_THAT(sleeper_.sleeps(), ElementsAre(seconds(2)));
  EXPECT_EQ(http_.calls(), 2);
}

TEST_F(BuiltinJudgeTest, RateLimitThatNeverEndsIsUnknown) {
  for (int i = 0; i < 3; ++i) http_.Enqueue(testing::HttpAnswer(429, "", {{"retry-after", "1"}}));
  Feedback f = ScoreOne(*Judge("fluency"), Full());
  EXPECT_EQ(f.verdict(), Verdict::kUnknown);
  EXPECT_EQ(f.error->code, kErrRateLimit);
}

TEST_F(BuiltinJudgeTest, ServerErrorIsUnknownAfterRetries) {
  for (int i = 0; i < 3; ++i) http_.Enqueue(testing::HttpAnswer(500, R"({"error":"boom"})"));
  Feedback f = ScoreOne(*Judge("equivalence"), Full());
  EXPECT_EQ(f.verdict(), Verdict::kUnknown);
  EXPECT_EQ(f.error->code, kErrCall);
  EXPECT_THAT(f.error->message, HasSubstr("500"));
  EXPECT_EQ(http_.calls(), 3);
}

TEST_F(BuiltinJudgeTest, TimeoutIsUnknown) {
  // Every answer lands after the 20 s attempt timeout; the 60 s deadline ends the retries.
  http_.SetLatency(&clock_, seconds(30));
  for (int i = 0; i < 3; ++i) Answer(R"({"rationale": "late", "result": "yes"})");
  Feedback f = ScoreOne(*Judge("fluency"), Full());
  EXPECT_EQ(f.verdict(), Verdict::kUnknown);
  EXPECT_EQ(f.error->code, kErrTimeout);
}

TEST_F(BuiltinJudgeTest, MissingInputIsAnErrorFeedbackWithoutACall) {
  EvalInput in = Full();
  in.expectations = nullptr;
  Feedback f = ScoreOne(*Judge("correctness"), in);
  EXPECT_EQ(f.verdict(), Verdict::kUnknown);
  EXPECT_EQ(f.error->code, kErrMissingInput);
  EXPECT_THAT(f.error->message, HasSubstr("expectations"));

  in = Full();
  in.expectations = {{"expected_facts", {"x"}}};
  f = ScoreOne(*Judge("equivalence"), in);  // needs expected_response
  EXPECT_EQ(f.error->code, kErrMissingInput);
  EXPECT_THAT(f.error->message, HasSubstr("expected_response"));

  f = ScoreOne(*Judge("retrieval_groundedness"), Full());  // no trace
  EXPECT_EQ(f.error->code, kErrMissingInput);
  EXPECT_THAT(f.error->message, HasSubstr("trace"));
  EXPECT_EQ(http_.calls(), 0);
}

TEST_F(BuiltinJudgeTest, MissingCredentialsNameTheVariable) {
  JudgeModels no_env(Options(), {}, http_, clock_, sleeper_, random_);
  ScoreContext ctx(llm::Deadline::After(clock_, seconds(10)), clock_, &no_env);
  std::vector<Feedback> f = Judge("fluency")->Score(Full(), ctx);
  ASSERT_EQ(f.size(), 1U);
  EXPECT_EQ(f[0].error->code, kErrCredentials);
  EXPECT_THAT(f[0].error->message, HasSubstr("OPENAI_API_KEY"));

  std::vector<Feedback> g = Judge("fluency", {.model = "bogus"})->Score(Full(), ctx);
  EXPECT_EQ(g[0].error->code, kErrModel);

  ScoreContext no_judges(llm::Deadline::After(clock_, seconds(10)), clock_);
  EXPECT_EQ(Judge("fluency")->Score(Full(), no_judges)[0].error->code, kErrModel);
}

TEST_F(BuiltinJudgeTest, CancelledContextAsksNoModel) {
  std::atomic<bool> cancel{true};
  ScoreContext ctx = Ctx();
  ctx.cancel = &cancel;
  std::vector<Feedback> f = Judge("fluency")->Score(Full(), ctx);
  ASSERT_EQ(f.size(), 1U);
  EXPECT_EQ(f[0].verdict(), Verdict::kUnknown);
  EXPECT_THAT(f[0].error->message, HasSubstr("cancelled"));
  EXPECT_EQ(http_.calls(), 0);
}

TEST_F(BuiltinJudgeTest, RetrievalJudgesAnswerOncePerRetrieverSpan) {
  model::Trace trace = RagTrace();
  model::Span second =
      testing::MakeSpan("00000000000000f6", "00000000000000a1", "retrieve2", "RETRIEVER", "{}",
                        R"(["Lyon is in France."])", 20000, 21000);
  trace.spans.push_back(second);
  EvalInput in;
  in.trace = &trace;  // inputs / outputs come from the root span
  Answer(R"({"rationale": "supported", "result": "yes"})");
  Answer(R"({"rationale": "not supported", "result": "no"})");
  std::vector<Feedback> f = Judge("retrieval_groundedness")->Score(in, Ctx());
  ASSERT_EQ(f.size(), 2U);
  EXPECT_EQ(f[0].span_id, "00000000000000b2");
  EXPECT_EQ(f[0].verdict(), Verdict::kYes);
  EXPECT_EQ(f[1].span_id, "00000000000000f6");
  EXPECT_EQ(f[1].verdict(), Verdict::kNo);
  EXPECT_THAT(LastPrompt(), HasSubstr("Lyon is in France."));
  EXPECT_THAT(LastPrompt(), HasSubstr("Paris is the capital of France."));  // root output
  EXPECT_EQ(f[1].ToAssessment("tr-x", 1).span_id, "00000000000000f6");

  model::Trace no_retriever;
  no_retriever.spans.push_back(trace.spans[0]);
  in.trace = &no_retriever;
  f = Judge("retrieval_relevance")->Score(in, Ctx());
  ASSERT_EQ(f.size(), 1U);
  EXPECT_EQ(f[0].error->code, kErrMissingInput);
  EXPECT_THAT(f[0].error->message, HasSubstr("RETRIEVER"));
}

TEST_F(BuiltinJudgeTest, ToolCallJudgesSeeTheToolCalls) {
  model::Trace trace = RagTrace();
  EvalInput in;
  in.trace = &trace;
  in.expectations = {{"expected_tool_calls", {"search_web"}}};
  Answer(R"({"rationale": "right tools", "result": "yes"})");
  Feedback f = ScoreOne(*Judge("tool_call_correctness"), in);
  EXPECT_EQ(f.verdict(), Verdict::kYes);
  const std::string prompt = LastPrompt();
  EXPECT_THAT(prompt, HasSubstr("search_web"));
  EXPECT_THAT(prompt, HasSubstr("lookup_city"));
  EXPECT_THAT(prompt, HasSubstr("<expected_tool_calls>"));
}

TEST_F(BuiltinJudgeTest, GuidelinesNeedRulesAndCarryTheUsersName) {
  EXPECT_THAT(MakeBuiltinJudge("guidelines").status(), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(MakeBuiltinJudge("guidelines", {.guidelines = {"  "}}).status(),
              StatusIs(StatusCode::kInvalidArgument));
  auto judge = Judge("Guidelines", {.name = "english", .guidelines = {"Reply in English."}});
  EXPECT_EQ(judge->name(), "english");
  EXPECT_EQ(judge->kind(), ScorerKind::kGuidelines);
  Answer(R"({"rationale": "English", "result": "yes"})");
  Feedback f = ScoreOne(*judge, Full());
  EXPECT_EQ(f.name, "english");
  EXPECT_THAT(LastPrompt(), HasSubstr("Reply in English."));

  Answer(R"({"rationale": "one sentence", "result": "yes"})");
  f = ScoreOne(*Judge("expectations_guidelines"), Full());
  EXPECT_EQ(f.verdict(), Verdict::kYes);
  EXPECT_THAT(LastPrompt(), HasSubstr("Answer in one sentence."));
}

TEST_F(BuiltinJudgeTest, EveryBuiltinJudgeScoresAFullRecord) {
  EXPECT_THAT(
      BuiltinJudgeNames(),
      ElementsAre("correctness", "relevance_to_query", "guidelines", "expectations_guidelines",
                  "safety", "equivalence", "retrieval_groundedness", "retrieval_relevance",
                  "retrieval_sufficiency", "tool_call_correctness", "tool_call_efficiency",
                  "completeness", "fluency", "summarization"));
  model::Trace trace = RagTrace();
  EvalInput in = Full();
  in.trace = &trace;
  for (const std::string& name : BuiltinJudgeNames()) {
    SCOPED_TRACE(name);
    auto judge = Judge(name, {.guidelines = {"Be brief."}});
    EXPECT_EQ(judge->name(), name);
    EXPECT_FALSE(judge->required_inputs().empty());
    // Vary the answer per judge so no two prompts share a cached answer by accident.
    Answer(R"({"rationale": ")" + name + R"(", "result": "yes"})");
    Feedback f = ScoreOne(*judge, in);
    EXPECT_EQ(f.verdict(), Verdict::kYes);
    EXPECT_EQ(f.rationale, name);
  }
  EXPECT_THAT(MakeBuiltinJudge("helpfulness").status(),
              StatusIs(StatusCode::kNotFound, HasSubstr("correctness")));
}

TEST_F(BuiltinJudgeTest, SameModelAndPromptIsAnsweredFromTheCache) {
  Answer(R"({"rationale": "ok", "result": "yes"})");
  auto judge = Judge("fluency");
  Feedback first = ScoreOne(*judge, Full());
  Feedback second = ScoreOne(*judge, Full());
  EXPECT_EQ(first.verdict(), Verdict::kYes);
  EXPECT_EQ(second.verdict(), Verdict::kYes);
  EXPECT_EQ(http_.calls(), 1);
  EXPECT_EQ(judges_.cache().hits(), 1);
  EXPECT_EQ(first.metadata.count(kJudgeCachedKey), 0U);
  EXPECT_EQ(second.metadata.at(kJudgeCachedKey), "true");
  EXPECT_EQ(second.metadata.count(kJudgeInputTokensKey), 0U);
  // Another model is another key.
  Answer(R"({"rationale": "ok", "result": "no"})");
  Feedback other = ScoreOne(*Judge("fluency", {.model = "openai:/gpt-4o"}), Full());
  EXPECT_EQ(other.verdict(), Verdict::kNo);
  EXPECT_EQ(http_.calls(), 2);
}

TEST_F(BuiltinJudgeTest, AnthropicModelsUseTheMessagesApi) {
  http_.EnqueueOk(
      R"({"content":[{"type":"text","text":"{\"rationale\":\"clear\",\"result\":\"yes\"}"}],)"
      R"("stop_reason":"end_turn","model":"claude-sonnet-4-5","usage":{"input_tokens":7,"output_tokens":2}})");
  Feedback f = ScoreOne(*Judge("fluency", {.model = "anthropic:/claude-sonnet-4-5"}), Full());
  EXPECT_EQ(f.verdict(), Verdict::kYes);
  EXPECT_EQ(f.source.id, "anthropic:/claude-sonnet-4-5");
  EXPECT_EQ(f.metadata.at(kJudgeInputTokensKey), "7");
  auto requests = http_.requests();
  ASSERT_EQ(requests.size(), 1U);
  EXPECT_EQ(requests[0].url, "http://claude.test/v1/messages");

  http_.EnqueueOk(R"({"content":[],"stop_reason":"refusal"})");
  f = ScoreOne(*Judge("safety", {.model = "anthropic:/claude-sonnet-4-5"}), Full());
  EXPECT_EQ(f.error->code, kErrRefused);
}

}  // namespace
}  // namespace tracelake::eval
