// AssessmentStore: MLflow assessments (feedback and expectations) on traces. One role of a
// storage backend (storage/backend.h). Assessments are also returned with trace infos
// (TraceStore::GetTraceInfo, SearchTraces) and searched there (feedback.<name> = ...).
//
// Safe for concurrent use. Errors: kNotFound for an unknown trace or assessment,
// kInvalidArgument for malformed input, kAlreadyExists for a duplicate assessment id.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/ids.h"
#include "model/assessment.h"
#include "tracelake/status.h"

namespace tracelake::storage {

// What an assessment update may change (MLflow update_mask paths).
struct AssessmentUpdate {
  std::optional<std::string> assessment_name;
  std::optional<model::Feedback> feedback;
  std::optional<model::Expectation> expectation;
  std::optional<std::string> rationale;
  std::optional<std::map<std::string, std::string>> metadata;
  std::optional<bool> valid;
};

class AssessmentStore {
 public:
  virtual ~AssessmentStore() = default;

  // Assigns assessment_id and times when empty; kNotFound for an unknown trace. An assessment
  // that overrides another marks the other invalid (MLflow keeps the history).
  virtual Result<model::Assessment> CreateAssessment(const model::Assessment& a) = 0;
  // All or none, in one transaction (an evaluation stores one record's feedbacks together); a
  // bad assessment's error names its index.
  virtual Result<std::vector<model::Assessment>> CreateAssessments(
      const std::vector<model::Assessment>& list) = 0;
  // The valid feedbacks whose metadata mlflow.assessment.sourceRunId is run_id (an evaluation
  // run's results), oldest first.
  virtual Result<std::vector<model::Assessment>> ListRunAssessments(const std::string& run_id) = 0;
  virtual Result<model::Assessment> GetAssessment(const TraceId& trace,
                                                  const std::string& assessment_id) = 0;
  virtual Result<model::Assessment> UpdateAssessment(const TraceId& trace,
                                                     const std::string& assessment_id,
                                                     const AssessmentUpdate& update) = 0;
  // Deleting an override makes the assessment it replaced valid again.
  virtual Status DeleteAssessment(const TraceId& trace, const std::string& assessment_id) = 0;
};

}  // namespace tracelake::storage
