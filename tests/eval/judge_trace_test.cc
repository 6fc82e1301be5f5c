// The judge's own call as a trace: what AskJudge records of the call (answered, failed, cached,
// never asked), the span it becomes (MLflow's chat shape, token usage, error status) and how
// feedbacks link to it.
#include "eval/judge_trace.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "eval/builtin_judges.h"
#include "tests/eval/eval_test_util.h"

namespace tracelake::eval {
namespace {

using ::testing::HasSubstr;
using testing::JudgeTest;

std::string Attr(const model::Span& s, const std::string& key) {
  for (const auto& kv : s.attributes) {
    if (kv.key != key) continue;
    if (kv.value.is_string()) return kv.value.as_string();
    return kv.value.ToJson();
  }
  return "<absent>";
}

class JudgeTraceTest : public JudgeTest {
 protected:
  static EvalInput Input() {
    EvalInput in;
    in.inputs = {{"question", "What is the capital of Peru?"}};
    in.outputs = "Lima.";
    return in;
  }
  Feedback Fluency() {
    auto judge = MakeBuiltinJudge("fluency", {});
    EXPECT_TRUE(judge.ok());
    std::vector<Feedback> f = (*judge)->Score(Input(), Ctx());
    EXPECT_EQ(f.size(), 1U);
    return f.empty() ? Feedback() : f[0];
  }
};

TEST_F(JudgeTraceTest, AnsweredCallBecomesAChatSpanWithTheExactPromptAnswerAndTokens) {
  const std::string answer = R"({"rationale": "Reads well.", "result": "yes"})";
  Answer(answer);
  Feedback f = Fluency();
  ASSERT_TRUE(f.judge_call.has_value());
  const JudgeExchange& x = *f.judge_call;
  EXPECT_EQ(x.model_uri, "openai:/gpt-4o-mini");
  EXPECT_EQ(x.answer, answer);
  EXPECT_EQ(x.finish_reason, "stop");
  EXPECT_EQ(x.input_tokens, 100);
  EXPECT_EQ(x.output_tokens, 20);
  EXPECT_TRUE(x.error.empty());
  EXPECT_FALSE(x.from_cache);

  // What was sent is what the span says was sent.
  const nlohmann::json sent = nlohmann::json::parse(http_.requests().at(0).body);
  const TraceId trace = *TraceId::FromHex("000102030405060708090a0b0c0d0e0f");
  const SpanId span = *SpanId::FromHex("1112131415161718");
  model::Span s = JudgeTraceSpan(x, "fluency", trace, span);
  EXPECT_EQ(s.trace_id, trace);
  EXPECT_EQ(s.span_id, span);
  EXPECT_TRUE(s.parent_span_id.IsZero());
  EXPECT_EQ(s.name, "judge: fluency");
  EXPECT_EQ(s.status_code, model::SpanStatusCode::kOk);
  EXPECT_EQ(Attr(s, "mlflow.spanType"), "\"CHAT_MODEL\"");
  const nlohmann::json inputs = nlohmann::json::parse(Attr(s, "mlflow.spanInputs"));
  EXPECT_EQ(inputs["model"], "openai:/gpt-4o-mini");
  EXPECT_EQ(inputs["messages"], sent["messages"]);
  const nlohmann::json outputs = nlohmann::json::parse(Attr(s, "mlflow.spanOutputs"));
  EXPECT_EQ(outputs["choices"][0]["message"]["content"], answer);
  EXPECT_EQ(outputs["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(nlohmann::json::parse(Attr(s, "mlflow.chat.tokenUsage")),
            (nlohmann::json{{"input_tokens", 100}, {"output_tokens", 20}, {"total_tokens", 120}}));
  EXPECT_EQ(Attr(s, "gen_ai.request.model"), "openai:/gpt-4o-mini");
  EXPECT_EQ(Attr(s, "tracelake.judge.scorer"), "fluency");
  EXPECT_LE(s.start_time_unix_nano, s.end_time_unix_nano);
  ASSERT_NE(s.resource, nullptr);
}

TEST_F(JudgeTraceTest, FailedCallIsAnErrorSpanWithoutOutputs) {
  for (int i = 0; i < 3; ++i) http_.Enqueue(testing::HttpAnswer(500, "upstream exploded"));
  Feedback f = Fluency();
  EXPECT_EQ(f.verdict(), Verdict::kUnknown);
  ASSERT_TRUE(f.judge_call.has_value());
  EXPECT_FALSE(f.judge_call->error.empty());
  model::Span s = JudgeTraceSpan(*f.judge_call, f.name, RandomTraceId(), RandomSpanId());
  EXPECT_EQ(s.status_code, model::SpanStatusCode::kError);
  EXPECT_EQ(s.status_message, f.judge_call->error);
  EXPECT_EQ(Attr(s, "mlflow.spanOutputs"), "<absent>");
  EXPECT_EQ(Attr(s, "mlflow.chat.tokenUsage"), "<absent>");
}

TEST_F(JudgeTraceTest, CachedAnswerIsTracedWithoutSpendingTokensAgain) {
  Answer(R"({"rationale": "ok", "result": "yes"})");
  Feedback first = Fluency();
  Feedback second = Fluency();  // same model and prompt: from the cache
  ASSERT_TRUE(second.judge_call.has_value());
  EXPECT_TRUE(second.judge_call->from_cache);
  model::Span s = JudgeTraceSpan(*second.judge_call, "fluency", RandomTraceId(), RandomSpanId());
  EXPECT_EQ(Attr(s, "mlflow.chat.tokenUsage"), "<absent>");
  EXPECT_EQ(Attr(s, "tracelake.judge.cached"), "true");
  EXPECT_EQ(http_.calls(), 1);
}

TEST_F(JudgeTraceTest, NoCallNoExchange) {
  EvalInput in = Input();
  in.outputs = nullptr;  // fluency needs outputs: unknown before any call
  auto judge = MakeBuiltinJudge("fluency", {});
  ASSERT_TRUE(judge.ok());
  std::vector<Feedback> f = (*judge)->Score(in, Ctx());
  ASSERT_EQ(f.size(), 1U);
  EXPECT_FALSE(f[0].judge_call.has_value());
  EXPECT_EQ(http_.calls(), 0);
}

TEST_F(JudgeTraceTest, LinkWritesOneTracePerJudgeCallAndLinksOnlyWhatWasStored) {
  Answer(R"({"rationale": "ok", "result": "yes"})");
  std::vector<Feedback> feedbacks = {
      Fluency(), Feedback::Pass("exact_match", true, "", FeedbackSource::Code("exact"))};
  std::vector<std::pair<std::string, model::Span>> written;
  Status st = LinkJudgeTraces(feedbacks, [&](const std::string& scorer, model::Span span) {
    written.emplace_back(scorer, std::move(span));
    return OkStatus();
  });
  EXPECT_TRUE(st.ok());
  ASSERT_EQ(written.size(), 1U);
  EXPECT_EQ(written[0].first, "fluency");
  EXPECT_EQ(feedbacks[0].metadata.at(kScorerTraceIdKey), MlflowTraceId(written[0].second.trace_id));
  EXPECT_EQ(feedbacks[1].metadata.count(kScorerTraceIdKey), 0U);

  Feedback again = feedbacks[0];
  again.metadata.clear();
  std::vector<Feedback> more = {again};
  st = LinkJudgeTraces(
      more, [](const std::string&, model::Span) { return UnavailableError("disk full"); });
  EXPECT_THAT(st.message(), HasSubstr("disk full"));
  EXPECT_EQ(more[0].metadata.count(kScorerTraceIdKey), 0U);
  EXPECT_EQ(more[0].verdict(), Verdict::kYes);
}

}  // namespace
}  // namespace tracelake::eval
