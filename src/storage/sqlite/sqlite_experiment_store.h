// SqliteExperimentStore: the ExperimentStore role of the SQLite backend (sqlite_backend.h).
// Safe for concurrent use.
#pragma once

#include <map>
#include <string>

#include "storage/experiment_store.h"
#include "storage/sqlite/sqlite_database.h"

namespace tracelake::storage::sqlite {

class SqliteExperimentStore final : public ExperimentStore {
 public:
  explicit SqliteExperimentStore(SqliteDatabase& db) : db_(db) {}

  Result<std::string> CreateExperiment(const std::string& name,
                                       const std::string& artifact_location,
                                       const std::map<std::string, std::string>& tags) override;
  Result<model::Experiment> GetExperiment(const std::string& experiment_id) override;
  Result<model::Experiment> GetExperimentByName(const std::string& name) override;
  Result<ExperimentPage> SearchExperiments(const SearchExperimentsRequest& req) override;
  Status RenameExperiment(const std::string& experiment_id, const std::string& new_name) override;
  Status DeleteExperiment(const std::string& experiment_id) override;
  Status RestoreExperiment(const std::string& experiment_id) override;
  Status SetExperimentTag(const std::string& experiment_id, const std::string& key,
                          const std::string& value) override;
  Status DeleteExperimentTag(const std::string& experiment_id, const std::string& key) override;

 private:
  SqliteDatabase& db_;
};

// kNotFound unless the experiment exists and is active; kInvalidArgument for a malformed id.
// Shared with the trace store (ingest and trace info writes check it).
Status CheckExperimentActive(Db& db, const std::string& experiment_id);

}  // namespace tracelake::storage::sqlite
