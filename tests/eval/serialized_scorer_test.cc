// MLflow's serialized_scorer for built-in and instruction judges: the fields MLflow's
// model_dump writes, round trips, and what cannot be parsed.
#include "eval/serialized_scorer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "eval/builtin_judges.h"
#include "eval/code_scorers.h"
#include "eval/instructions_judge.h"
#include "tests/common/status_matchers.h"

namespace tracelake::eval {
namespace {

using ::tracelake_testing::IsOk;
using ::tracelake_testing::StatusIs;

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(SerializedScorerTest, BuiltinJudgeHasMlflowsFields) {
  auto judge = MakeBuiltinJudge(
      "guidelines",
      {.name = "english", .model = "openai:/gpt-4o", .guidelines = {"Reply in English."}});
  ASSERT_THAT(judge.status(), IsOk());
  Result<Json> s = SerializeScorer(**judge);
  ASSERT_THAT(s.status(), IsOk());
  EXPECT_EQ((*s)["name"], "english");
  EXPECT_EQ((*s)["builtin_scorer_class"], "Guidelines");
  EXPECT_EQ((*s)["serialization_version"], 1);
  EXPECT_EQ((*s)["is_session_level_scorer"], false);
  EXPECT_TRUE((*s)["call_source"].is_null());
  EXPECT_TRUE((*s)["instructions_judge_pydantic_data"].is_null());
  const Json& data = (*s)["builtin_scorer_pydantic_data"];
  EXPECT_EQ(data["name"], "english");
  EXPECT_EQ(data["model"], "openai:/gpt-4o");
  EXPECT_EQ(data["guidelines"], Json::array({"Reply in English."}));
  EXPECT_EQ(data["required_columns"], Json::array({"inputs", "outputs"}));
  EXPECT_TRUE(data["instructions"].is_string());

  Result<std::unique_ptr<Scorer>> back = ParseSerializedScorer(std::string_view(s->dump()));
  ASSERT_THAT(back.status(), IsOk());
  const auto* b = dynamic_cast<const BuiltinJudge*>(back->get());
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->name(), "english");
  EXPECT_EQ(b->model(), "openai:/gpt-4o");
  EXPECT_THAT(b->guidelines(), ElementsAre("Reply in English."));
  EXPECT_EQ(SerializeScorer(*b).value(), *s);
}

TEST(SerializedScorerTest, ParsesWhatMlflowWritesForABuiltinJudge) {
  // As mlflow.genai.scorers.Correctness().model_dump() writes it (MLflow 3.x).
  const char* mlflow = R"({
    "name": "correctness", "aggregations": null, "description": null,
    "is_session_level_scorer": false, "mlflow_version": "3.5.0", "serialization_version": 1,
    "builtin_scorer_class": "Correctness",
    "builtin_scorer_pydantic_data": {"name": "correctness", "aggregations": null,
      "description": null, "required_columns": ["inputs", "outputs"], "model": null,
      "instructions": "..."},
    "call_source": null, "call_signature": null, "original_func_name": null,
    "instructions_judge_pydantic_data": null})";
  Result<std::unique_ptr<Scorer>> s = ParseSerializedScorer(std::string_view(mlflow));
  ASSERT_THAT(s.status(), IsOk());
  EXPECT_EQ((*s)->name(), "correctness");
  EXPECT_EQ((*s)->kind(), ScorerKind::kBuiltin);
}

TEST(SerializedScorerTest, InstructionsJudgeRoundTripsItsValueType) {
  auto judge = InstructionsJudge::Create(
      {.name = "tone",
       .instructions = "Rate the tone of {{ outputs }}",
       .model = "anthropic:/claude-sonnet-4-5",
       .feedback_value_type = FeedbackValueType::Categorical({"friendly", "neutral", "rude"})});
  ASSERT_THAT(judge.status(), IsOk());
  Result<Json> s = SerializeScorer(**judge);
  ASSERT_THAT(s.status(), IsOk());
  EXPECT_TRUE((*s)["builtin_scorer_class"].is_null());
  const Json& data = (*s)["instructions_judge_pydantic_data"];
  EXPECT_EQ(data["instructions"], "Rate the tone of {{ outputs }}");
  EXPECT_EQ(data["model"], "anthropic:/claude-sonnet-4-5");
  EXPECT_EQ(
      data["feedback_value_type"],
      Json::parse(R"({"enum":["friendly","neutral","rude"],"title":"Result","type":"string"})"));

  Result<std::unique_ptr<Scorer>> back = ParseSerializedScorer(*s);
  ASSERT_THAT(back.status(), IsOk());
  const auto* j = dynamic_cast<const InstructionsJudge*>(back->get());
  ASSERT_NE(j, nullptr);
  EXPECT_EQ(j->name(), "tone");
  EXPECT_THAT(j->config().feedback_value_type.categories,
              ElementsAre("friendly", "neutral", "rude"));

  for (auto [type, schema] : std::vector<std::pair<FeedbackValueType, const char*>>{
           {FeedbackValueType::Bool(), "boolean"},
           {FeedbackValueType::Int(), "integer"},
           {FeedbackValueType::Float(), "number"},
           {FeedbackValueType::String(), "string"}}) {
    Json js = type.ToJsonSchema();
    EXPECT_EQ(js["type"], schema);
    EXPECT_EQ(FeedbackValueType::FromJsonSchema(js)->kind, type.kind);
  }
}

TEST(SerializedScorerTest, RejectsWhatItCannotRun) {
  EXPECT_THAT(ParseSerializedScorer(std::string_view("{")).status(),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseSerializedScorer(Json::parse(R"({"name": "x"})")).status(),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("exactly one")));
  EXPECT_THAT(ParseSerializedScorer(Json::parse(
                                        R"({"name": "x", "builtin_scorer_class": "Safety",
                                            "instructions_judge_pydantic_data": {}})"))
                  .status(),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(
      ParseSerializedScorer(Json::parse(R"({"name": "f", "call_source": "return True"})")).status(),
      StatusIs(StatusCode::kUnimplemented));
  EXPECT_THAT(ParseSerializedScorer(Json::parse(R"({"name": "x",
                  "builtin_scorer_class": "Helpfulness"})"))
                  .status(),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("Helpfulness")));
  EXPECT_THAT(ParseSerializedScorer(Json::parse(R"({"name": "x",
                  "instructions_judge_pydantic_data": {"instructions": "{{ vibes }}"}})"))
                  .status(),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("{{ vibes }}")));
  EXPECT_THAT(SerializeScorer(*IsNotEmpty()).status(), StatusIs(StatusCode::kUnimplemented));
}

}  // namespace
}  // namespace tracelake::eval
