// Custom judges from an instruction template: which templates are accepted, how the record and
// the span tree are filled in, and how each feedback_value_type reads the judge's result.
#include "eval/instructions_judge.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "eval/trace_render.h"
#include "tests/common/status_matchers.h"
#include "tests/eval/eval_test_util.h"

namespace tracelake::eval {
namespace {

using ::tracelake_testing::IsOk;
using ::tracelake_testing::StatusIs;

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::JudgeTest;
using ::testing::Not;

class InstructionsJudgeTest : public JudgeTest {
 protected:
  std::unique_ptr<InstructionsJudge> Make(std::string instructions,
                                          FeedbackValueType type = FeedbackValueType::PassFail()) {
    auto j = InstructionsJudge::Create(
        {.name = "custom", .instructions = std::move(instructions), .feedback_value_type = type});
    EXPECT_THAT(j.status(), IsOk());
    return std::move(j).value();
  }
  Feedback Run(const InstructionsJudge& j, const EvalInput& in) {
    std::vector<Feedback> f = j.Score(in, Ctx());
    EXPECT_EQ(f.size(), 1U);
    return f.empty() ? Feedback() : f[0];
  }
  static EvalInput Record() {
    EvalInput in;
    in.inputs = {{"question", "2+2?"}};
    in.outputs = "4";
    in.expectations = {{"expected_response", "4"}};
    return in;
  }
};

TEST_F(InstructionsJudgeTest, RejectsTemplatesWithUnknownOrNoVariables) {
  EXPECT_THAT(InstructionsJudge::Create({.name = "j", .instructions = "Is it good?"}).status(),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("no variable")));
  EXPECT_THAT(
      InstructionsJudge::Create({.name = "j", .instructions = "Is {{ outputs }} {{ tone }}?"})
          .status(),
      StatusIs(StatusCode::kInvalidArgument, HasSubstr("{{ tone }}")));
  EXPECT_THAT(InstructionsJudge::Create({.name = "", .instructions = "{{ outputs }}"}).status(),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(InstructionsJudge::Create({.name = "j",
                                         .instructions = "{{ outputs }}",
                                         .feedback_value_type = FeedbackValueType::Categorical({})})
                  .status(),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST_F(InstructionsJudgeTest, RequiredInputsAreTheVariablesUsed) {
  auto j = Make("Compare {{outputs}} with {{ expectations }} for {{ inputs }}; {{ outputs }}");
  EXPECT_THAT(j->required_inputs(),
              ElementsAre(InputField::kOutputs, InputField::kExpectations, InputField::kInputs));
  EvalInput in = Record();
  in.expectations = nullptr;
  Feedback f = Run(*j, in);
  EXPECT_EQ(f.error->code, kErrMissingInput);
  EXPECT_EQ(http_.calls(), 0);
}

TEST_F(InstructionsJudgeTest, RendersTheRecordIntoTheTemplate) {
  auto j = Make("Q: {{ inputs }} A: {{ outputs }} E: {{expectations}}");
  EXPECT_EQ(j->Render(Record()), R"(Q: {"question":"2+2?"} A: 4 E: {"expected_response":"4"})");
  Answer(R"({"result": "yes", "rationale": "right"})");
  Feedback f = Run(*j, Record());
  EXPECT_EQ(f.verdict(), Verdict::kYes);
  EXPECT_EQ(f.name, "custom");
  nlohmann::json body = nlohmann::json::parse(http_.requests()[0].body);
  EXPECT_EQ(body["messages"][1]["content"], j->Render(Record()));
}

TEST_F(InstructionsJudgeTest, TraceVariableShowsTheSpanTree) {
  model::Trace trace = testing::RagTrace();
  trace.spans[2].status_code = model::SpanStatusCode::kError;
  trace.spans[2].status_message = "search quota exceeded";
  EvalInput in;
  in.trace = &trace;
  auto j = Make("Did the agent recover from errors? {{ trace }}");
  const std::string text = j->Render(ResolveInput(in));
  EXPECT_THAT(text, HasSubstr("- agent [AGENT]"));
  EXPECT_THAT(text, HasSubstr("  - retrieve [RETRIEVER]"));
  EXPECT_THAT(text, HasSubstr("  - search_web [TOOL] status=ERROR \"search quota exceeded\""));
  EXPECT_THAT(text, HasSubstr("model=gpt-4o-mini"));
  EXPECT_THAT(text, HasSubstr("inputs: {\"q\":\"France capital\"}"));
  // Children in start order under their parent.
  EXPECT_LT(text.find("retrieve"), text.find("search_web"));
  EXPECT_LT(text.find("search_web"), text.find("lookup_city"));
}

TEST_F(InstructionsJudgeTest, TraceRenderingStaysWithinItsTokenBudget) {
  model::Trace trace;
  trace.spans.push_back(testing::MakeSpan("0000000000000001", "", "root", "AGENT", "{}", "{}"));
  for (int i = 2; i < 400; ++i) {
    char id[17];
    std::snprintf(id, sizeof(id), "%016x", i);
    trace.spans.push_back(testing::MakeSpan(id, "0000000000000001", "step" + std::to_string(i),
                                            "TOOL", std::string(2000, 'x'), std::string(3000, 'y'),
                                            static_cast<uint64_t>(i)));
  }
  const std::string text = RenderTraceForJudge(trace, {.token_budget = 2000});
  EXPECT_LE(text.size(), 2000U * 4);
  EXPECT_THAT(text, HasSubstr("more spans left out"));
  EXPECT_THAT(text, HasSubstr("...[cut]"));
  EXPECT_THAT(text, HasSubstr("- root [AGENT]"));
}

TEST_F(InstructionsJudgeTest, ReadsEachFeedbackValueType) {
  auto b = Make("{{ outputs }}", FeedbackValueType::Bool());
  Answer(R"({"result": true, "rationale": "r"})");
  EXPECT_EQ(Run(*b, Record()).value, true);

  auto c = Make("Rate {{ outputs }}", FeedbackValueType::Categorical({"Good", "Bad"}));
  Answer(R"({"result": "good", "rationale": "r"})");
  Feedback f = Run(*c, Record());
  EXPECT_EQ(f.value, "Good");
  EXPECT_EQ(f.verdict(), Verdict::kValue);
  Answer(R"({"result": "Okay", "rationale": "r"})");
  EXPECT_EQ(Run(*c, EvalInput{.outputs = "other"}).error->code, kErrParse);

  auto i = Make("Score {{ outputs }} 1-5", FeedbackValueType::Int());
  Answer(R"({"result": "4", "rationale": "r"})");
  EXPECT_EQ(Run(*i, Record()).value, 4);
  Answer(R"({"result": 2.5, "rationale": "r"})");
  EXPECT_EQ(Run(*i, EvalInput{.outputs = "x"}).error->code, kErrParse);

  auto d = Make("Score {{ outputs }} 0-1", FeedbackValueType::Float());
  Answer(R"({"result": 0.75, "rationale": "r"})");
  EXPECT_EQ(Run(*d, Record()).value, 0.75);

  const std::string system =
      nlohmann::json::parse(http_.requests().back().body)["messages"][0]["content"];
  EXPECT_THAT(system, HasSubstr("a number"));
}

}  // namespace
}  // namespace tracelake::eval
