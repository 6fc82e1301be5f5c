// eval::Feedback: what one scorer says about one record or trace (or one span of it), in
// MLflow's feedback shape (mlflow/entities/assessment.py): a name, a value, a rationale, an
// optional error (MLflow's AssessmentError), a source (LLM_JUDGE with the judge's model URI, or
// CODE with the scorer's name) and metadata (the judge's tokens and cost under MLflow's
// mlflow.assessment.judge* keys).
//
// Values: pass/fail judges answer the strings "yes" / "no"; code checks answer true / false;
// instruction judges answer their declared type (bool, a categorical string, int, float).
// A feedback with an error has a null value and Verdict::kUnknown: unknown is never a pass.
//
//   eval::Feedback f = eval::Feedback::Unknown("safety", eval::FeedbackError{...}, source);
//   if (f.verdict() == eval::Verdict::kYes) ...
//   model::Assessment a = f.ToAssessment("tr-...", now_ms);
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "model/assessment.h"

namespace tracelake::eval {

using Json = nlohmann::json;

// MLflow's AssessmentMetadataKey names.
inline constexpr const char* kJudgeCostKey = "mlflow.assessment.judgeCost";
inline constexpr const char* kJudgeInputTokensKey = "mlflow.assessment.judgeInputTokens";
inline constexpr const char* kJudgeOutputTokensKey = "mlflow.assessment.judgeOutputTokens";
// tracelake's own: the judge's answer came from the (model, prompt) cache; no tokens were spent.
inline constexpr const char* kJudgeCachedKey = "tracelake.assessment.judgeCached";
// The trace of the judge's own call ("tr-..."), MLflow's AssessmentMetadataKey.SCORER_TRACE_ID.
inline constexpr const char* kScorerTraceIdKey = "mlflow.assessment.scorerTraceId";
// The trace tag MLflow sets on traces a judge or scorer produced (TraceTagKey.SOURCE_SCORER).
inline constexpr const char* kSourceScorerTag = "mlflow.trace.sourceScorer";

// Error codes a Feedback carries (MLflow's AssessmentError.error_code is free text).
inline constexpr const char* kErrMissingInput = "MISSING_INPUT";
inline constexpr const char* kErrParse = "JUDGE_RESPONSE_PARSE_ERROR";
inline constexpr const char* kErrRefused = "JUDGE_REFUSED";
inline constexpr const char* kErrTruncated = "JUDGE_OUTPUT_TRUNCATED";
inline constexpr const char* kErrRateLimit = "RATE_LIMIT_EXCEEDED";
inline constexpr const char* kErrTimeout = "DEADLINE_EXCEEDED";
inline constexpr const char* kErrCredentials = "MISSING_CREDENTIALS";
inline constexpr const char* kErrModel = "INVALID_JUDGE_MODEL";
inline constexpr const char* kErrCall = "JUDGE_CALL_FAILED";
inline constexpr const char* kErrScorer = "SCORER_ERROR";

enum class Verdict : uint8_t {
  kYes,      // "yes" or true
  kNo,       // "no" or false
  kUnknown,  // an error, or no value: never counted as a pass
  kValue,    // a value that is not pass/fail (a number, a category)
};

enum class FeedbackSourceType : uint8_t { kLlmJudge, kCode };

struct FeedbackSource {
  FeedbackSourceType type = FeedbackSourceType::kCode;
  std::string id;  // the judge's model URI, or the code scorer's name

  static FeedbackSource Judge(std::string model_uri) {
    return {FeedbackSourceType::kLlmJudge, std::move(model_uri)};
  }
  static FeedbackSource Code(std::string name) {
    return {FeedbackSourceType::kCode, std::move(name)};
  }
};

struct FeedbackError {
  std::string code;     // kErr* above
  std::string message;  // for people; never prompt text
  // The judge's or program's raw answer when there was one (may hold payload text: store it
  // with the assessment, never log it).
  std::string raw_answer;
};

// One judge call as it happened: what the judge was asked, what it answered (or the error), its
// tokens, cost and timing. Kept with the feedback so the call can be stored as a trace of its
// own (JudgeTraceSpan) and a surprising verdict opened and read.
struct JudgeExchange {
  std::string model_uri;
  std::string system;
  std::string user;
  std::string answer;  // empty when the call failed
  std::string finish_reason;
  std::string error;  // the call's error, when it failed
  std::optional<int64_t> input_tokens;
  std::optional<int64_t> output_tokens;
  std::optional<double> cost_usd;
  int attempts = 0;
  bool from_cache = false;
  int64_t start_unix_nanos = 0;
  int64_t end_unix_nanos = 0;
};

struct Feedback {
  std::string name;
  Json value;  // null when unknown
  std::string rationale;
  std::optional<FeedbackError> error;
  FeedbackSource source;
  std::map<std::string, std::string> metadata;
  std::string span_id;  // 16 hex for a per-span verdict, else empty
  // Set by LLM judges whenever the judge was asked (answered or not); never stored as such.
  std::optional<JudgeExchange> judge_call;

  Verdict verdict() const;

  static Feedback Unknown(std::string name, FeedbackError error, FeedbackSource source);
  static Feedback Pass(std::string name, bool pass, std::string rationale, FeedbackSource source);

  // The feedback assessment MLflow would store for `trace_id` ("tr-..."): value as JSON text,
  // error with the raw answer in stack_trace (MLflow's only free-text error field), source,
  // metadata and span id. The assessment id is left empty for the store to assign.
  model::Assessment ToAssessment(const std::string& trace_id, int64_t now_ms) const;
};

// "LLM_JUDGE" / "CODE".
const char* FeedbackSourceTypeName(FeedbackSourceType type);

}  // namespace tracelake::eval
