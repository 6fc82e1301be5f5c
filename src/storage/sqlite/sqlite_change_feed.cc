// SqliteChangeFeed (storage/change_feed.h): traces.change_seq (indexed) and
// trace_tombstones, read on a reader connection; consumer cursors in feed_cursors.
//
// The one writer hands out the numbers in commit order, so a reader's snapshot never holds a
// number without every smaller committed one: reading "after the cursor" skips nothing.
#include "storage/sqlite/sqlite_change_feed.h"

#include "storage/sqlite/store_util.h"

namespace tracelake::storage::sqlite {
namespace {

constexpr int kMaxChangesPerPage = 10000;
constexpr size_t kMaxConsumerName = 200;

Status CheckConsumer(const std::string& consumer) {
  if (consumer.empty() || consumer.size() > kMaxConsumerName)
    return InvalidArgumentError("A change-feed consumer name must be 1 to 200 bytes");
  return OkStatus();
}

}  // namespace

Result<ChangePage> SqliteChangeFeed::ReadChanges(int64_t after, int limit) {
  if (limit < 1 || limit > kMaxChangesPerPage)
    return InvalidArgumentError("limit must be between 1 and " +
                                std::to_string(kMaxChangesPerPage));
  if (after < 0) return InvalidArgumentError("The change-feed cursor must not be negative");
  return db_.WithReader([&](Db& db) -> Result<ChangePage> {
    // One more than asked tells whether the page was cut. Both sides are index ranges
    // (traces_by_change, the tombstones' primary key).
    ASSIGN_OR_RETURN(
        Stmt * s,
        db.Cached("SELECT change_seq, trace_id, experiment_id, 0 FROM traces WHERE change_seq > ?1 "
                  "UNION ALL "
                  "SELECT change_seq, trace_id, experiment_id, 1 FROM trace_tombstones "
                  "WHERE change_seq > ?1 "
                  "ORDER BY 1 LIMIT ?2"));
    s->Bind(1, after).Bind(2, int64_t{limit} + 1);
    ChangePage page;
    page.next_cursor = after;
    while (s->Next()) {
      if (page.changes.size() == static_cast<size_t>(limit)) {
        page.more = true;
        break;
      }
      TraceChange c;
      c.seq = s->Int(0);
      const std::string_view id = s->Blob(1);
      if (id.size() == c.trace_id.bytes.size())
        std::copy(id.begin(), id.end(), c.trace_id.bytes.begin());
      c.experiment_id = std::to_string(s->Int(2));
      c.kind = s->Int(3) == 0 ? TraceChange::Kind::kUpserted : TraceChange::Kind::kDeleted;
      page.next_cursor = c.seq;
      page.changes.push_back(std::move(c));
    }
    RETURN_IF_ERROR(s->error());
    s->Reset();
    return page;
  });
}

Result<int64_t> SqliteChangeFeed::LoadCursor(const std::string& consumer) {
  RETURN_IF_ERROR(CheckConsumer(consumer));
  return db_.WithReader([&](Db& db) -> Result<int64_t> {
    ASSIGN_OR_RETURN(Stmt * s, db.Cached("SELECT seq FROM feed_cursors WHERE consumer = ?"));
    s->Bind(1, consumer);
    bool found = false;
    RETURN_IF_ERROR(s->Step(&found));
    const int64_t seq = found ? s->Int(0) : 0;
    s->Reset();
    return seq;
  });
}

Status SqliteChangeFeed::SaveCursor(const std::string& consumer, int64_t seq) {
  RETURN_IF_ERROR(CheckConsumer(consumer));
  if (seq < 0) return InvalidArgumentError("The change-feed cursor must not be negative");
  return db_.WithWriteTxn([&](Db& db) -> Status {
    ASSIGN_OR_RETURN(
        Stmt * s,
        db.Cached("INSERT OR REPLACE INTO feed_cursors(consumer, seq, update_time) VALUES(?,?,?)"));
    return s->Bind(1, consumer).Bind(2, seq).Bind(3, NowMs()).Run();
  });
}

}  // namespace tracelake::storage::sqlite
