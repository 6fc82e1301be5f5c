// MLflow runs (an evaluation run, or any tracked run) and registered scorers, as MLflow's
// service.proto has them: Run = RunInfo + RunData (latest metric per key, params, tags);
// ScorerVersion = one registered version of a named scorer in an experiment.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/experiment.h"

namespace tracelake::model {

// MLflow's RunStatus, with its proto numbers.
enum class RunStatus : uint8_t {
  kRunning = 1,
  kScheduled = 2,
  kFinished = 3,
  kFailed = 4,
  kKilled = 5
};

// MLflow's name of a status ("RUNNING", ..., "KILLED").
inline const char* RunStatusName(RunStatus s) {
  switch (s) {
    case RunStatus::kRunning:
      return "RUNNING";
    case RunStatus::kScheduled:
      return "SCHEDULED";
    case RunStatus::kFinished:
      return "FINISHED";
    case RunStatus::kFailed:
      return "FAILED";
    case RunStatus::kKilled:
      return "KILLED";
  }
  return "RUNNING";
}

struct RunInfo {
  std::string run_id;  // 32 lowercase hex digits (uuid4().hex, as MLflow)
  std::string experiment_id;
  std::string run_name;
  std::string user_id;
  RunStatus status = RunStatus::kRunning;
  int64_t start_time_ms = 0;
  std::optional<int64_t> end_time_ms;
  std::string artifact_uri;
  LifecycleStage lifecycle_stage = LifecycleStage::kActive;
};

struct RunMetric {
  std::string key;
  double value = 0;
  int64_t timestamp_ms = 0;
  int64_t step = 0;
};

// A dataset a run used (MLflow's DatasetInput: the Dataset plus input tags such as
// mlflow.data.context).
struct RunDatasetInput {
  std::string name;
  std::string digest;
  std::string source_type;
  std::string source;
  std::string schema;
  std::string profile;
  std::map<std::string, std::string> tags;
};

struct Run {
  RunInfo info;
  std::vector<RunMetric> metrics;  // the latest value per key (max step, then timestamp, value)
  std::map<std::string, std::string> params;
  std::map<std::string, std::string> tags;
  std::vector<RunDatasetInput> dataset_inputs;
};

struct ScorerVersion {
  std::string experiment_id;
  std::string scorer_id;  // a uuid, the same for every version of one name in one experiment
  std::string name;
  int64_t version = 0;            // 1, 2, ... per name
  std::string serialized_scorer;  // JSON text, stored verbatim
  int64_t creation_time_ms = 0;
};

// How a registered scorer runs on live traces (MLflow's OnlineScoringConfig): the share of new
// traces it scores and an optional trace search filter. One per scorer.
struct OnlineScoringConfig {
  std::string online_scoring_config_id;  // 32 hex
  std::string scorer_id;
  std::string experiment_id;
  double sample_rate = 0;  // 0 (stopped) .. 1
  std::optional<std::string> filter_string;
};

// A registered scorer turned on for live traces: its latest version and its config.
struct OnlineScorer {
  ScorerVersion scorer;
  OnlineScoringConfig config;
};

}  // namespace tracelake::model
