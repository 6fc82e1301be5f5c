// DatasetStore: MLflow evaluation datasets and their records. One role of a storage backend
// (storage/backend.h).
//
// Upserting records dedupes on the SHA-256 of the inputs' canonical JSON (keys sorted, no
// whitespace) within a dataset: a record whose inputs match a stored one is merged into it
// (outputs replaced when given, expectations and tags merged key by key, new keys win), any
// other is inserted. After each change the dataset's schema, profile and digest are computed
// again as MLflow's SQL store does. Every write runs in one transaction: a bad record fails the
// whole call and changes nothing.
//
// Safe for concurrent use. Errors: kNotFound for an unknown dataset or experiment,
// kInvalidArgument for malformed input (the message names the field and the record index).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/dataset.h"
#include "tracelake/status.h"

namespace tracelake::storage {

struct CreateDatasetRequest {
  std::string name;                         // required
  std::map<std::string, std::string> tags;  // tag mlflow.user sets created_by
  std::vector<std::string> experiment_ids;  // each must exist
};

struct SearchDatasetsRequest {
  std::vector<std::string> experiment_ids;  // empty: every dataset
  // Comparisons joined by AND: name, created_by, last_updated_by, tags.<key> with =, !=, LIKE,
  // ILIKE and a quoted string; created_time, last_update_time with =, !=, <, <=, >, >= and an
  // integer.
  std::string filter;
  int max_results = 1000;
  // "name", "created_time", "last_update_time" [ASC|DESC]; default "created_time DESC".
  std::vector<std::string> order_by;
  std::string page_token;
};
struct DatasetPage {
  std::vector<model::Dataset> datasets;
  std::string next_page_token;  // empty at the end
};

// One record to upsert, in MLflow's request form. JSON texts; empty means absent.
struct DatasetRecordInput {
  std::string inputs_json;                  // required, a JSON object
  std::optional<std::string> outputs_json;  // any JSON value ("null" clears on merge)
  std::string expectations_json;            // a JSON object
  std::string tags_json;                    // a JSON object; values become strings
  std::string source_json;  // {"source_type": TRACE|HUMAN|DOCUMENT|CODE, "source_data": {...}}
};
// What ReplaceRecord changes in one record. JSON texts; absent fields are kept as stored, a given
// one replaces the stored value whole ("{}" or "null" clears expectations and tags).
struct RecordReplacement {
  std::optional<std::string> inputs_json;  // a JSON object
  std::optional<std::string> expectations_json;
  std::optional<std::string> outputs_json;  // any JSON value
  std::optional<std::string> tags_json;
};

struct UpsertCounts {
  int64_t inserted = 0;
  int64_t updated = 0;
};

struct RecordPage {
  std::vector<model::DatasetRecord> records;  // in insertion order
  std::string next_page_token;
};

class DatasetStore {
 public:
  virtual ~DatasetStore() = default;

  virtual Result<model::Dataset> CreateDataset(const CreateDatasetRequest& req) = 0;
  virtual Result<model::Dataset> GetDataset(const std::string& dataset_id) = 0;
  // Deletes the dataset, its records, tags and experiment links.
  virtual Status DeleteDataset(const std::string& dataset_id) = 0;
  virtual Result<DatasetPage> SearchDatasets(const SearchDatasetsRequest& req) = 0;
  // Merges tags into the dataset's (existing keys are overwritten).
  virtual Result<model::Dataset> SetDatasetTags(const std::string& dataset_id,
                                                const std::map<std::string, std::string>& tags) = 0;
  // Deleting a tag the dataset does not have is not an error.
  virtual Status DeleteDatasetTag(const std::string& dataset_id, const std::string& key) = 0;

  virtual Result<UpsertCounts> UpsertRecords(const std::string& dataset_id,
                                             const std::vector<DatasetRecordInput>& records) = 0;
  virtual Result<RecordPage> GetRecords(const std::string& dataset_id, int max_results,
                                        const std::string& page_token) = 0;
  // Replaces fields of one record in place (an edit, unlike an upsert, can remove expectation
  // and tag keys and change the inputs), keeping its id, source and creation time; the
  // dataset's schema, profile and digest are computed again. kNotFound for an unknown record,
  // kAlreadyExists when the new inputs are another record's (the message names it).
  virtual Result<model::DatasetRecord> ReplaceRecord(const std::string& dataset_id,
                                                     const std::string& record_id,
                                                     const RecordReplacement& replacement) = 0;
  // Returns how many of the ids were deleted (unknown ids are skipped).
  virtual Result<int64_t> DeleteRecords(const std::string& dataset_id,
                                        const std::vector<std::string>& record_ids) = 0;

  // Links and unlinks experiments (already linked / not linked ids are skipped).
  virtual Result<model::Dataset> AddExperiments(const std::string& dataset_id,
                                                const std::vector<std::string>& ids) = 0;
  virtual Result<model::Dataset> RemoveExperiments(const std::string& dataset_id,
                                                   const std::vector<std::string>& ids) = 0;
};

}  // namespace tracelake::storage
