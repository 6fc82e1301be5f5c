// SqliteDatasetStore: the DatasetStore role of the SQLite backend (sqlite_backend.h; tables in
// docs/schema.md, schema 5). Safe for concurrent use.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "storage/dataset_store.h"
#include "storage/sqlite/sqlite_database.h"

namespace tracelake::storage::sqlite {

class SqliteDatasetStore final : public DatasetStore {
 public:
  explicit SqliteDatasetStore(SqliteDatabase& db) : db_(db) {}

  Result<model::Dataset> CreateDataset(const CreateDatasetRequest& req) override;
  Result<model::Dataset> GetDataset(const std::string& dataset_id) override;
  Status DeleteDataset(const std::string& dataset_id) override;
  Result<DatasetPage> SearchDatasets(const SearchDatasetsRequest& req) override;
  Result<model::Dataset> SetDatasetTags(const std::string& dataset_id,
                                        const std::map<std::string, std::string>& tags) override;
  Status DeleteDatasetTag(const std::string& dataset_id, const std::string& key) override;
  Result<UpsertCounts> UpsertRecords(const std::string& dataset_id,
                                     const std::vector<DatasetRecordInput>& records) override;
  Result<RecordPage> GetRecords(const std::string& dataset_id, int max_results,
                                const std::string& page_token) override;
  Result<model::DatasetRecord> ReplaceRecord(const std::string& dataset_id,
                                             const std::string& record_id,
                                             const RecordReplacement& replacement) override;
  Result<int64_t> DeleteRecords(const std::string& dataset_id,
                                const std::vector<std::string>& record_ids) override;
  Result<model::Dataset> AddExperiments(const std::string& dataset_id,
                                        const std::vector<std::string>& ids) override;
  Result<model::Dataset> RemoveExperiments(const std::string& dataset_id,
                                           const std::vector<std::string>& ids) override;

 private:
  SqliteDatabase& db_;
};

}  // namespace tracelake::storage::sqlite
