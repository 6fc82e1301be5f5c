// InstructionsJudge: a custom LLM judge from an instruction template, as MLflow's make_judge
// builds one. The template uses MLflow's variables {{ inputs }}, {{ outputs }},
// {{ expectations }} and {{ trace }} (the span tree: names, types, inputs / outputs, errors,
// trimmed to a token budget); the judge answers a value of its feedback_value_type (bool,
// categorical, int, float, str).
//
//   auto judge = eval::InstructionsJudge::Create({
//       .name = "polite", .instructions = "Is {{ outputs }} polite to the user in {{ inputs }}?",
//       .feedback_value_type = eval::FeedbackValueType::Bool()});
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "eval/judge_answer.h"
#include "eval/scorer.h"
#include "eval/trace_render.h"
#include "tracelake/status.h"

namespace tracelake::eval {

struct InstructionsJudgeConfig {
  std::string name;
  std::string instructions;
  std::string model;  // model URI; empty: JudgeModels' default
  FeedbackValueType feedback_value_type = FeedbackValueType::PassFail();
  std::string description;
  TraceRenderOptions trace_render;
};

// Safe for concurrent use.
class InstructionsJudge final : public Scorer {
 public:
  // kInvalidArgument when the name is empty, the template uses no variable, a variable other
  // than inputs / outputs / expectations / trace (the message names it), or a categorical type
  // has no values.
  static Result<std::unique_ptr<InstructionsJudge>> Create(InstructionsJudgeConfig config);

  const std::string& name() const override { return config_.name; }
  ScorerKind kind() const override { return ScorerKind::kInstructions; }
  std::vector<InputField> required_inputs() const override { return variables_; }
  std::vector<Feedback> Score(const EvalInput& input, const ScoreContext& ctx) const override;

  const InstructionsJudgeConfig& config() const { return config_; }
  // The template with the record's values in place (exposed for tests and benchmarks).
  // REQUIRES: input resolved and carrying every required input.
  std::string Render(const EvalInput& input) const;

 private:
  InstructionsJudge(InstructionsJudgeConfig config, std::vector<InputField> variables)
      : config_(std::move(config)), variables_(std::move(variables)) {}

  const InstructionsJudgeConfig config_;
  const std::vector<InputField> variables_;  // in order of first use
};

}  // namespace tracelake::eval
