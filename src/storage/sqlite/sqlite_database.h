// SqliteDatabase: the connections of one SQLite file (or in-memory database), shared by the
// SQLite role stores (sqlite_backend.h). Layout and reasons: docs/schema.md.
//
// One writer connection behind one lock, used by every write (the ingest writer thread's groups
// and the other write methods, each in its own transaction); a small pool of read-only
// connections that run beside it (WAL: readers never wait for the writer); a checkpointer thread
// on its own connection (file databases). It also numbers the change feed: each trace write of
// a write transaction takes NextChangeSeq(), and after COMMIT the feed's listeners are woken
// without the lock.
//
// Safe for concurrent use.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/mutex.h"
#include "storage/change_feed.h"
#include "storage/sqlite/sqlite_db.h"

namespace tracelake::storage::sqlite {

class SqliteDatabase {
 public:
  // path: a file (parent directories are created), or ":memory:" for an in-memory database
  // that lives as long as this object and is shared by its connections. Migrates the schema.
  static Result<std::unique_ptr<SqliteDatabase>> Open(const std::string& path);
  SqliteDatabase(const SqliteDatabase&) = delete;
  SqliteDatabase& operator=(const SqliteDatabase&) = delete;
  ~SqliteDatabase();  // stops the checkpointer

  // Runs f(Db&) in one read transaction (one snapshot) on a pooled reader connection.
  template <typename F>
  auto WithReader(F&& f) -> decltype(f(std::declval<Db&>()));

  // Runs f(Db&) in a write transaction on the writer connection; rolls back on error. After a
  // COMMIT in which f took change numbers, wakes the change feed's listeners (without the lock).
  template <typename F>
  auto WithWriteTxn(F&& f) -> decltype(f(std::declval<Db&>()));

  // Runs f(Db&) on the writer connection holding the write lock, outside any transaction: for
  // the ingest writer, which runs its own transactions and savepoints. Such a transaction calls
  // BeginChanges() after BEGIN and CommittedChanges() after its COMMIT, and announces the latter
  // (NotifyCommitted) once it has released the lock.
  template <typename F>
  auto WithWriter(F&& f) -> decltype(f(std::declval<Db&>()));

  // The change feed's next number, for one trace write of the open write transaction.
  // REQUIRES: inside WithWriteTxn or WithWriter (the callbacks are lambdas, which clang's
  // analysis sees as lock-free functions, so the lock is asserted here, and checked at run time
  // in debug builds).
  int64_t NextChangeSeq() {
    write_mu_.AssertHeld();
    txn_max_seq_ = next_change_seq_;
    return next_change_seq_++;
  }
  // REQUIRES: inside WithWriter, right after BEGIN / right after a successful COMMIT.
  void BeginChanges() {
    write_mu_.AssertHeld();
    txn_max_seq_ = 0;
  }
  int64_t CommittedChanges() const {
    write_mu_.AssertHeld();
    return txn_max_seq_;
  }
  void NotifyCommitted(int64_t max_seq) noexcept {
    if (max_seq > 0) notifier_.Notify(max_seq);
  }
  CommitNotifier& notifier() { return notifier_; }

  bool in_memory() const { return memory_; }
  // The file path, or the memdb URI of an in-memory database (what SqlQueryEngine opens).
  const std::string& path() const { return path_; }
  // Bytes of the database and its WAL (file), or of the in-memory database.
  int64_t BytesOnDisk();
  // The WAL file's size now, and the most the WAL held after any commit since Open (0 in
  // memory).
  int64_t WalBytes() const;
  int64_t PeakWalBytes() const;

 private:
  explicit SqliteDatabase(std::string path);
  Status Init() TL_NO_THREAD_SAFETY_ANALYSIS;  // before any other thread can see this object
  Result<std::unique_ptr<Db>> OpenConnection(bool writer);
  static int OnWalCommit(void* self, sqlite3* db, const char* name, int frames);
  void CheckpointLoop() TL_EXCLUDES(checkpoint_mu_, write_mu_);

