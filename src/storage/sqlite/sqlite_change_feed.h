// SqliteChangeFeed: the ChangeFeed role of the SQLite backend (sqlite_backend.h): reads
// traces.change_seq and trace_tombstones, keeps cursors in feed_cursors; the numbers are handed
// out by SqliteDatabase. Safe for concurrent use.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "storage/change_feed.h"
#include "storage/sqlite/sqlite_database.h"

namespace tracelake::storage::sqlite {

class SqliteChangeFeed final : public ChangeFeed {
 public:
  explicit SqliteChangeFeed(SqliteDatabase& db) : db_(db) {}

  Result<ChangePage> ReadChanges(int64_t after, int limit) override;
  Result<int64_t> LoadCursor(const std::string& consumer) override;
  Status SaveCursor(const std::string& consumer, int64_t seq) override;
  Result<std::vector<std::pair<TraceId, std::string>>> LoadTraceStates(
      const std::string& consumer, const std::vector<TraceId>& ids) override;
  Result<std::vector<std::pair<TraceId, std::string>>> ListTraceStates(
      const std::string& consumer) override;
  Status SaveTraceStates(const std::string& consumer,
                         const std::vector<std::pair<TraceId, std::string>>& states,
                         int64_t cursor) override;
  Status MoveTraceStates(const std::string& from, const std::string& to) override;
  void AddListener(CommitListener* listener) override { db_.notifier().Add(listener); }
  void RemoveListener(CommitListener* listener) override { db_.notifier().Remove(listener); }

 private:
  SqliteDatabase& db_;
};

}  // namespace tracelake::storage::sqlite
