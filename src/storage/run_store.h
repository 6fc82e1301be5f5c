// RunStore: MLflow runs (create, read, update, soft delete and restore, search) with their
// params, tags and metric histories. ScorerStore: scorers registered per experiment, with
// versions. Two roles of a storage backend (storage/backend.h), used by the runs and scorers
// routes and by evaluation runs.
//
//   ASSIGN_OR_RETURN(model::Run run, backend->runs().CreateRun({.experiment_id = "1"}));
//   RETURN_IF_ERROR(backend->runs().LogBatch(run.info.run_id, {{"accuracy", 0.9, now, 0}}, {},
//                                           {}));
//
// Safe for concurrent use. Errors, with MLflow's wording where MLflow has one:
//   kNotFound         an unknown run, experiment, scorer or scorer version
//   kInvalidArgument  malformed input (names the field), a write to a deleted run or into a
//                     deleted experiment, a param logged again with another value, a batch over
//                     MLflow's limits
// Messages are backend-neutral; the server maps the codes to MLflow's error codes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/run.h"
#include "tracelake/status.h"

namespace tracelake::storage {

// MLflow's limits (mlflow/utils/validation.py).
inline constexpr size_t kMaxMetricsPerBatch = 1000;
inline constexpr size_t kMaxParamsTagsPerBatch = 100;
inline constexpr size_t kMaxEntityKeyLength = 250;
inline constexpr size_t kMaxParamValueLength = 6000;
inline constexpr size_t kMaxTagValueLength = 8000;
inline constexpr int kMaxRunsPerPage = 50000;  // SEARCH_MAX_RESULTS_THRESHOLD

// The tag that mirrors a run's name (MLflow keeps both in step).
inline constexpr char kRunNameTag[] = "mlflow.runName";

struct CreateRunRequest {
  std::string experiment_id = "0";
  std::string user_id;
  std::string run_name;  // empty: the mlflow.runName tag, else a random adjective-noun-number
  std::optional<int64_t> start_time_ms;  // absent: now
  std::vector<std::pair<std::string, std::string>> tags;
};

struct UpdateRunRequest {
  std::optional<model::RunStatus> status;
  std::optional<int64_t> end_time_ms;
  std::optional<std::string> run_name;  // also sets the mlflow.runName tag
};

struct SearchRunsRequest {
  enum class ViewType { kActiveOnly, kDeletedOnly, kAll };
  std::vector<std::string> experiment_ids;
  std::string filter;  // MLflow's run filter (storage/sql/run_filter.h); may be empty
  ViewType view_type = ViewType::kActiveOnly;
  int max_results = 1000;
  std::vector<std::string> order_by;  // "metrics.acc DESC", "attributes.start_time", ...
  std::string page_token;
};
struct RunPage {
  std::vector<model::Run> runs;
  std::string next_page_token;  // empty at the end
};

struct MetricHistoryPage {
  std::vector<model::RunMetric> metrics;  // by step, then timestamp
  std::string next_page_token;
};

class RunStore {
 public:
  virtual ~RunStore() = default;

  // The experiment must exist and be active. The run starts RUNNING and active, with the
  // mlflow.runName tag set to its name; kInvalidArgument when run_name and that tag differ.
  virtual Result<model::Run> CreateRun(const CreateRunRequest& req) = 0;
  // Deleted runs are returned too (lifecycle_stage says so), as MLflow does.
  virtual Result<model::Run> GetRun(const std::string& run_id) = 0;
  virtual Result<model::RunInfo> UpdateRun(const std::string& run_id,
                                           const UpdateRunRequest& req) = 0;
  virtual Status DeleteRun(const std::string& run_id) = 0;   // soft delete
  virtual Status RestoreRun(const std::string& run_id) = 0;  // a deleted run becomes active
  // Metrics append to their histories (an identical point is kept once); params are
  // immutable (the same value again is accepted); tags overwrite. All or nothing. The run must
  // be active.
  virtual Status LogBatch(const std::string& run_id, const std::vector<model::RunMetric>& metrics,
                          const std::vector<std::pair<std::string, std::string>>& params,
                          const std::vector<std::pair<std::string, std::string>>& tags) = 0;
  // Datasets the run used (MLflow's log_inputs); one input per (name, digest), a repeated one
  // replaces the earlier. The run must be active.
  virtual Status LogInputs(const std::string& run_id,
                           const std::vector<model::RunDatasetInput>& datasets) = 0;
  // kNotFound when the run has no such tag.
  virtual Status DeleteTag(const std::string& run_id, const std::string& key) = 0;
  // Every point of one metric; max_results 0 means all (MLflow's server returns all).
  virtual Result<MetricHistoryPage> GetMetricHistory(const std::string& run_id,
                                                     const std::string& key, int max_results,
                                                     const std::string& page_token) = 0;
  virtual Result<RunPage> SearchRuns(const SearchRunsRequest& req) = 0;
};

class ScorerStore {
 public:
  virtual ~ScorerStore() = default;

  // A new version (1 for a new name) of `name` in an active experiment. serialized_scorer must
  // be a JSON object; it is stored verbatim.
  virtual Result<model::ScorerVersion> RegisterScorer(const std::string& experiment_id,
                                                      const std::string& name,
                                                      const std::string& serialized_scorer) = 0;
  // The latest version of each name, by name.
  virtual Result<std::vector<model::ScorerVersion>> ListScorers(
      const std::string& experiment_id) = 0;
  // Every version of one name, oldest first; kNotFound for an unknown name.
  virtual Result<std::vector<model::ScorerVersion>> ListScorerVersions(
      const std::string& experiment_id, const std::string& name) = 0;
  // One version, or the latest when version is absent.
  virtual Result<model::ScorerVersion> GetScorer(const std::string& experiment_id,
                                                 const std::string& name,
                                                 std::optional<int64_t> version) = 0;
  // One version, or every version when absent (the name is then free again, and its online
  // scoring config is dropped).
  virtual Status DeleteScorer(const std::string& experiment_id, const std::string& name,
                              std::optional<int64_t> version) = 0;
  // Replaces the scorer's online scoring config. sample_rate in [0, 1]; filter_string, when
  // set, must parse as a trace search filter (query/filter.h).
  virtual Result<model::OnlineScoringConfig> UpsertOnlineScoringConfig(
      const std::string& experiment_id, const std::string& name, double sample_rate,
      const std::optional<std::string>& filter_string) = 0;
  // The configs of these scorers (unknown ids and scorers without one are left out).
  virtual Result<std::vector<model::OnlineScoringConfig>> GetOnlineScoringConfigs(
      const std::vector<std::string>& scorer_ids) = 0;
  // Every scorer that scores live traces (sample_rate > 0) in an active experiment, with its
  // latest version, by experiment then name: what the online scoring worker runs.
  virtual Result<std::vector<model::OnlineScorer>> ListActiveOnlineScorers() = 0;
};

}  // namespace tracelake::storage
