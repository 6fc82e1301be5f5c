// MLflow's serialized_scorer (mlflow/genai/scorers/base.py SerializedScorer, as model_dump
// writes it) for the judges tracelake runs: built-in judges (builtin_scorer_class +
// builtin_scorer_pydantic_data) and instruction judges (instructions_judge_pydantic_data with
// instructions, model and feedback_value_type as a JSON Schema). This is the JSON MLflow's
// scorers REST (/api/3.0/mlflow/scorers/register) stores and returns.
//
//   Result<Json> s = eval::SerializeScorer(judge);
//   Result<std::unique_ptr<eval::Scorer>> back = eval::ParseSerializedScorer(text);
#pragma once

#include <memory>
#include <string_view>

#include "eval/feedback.h"
#include "eval/scorer.h"
#include "tracelake/status.h"

namespace tracelake::eval {

inline constexpr const char* kSerializedMlflowVersion = "3.5.0";
inline constexpr int kSerializationVersion = 1;

// kUnimplemented for code and external scorers (MLflow serializes code scorers as Python
// source, which tracelake does not run; command scorers are never registered over the network).
Result<Json> SerializeScorer(const Scorer& scorer);

// kInvalidArgument for JSON that is not a serialized scorer, one with several or no kinds of
// fields, or an invalid judge (bad template, unknown class: the message says which);
// kUnimplemented for decorator (@scorer) and third-party scorers.
Result<std::unique_ptr<Scorer>> ParseSerializedScorer(const Json& serialized);
Result<std::unique_ptr<Scorer>> ParseSerializedScorer(std::string_view json_text);

}  // namespace tracelake::eval
