// SqliteAssessmentStore: the AssessmentStore role of the SQLite backend (sqlite_backend.h).
// Safe for concurrent use.
#pragma once

#include <string>
#include <vector>

#include "storage/assessment_store.h"
#include "storage/sqlite/sqlite_database.h"

namespace tracelake::storage::sqlite {

class SqliteAssessmentStore final : public AssessmentStore {
 public:
  explicit SqliteAssessmentStore(SqliteDatabase& db) : db_(db) {}

  Result<model::Assessment> CreateAssessment(const model::Assessment& a) override;
  Result<std::vector<model::Assessment>> CreateAssessments(
      const std::vector<model::Assessment>& list) override;
  Result<std::vector<model::Assessment>> ListRunAssessments(const std::string& run_id) override;
  Result<model::Assessment> GetAssessment(const TraceId& trace,
                                          const std::string& assessment_id) override;
  Result<model::Assessment> UpdateAssessment(const TraceId& trace, const std::string& assessment_id,
                                             const AssessmentUpdate& update) override;
  Status DeleteAssessment(const TraceId& trace, const std::string& assessment_id) override;

 private:
  SqliteDatabase& db_;
};

// The assessments of a trace (all, or the one with assessment_id when it is not null), in
// creation order. Shared with the trace store (trace infos carry their assessments).
Result<std::vector<model::Assessment>> LoadAssessments(Db& db, int64_t trace_key,
                                                       const std::string* assessment_id);

}  // namespace tracelake::storage::sqlite
