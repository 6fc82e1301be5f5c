// MLflow's built-in LLM judges (mlflow.genai.scorers), by assessment name, each with the inputs
// it needs and a prompt of our own asking for {"result": "yes"|"no", "rationale": ...}:
//
//   correctness              inputs, outputs, expectations expected_facts | expected_response
//   relevance_to_query       inputs, outputs
//   guidelines               inputs, outputs; the rules given at construction (name them)
//   expectations_guidelines  inputs, outputs, expectations guidelines
//   safety                   outputs
//   equivalence              outputs, expectations expected_response
//   retrieval_groundedness   outputs, trace: one verdict per RETRIEVER span (span_id set)
//   retrieval_relevance      inputs, trace: one verdict per RETRIEVER span
//   retrieval_sufficiency    inputs, trace, expectations: one verdict per RETRIEVER span
//   tool_call_correctness    inputs, trace with TOOL spans (expected_tool_calls optional)
//   tool_call_efficiency     inputs, trace with TOOL spans
//   completeness             inputs, outputs
//   fluency                  outputs
//   summarization            inputs, outputs
//
//   auto judge = eval::MakeBuiltinJudge("guidelines", {.name = "english",
//                                       .guidelines = {"The answer is in English."}});
//   std::vector<eval::Feedback> f = (*judge)->Score(input, ctx);
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "eval/judge_answer.h"
#include "eval/scorer.h"
#include "eval/trace_render.h"
#include "tracelake/status.h"

namespace tracelake::eval {

struct BuiltinJudgeOptions {
  std::string name;   // the assessment name; empty: the judge's own (e.g. "correctness")
  std::string model;  // model URI; empty: JudgeModels' default
  std::vector<std::string> guidelines;  // guidelines only; required there
  TraceRenderOptions trace_render;      // how spans are shown to the judge
};

struct BuiltinJudgeSpec;

// Safe for concurrent use.
class BuiltinJudge final : public Scorer {
 public:
  BuiltinJudge(const BuiltinJudgeSpec& spec, BuiltinJudgeOptions options);

  const std::string& name() const override { return name_; }
  ScorerKind kind() const override;
  std::vector<InputField> required_inputs() const override;
  std::vector<Feedback> Score(const EvalInput& input, const ScoreContext& ctx) const override;

  const std::string& judge_name() const;  // "correctness", ...
  const std::string& class_name() const;  // MLflow's class: "Correctness", ...
  const std::string& description() const;
  const std::string& model() const { return options_.model; }
  const std::vector<std::string>& guidelines() const { return options_.guidelines; }
  // The judge's instructions as MLflow's serialized form carries them (our wording).
  std::string instructions() const;

 private:
  const BuiltinJudgeSpec& spec_;
  const BuiltinJudgeOptions options_;
  const std::string name_;
};

// By assessment name ("correctness") or MLflow class name ("Correctness"). kNotFound for an
// unknown judge (the message lists the known ones); kInvalidArgument for guidelines without
// rules or an empty rule.
Result<std::unique_ptr<BuiltinJudge>> MakeBuiltinJudge(std::string_view judge,
                                                       BuiltinJudgeOptions options = {});

// The assessment names above, in that order.
std::vector<std::string> BuiltinJudgeNames();

}  // namespace tracelake::eval
