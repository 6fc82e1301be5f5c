// What a judge is asked to answer and how its answer becomes a Feedback.
//
// Every judge asks for one JSON object {"result": <value>, "rationale": "<why>"}. A reply that
// is an error, refused, truncated (finish_reason "length"), not that JSON or a result outside the
// declared type becomes an unknown Feedback whose error keeps the code, a message and the raw
// answer: a judge's verdict is never guessed.
//
//   eval::Feedback f = eval::AskJudge(ctx, model_uri, "safety", call,
//                                     eval::FeedbackValueType::PassFail());
#pragma once

#include <string>
#include <vector>

#include "eval/feedback.h"
#include "eval/judge_model.h"
#include "eval/scorer.h"

namespace tracelake::eval {

// MLflow's feedback_value_type: the built-in judges' Literal["yes", "no"], or what an
// instructions judge declares (bool, Literal[...] categories, int, float, str).
struct FeedbackValueType {
  enum class Kind : uint8_t { kBool, kCategorical, kInt, kFloat, kString };
  Kind kind = Kind::kCategorical;
  std::vector<std::string> categories;  // kCategorical only; non-empty

  static FeedbackValueType PassFail() { return {Kind::kCategorical, {"yes", "no"}}; }
  static FeedbackValueType Bool() { return {Kind::kBool, {}}; }
  static FeedbackValueType Int() { return {Kind::kInt, {}}; }
  static FeedbackValueType Float() { return {Kind::kFloat, {}}; }
  static FeedbackValueType String() { return {Kind::kString, {}}; }
  static FeedbackValueType Categorical(std::vector<std::string> values) {
    return {Kind::kCategorical, std::move(values)};
  }

  // The JSON Schema pydantic writes for a `result` of this type, as MLflow serializes
  // feedback_value_type: {"title": "Result", "type": "boolean"}, {"enum": [...], "title":
  // "Result", "type": "string"}, ...
  Json ToJsonSchema() const;
  // kInvalidArgument for a schema MLflow would not write for these types.
  static Result<FeedbackValueType> FromJsonSchema(const Json& schema);
  // For the prompt: `"yes" or "no"`, `true or false`, `an integer`, ...
  std::string Describe() const;
};

// The judge's text answer as a Feedback named `name` (value, rationale; or an unknown with
// kErrParse / kErrRefused / kErrTruncated and the raw answer kept).
Feedback FeedbackFromReply(const std::string& name, const FeedbackSource& source,
                           const FeedbackValueType& type, const JudgeReply& reply);

// Asks `model_uri` ("" for the default model) through ctx.judges and returns the Feedback,
// with the judge's tokens and cost in its metadata. Never fails: a missing ctx.judges, a bad
// URI, missing credentials, a provider error or timeout, or ctx.cancel already set are unknown
// feedbacks with the error.
Feedback AskJudge(const ScoreContext& ctx, const std::string& model_uri, const std::string& name,
                  const JudgeCall& call, const FeedbackValueType& type);

// The system prompt every judge sends: the output contract for `type`.
std::string JudgeSystemPrompt(const FeedbackValueType& type);

}  // namespace tracelake::eval
