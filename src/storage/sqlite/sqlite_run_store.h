// SqliteRunStore and SqliteScorerStore: the RunStore and ScorerStore roles of the SQLite
// backend (sqlite_backend.h; tables in docs/schema.md, version 5). Safe for concurrent use.
#pragma once

#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "common/mutex.h"
#include "storage/run_store.h"
#include "storage/sqlite/sqlite_database.h"

namespace tracelake::storage::sqlite {

// Random ids and names for new runs and scorers, shared by both stores.
class RunIdSource {
 public:
  RunIdSource() : rng_(std::random_device{}()) {}
  std::string NewHexId();    // 32 lowercase hex digits
  std::string NewUuid();     // 8-4-4-4-12
  std::string NewRunName();  // MLflow's adjective-noun-number

 private:
  Mutex mu_;
  std::mt19937_64 rng_ TL_GUARDED_BY(mu_);
};

class SqliteRunStore final : public RunStore {
 public:
  SqliteRunStore(SqliteDatabase& db, RunIdSource& ids) : db_(db), ids_(ids) {}

  Result<model::Run> CreateRun(const CreateRunRequest& req) override;
  Result<model::Run> GetRun(const std::string& run_id) override;
  Result<model::RunInfo> UpdateRun(const std::string& run_id, const UpdateRunRequest& req) override;
  Status DeleteRun(const std::string& run_id) override;
  Status RestoreRun(const std::string& run_id) override;
  Status LogBatch(const std::string& run_id, const std::vector<model::RunMetric>& metrics,
                  const std::vector<std::pair<std::string, std::string>>& params,
                  const std::vector<std::pair<std::string, std::string>>& tags) override;
  Status LogInputs(const std::string& run_id,
                   const std::vector<model::RunDatasetInput>& datasets) override;
  Status DeleteTag(const std::string& run_id, const std::string& key) override;
  Result<MetricHistoryPage> GetMetricHistory(const std::string& run_id, const std::string& key,
                                             int max_results,
                                             const std::string& page_token) override;
  Result<RunPage> SearchRuns(const SearchRunsRequest& req) override;

 private:
  SqliteDatabase& db_;
  RunIdSource& ids_;
};

class SqliteScorerStore final : public ScorerStore {
 public:
  SqliteScorerStore(SqliteDatabase& db, RunIdSource& ids) : db_(db), ids_(ids) {}

  Result<model::ScorerVersion> RegisterScorer(const std::string& experiment_id,
                                              const std::string& name,
                                              const std::string& serialized_scorer) override;
  Result<std::vector<model::ScorerVersion>> ListScorers(const std::string& experiment_id) override;
  Result<std::vector<model::ScorerVersion>> ListScorerVersions(const std::string& experiment_id,
                                                               const std::string& name) override;
  Result<model::ScorerVersion> GetScorer(const std::string& experiment_id, const std::string& name,
                                         std::optional<int64_t> version) override;
  Status DeleteScorer(const std::string& experiment_id, const std::string& name,
                      std::optional<int64_t> version) override;
  Result<model::OnlineScoringConfig> UpsertOnlineScoringConfig(
      const std::string& experiment_id, const std::string& name, double sample_rate,
      const std::optional<std::string>& filter_string) override;
  Result<std::vector<model::OnlineScorer>> ListActiveOnlineScorers() override;
  Result<std::vector<model::OnlineScoringConfig>> GetOnlineScoringConfigs(
      const std::vector<std::string>& scorer_ids) override;

 private:
  SqliteDatabase& db_;
  RunIdSource& ids_;
};

// Marks a run deleted or active inside the caller's write transaction. Deleting also deletes
// the assessments whose metadata names the run in mlflow.assessment.sourceRunId, as MLflow
// does. Shared with the experiment store (deleting an experiment deletes its runs).
Status SetRunLifecycle(SqliteDatabase& database, Db& db, const std::string& run_id, bool deleted);

}  // namespace tracelake::storage::sqlite
