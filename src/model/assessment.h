// Assessment: feedback or expectation attached to a trace (optionally to one span), as MLflow 3.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace tracelake::model {

enum class AssessmentSourceType : uint8_t { kUnspecified, kHuman, kLlmJudge, kCode };

// MLflow's names: HUMAN, LLM_JUDGE, CODE, SOURCE_TYPE_UNSPECIFIED.
const char* AssessmentSourceTypeName(AssessmentSourceType type);

struct AssessmentSource {
  AssessmentSourceType source_type = AssessmentSourceType::kUnspecified;
  std::string source_id;
};

struct AssessmentError {
  std::string error_code;
  std::string error_message;
  std::string stack_trace;
};

struct Feedback {
  std::string value_json;  // any JSON value as text; empty when the feedback carries only error
  std::optional<AssessmentError> error;
};

struct Expectation {
  std::string value_json;  // any JSON value as text
  // MLflow's serialized_value {serialization_format, value}, kept verbatim when used.
  std::string serialization_format;
  std::string serialized_value;
};

struct Assessment {
  std::string assessment_id;  // "a-" + 32 hex
  std::string assessment_name;
  std::string trace_id;  // MLflow form "tr-..."
  std::string span_id;   // 16 hex or empty
  AssessmentSource source;
  int64_t create_time_ms = 0;
  int64_t last_update_time_ms = 0;
  std::optional<Feedback> feedback;  // exactly one of feedback / expectation is set
  std::optional<Expectation> expectation;
  std::string rationale;
  std::map<std::string, std::string> metadata;
  std::string overrides;  // id of the assessment this one replaces
  bool valid = true;
};

}  // namespace tracelake::model
