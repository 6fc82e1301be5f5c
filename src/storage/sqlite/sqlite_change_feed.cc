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

namespace {

TraceId TraceIdFromBlob(std::string_view blob) {
  TraceId id;
  if (blob.size() == id.bytes.size()) std::copy(blob.begin(), blob.end(), id.bytes.begin());
  return id;
}

Status PutCursor(Db& db, const std::string& consumer, int64_t seq) {
  ASSIGN_OR_RETURN(
      Stmt * s,
      db.Cached("INSERT OR REPLACE INTO feed_cursors(consumer, seq, update_time) VALUES(?,?,?)"));
  return s->Bind(1, consumer).Bind(2, seq).Bind(3, NowMs()).Run();
}

}  // namespace

Result<std::vector<std::pair<TraceId, std::string>>> SqliteChangeFeed::LoadTraceStates(
    const std::string& consumer, const std::vector<TraceId>& ids) {
  RETURN_IF_ERROR(CheckConsumer(consumer));
  return db_.WithReader([&](Db& db) -> Result<std::vector<std::pair<TraceId, std::string>>> {
    std::vector<std::pair<TraceId, std::string>> out;
    if (ids.empty()) {
      ASSIGN_OR_RETURN(Stmt * s, db.Cached("SELECT trace_id, state FROM feed_trace_states "
                                           "WHERE consumer = ? ORDER BY trace_id"));
      s->Bind(1, consumer);
      while (s->Next()) out.emplace_back(TraceIdFromBlob(s->Blob(0)), std::string(s->Blob(1)));
      RETURN_IF_ERROR(s->error());
      s->Reset();
      return out;
    }
    ASSIGN_OR_RETURN(Stmt * s, db.Cached("SELECT state FROM feed_trace_states "
                                         "WHERE consumer = ? AND trace_id = ?"));
    for (const TraceId& id : ids) {
      s->Bind(1, consumer).BindBlob(2, id.AsStringView());
      bool found = false;
      RETURN_IF_ERROR(s->Step(&found));
      if (found) out.emplace_back(id, std::string(s->Blob(0)));
      s->Reset();
    }
    return out;
  });
}

Result<std::vector<std::pair<TraceId, std::string>>> SqliteChangeFeed::ListTraceStates(
    const std::string& consumer) {
  return LoadTraceStates(consumer, {});
}

Status SqliteChangeFeed::SaveTraceStates(const std::string& consumer,
                                         const std::vector<std::pair<TraceId, std::string>>& states,
                                         int64_t cursor) {
  RETURN_IF_ERROR(CheckConsumer(consumer));
  if (cursor < 0) return InvalidArgumentError("The change-feed cursor must not be negative");
  return db_.WithWriteTxn([&](Db& db) -> Status {
    ASSIGN_OR_RETURN(Stmt * put, db.Cached("INSERT OR REPLACE INTO feed_trace_states(consumer, "
                                           "trace_id, state) VALUES(?,?,?)"));
    for (const auto& [id, state] : states) {
      RETURN_IF_ERROR(
          put->Bind(1, consumer).BindBlob(2, id.AsStringView()).BindBlob(3, state).Run());
    }
    return PutCursor(db, consumer, cursor);
  });
}

Status SqliteChangeFeed::MoveTraceStates(const std::string& from, const std::string& to) {
  RETURN_IF_ERROR(CheckConsumer(from));
  RETURN_IF_ERROR(CheckConsumer(to));
  if (from == to) return InvalidArgumentError("MoveTraceStates needs two different consumers");
  return db_.WithWriteTxn([&](Db& db) -> Status {
    ASSIGN_OR_RETURN(Stmt * cur, db.Cached("SELECT seq FROM feed_cursors WHERE consumer = ?"));
    cur->Bind(1, from);
    bool found = false;
    RETURN_IF_ERROR(cur->Step(&found));
    const int64_t seq = found ? cur->Int(0) : -1;
    cur->Reset();
    if (seq < 0) return OkStatus();  // nothing pending
    ASSIGN_OR_RETURN(
        Stmt * drop,
        db.Cached(
            "DELETE FROM feed_trace_states WHERE consumer = ?1 AND trace_id IN "
            "(SELECT trace_id FROM feed_trace_states WHERE consumer = ?2 AND length(state) = 0)"));
    RETURN_IF_ERROR(drop->Bind(1, to).Bind(2, from).Run());
    ASSIGN_OR_RETURN(
        Stmt * copy,
        db.Cached("INSERT OR REPLACE INTO feed_trace_states(consumer, trace_id, state) "
                  "SELECT ?1, trace_id, state FROM feed_trace_states "
                  "WHERE consumer = ?2 AND length(state) > 0"));
    RETURN_IF_ERROR(copy->Bind(1, to).Bind(2, from).Run());
    ASSIGN_OR_RETURN(Stmt * clear, db.Cached("DELETE FROM feed_trace_states WHERE consumer = ?"));
    RETURN_IF_ERROR(clear->Bind(1, from).Run());
    ASSIGN_OR_RETURN(Stmt * forget, db.Cached("DELETE FROM feed_cursors WHERE consumer = ?"));
    RETURN_IF_ERROR(forget->Bind(1, from).Run());
    return PutCursor(db, to, seq);
  });
}

}  // namespace tracelake::storage::sqlite