  const std::string path_;  // file path, or the memdb URI
  const bool memory_;

  mutable Mutex write_mu_;
  std::unique_ptr<Db> writer_db_ TL_GUARDED_BY(write_mu_);
  // Change numbers: the next to hand out and the largest handed out in the open transaction.
  // Numbers of rolled-back transactions are skipped, never reused.
  int64_t next_change_seq_ TL_GUARDED_BY(write_mu_) = 1;
  int64_t txn_max_seq_ TL_GUARDED_BY(write_mu_) = 0;
  CommitNotifier notifier_;

  Mutex readers_mu_;
  std::vector<std::unique_ptr<Db>> idle_readers_ TL_GUARDED_BY(readers_mu_);

  // Background WAL checkpoints (file databases only).
  // A frame holds one page: 16 KiB in files this version creates (4 KiB in older ones), so
  // 4,096 frames are 64 MiB.
  static constexpr int kCheckpointFrames = 4096;
  // Past this many frames (128 MiB of 16 KiB pages) the checkpointer makes the WAL start over
  // (CheckpointLoop), so it stays well under 256 MiB at full load (docs/schema.md, "WAL").
  static constexpr int kRestartFrames = 8192;
  int page_size_ = 0;                  // set by Init
  std::unique_ptr<Db> checkpoint_db_;  // used only by checkpointer_
  Mutex checkpoint_mu_;
  CondVar checkpoint_cv_;
  bool checkpoint_wanted_ TL_GUARDED_BY(checkpoint_mu_) = false;
  bool checkpoint_stop_ TL_GUARDED_BY(checkpoint_mu_) = false;
  std::atomic<int> peak_wal_frames_{0};  // the most frames the WAL held after a commit
  std::thread checkpointer_;
};

template <typename F>
auto SqliteDatabase::WithReader(F&& f) -> decltype(f(std::declval<Db&>())) {
  std::unique_ptr<Db> db;
  {
    MutexLock lock(readers_mu_);
    if (!idle_readers_.empty()) {
      db = std::move(idle_readers_.back());
      idle_readers_.pop_back();
    }
  }
  if (!db) {
    auto opened = OpenConnection(/*writer=*/false);
    if (!opened.ok()) return opened.status();
    db = std::move(*opened);
  }
  // One snapshot for the whole unit of work: an info read of several tables never mixes two
  // commits of the writer.
  Status begin = db->Exec("BEGIN");
  if (!begin.ok()) return begin;
  auto result = f(*db);
  db->ResetAll();
  const bool healthy = db->Exec("COMMIT").ok();
  if (healthy) {
    MutexLock lock(readers_mu_);
    if (idle_readers_.size() < 8) idle_readers_.push_back(std::move(db));
  }
  return result;
}

template <typename F>
auto SqliteDatabase::WithWriteTxn(F&& f) -> decltype(f(std::declval<Db&>())) {
  int64_t committed_seq = 0;
  auto result = [&]() -> decltype(f(std::declval<Db&>())) {
    MutexLock lock(write_mu_);
    Db& db = *writer_db_;
    RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
    txn_max_seq_ = 0;
    auto out = f(db);
    db.ResetAll();
    if (!internal::AsStatus(out).ok()) {
      db.Exec("ROLLBACK").IgnoreError();
      return out;
    }
    Status commit = db.Exec("COMMIT");
    if (!commit.ok()) {
      db.Exec("ROLLBACK").IgnoreError();
      return commit;
    }
    committed_seq = txn_max_seq_;
    return out;
  }();
  NotifyCommitted(committed_seq);
  return result;
}

template <typename F>
auto SqliteDatabase::WithWriter(F&& f) -> decltype(f(std::declval<Db&>())) {
  MutexLock lock(write_mu_);
  return f(*writer_db_);
}

}  // namespace tracelake::storage::sqlite
