// ExperimentStore: MLflow experiments (create, read, search, rename, soft delete and restore,
// tags). One role of a storage backend (storage/backend.h).
//
// Safe for concurrent use. Errors: kNotFound for an unknown experiment id or name,
// kInvalidArgument for malformed input (with a message that names the field), kAlreadyExists
// for a duplicate name. Messages are backend-neutral; the server words them as MLflow does.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "model/experiment.h"
#include "tracelake/status.h"

namespace tracelake::storage {

struct SearchExperimentsRequest {
  enum class ViewType { kActiveOnly, kDeletedOnly, kAll };
  ViewType view_type = ViewType::kActiveOnly;
  std::string filter;  // MLflow experiment filter: name LIKE/=, tags.<k> =; may be empty
  int max_results = 1000;
  std::vector<std::string> order_by;  // "name ASC", "creation_time DESC", ...
  std::string page_token;
};
struct ExperimentPage {
  std::vector<model::Experiment> experiments;
  std::string next_page_token;  // empty at the end
};

class ExperimentStore {
 public:
  virtual ~ExperimentStore() = default;

  // kAlreadyExists if an experiment (active or deleted) has that name; kInvalidArgument if empty.
  virtual Result<std::string> CreateExperiment(const std::string& name,
                                               const std::string& artifact_location,
                                               const std::map<std::string, std::string>& tags) = 0;
  virtual Result<model::Experiment> GetExperiment(const std::string& experiment_id) = 0;
  virtual Result<model::Experiment> GetExperimentByName(const std::string& name) = 0;
  virtual Result<ExperimentPage> SearchExperiments(const SearchExperimentsRequest& req) = 0;
  virtual Status RenameExperiment(const std::string& experiment_id,
                                  const std::string& new_name) = 0;
  virtual Status DeleteExperiment(const std::string& experiment_id) = 0;  // soft delete
  virtual Status RestoreExperiment(const std::string& experiment_id) = 0;
  virtual Status SetExperimentTag(const std::string& experiment_id, const std::string& key,
                                  const std::string& value) = 0;
  virtual Status DeleteExperimentTag(const std::string& experiment_id, const std::string& key) = 0;
};

}  // namespace tracelake::storage
