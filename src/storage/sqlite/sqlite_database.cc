#include "storage/sqlite/sqlite_database.h"

#include <unistd.h>

#include <filesystem>

#include "storage/sqlite/schema.h"
#include "storage/sqlite/sql_functions.h"
#include "storage/sqlite/store_util.h"

namespace tracelake::storage::sqlite {
namespace {

// A process-unique name for an in-memory database: SQLite's memdb VFS shares a database among
// the connections that open the same "/name", and frees it when the last one closes.
std::string MemoryUri() {
  static std::atomic<uint64_t> counter{0};
  return "file:/tracelake-mem-" + std::to_string(::getpid()) + "-" +
         std::to_string(counter.fetch_add(1)) + "?vfs=memdb";
}

}  // namespace

SqliteDatabase::SqliteDatabase(std::string path)
    : path_(path == ":memory:" ? MemoryUri() : std::move(path)),
      memory_(path_.starts_with("file:/tracelake-mem-")) {}

SqliteDatabase::~SqliteDatabase() {
  if (checkpointer_.joinable()) {
    {
      MutexLock lock(checkpoint_mu_);
      checkpoint_stop_ = true;
    }
    checkpoint_cv_.Signal();
    checkpointer_.join();
  }
}

Result<std::unique_ptr<SqliteDatabase>> SqliteDatabase::Open(const std::string& path) {
  if (path.empty()) return InvalidArgumentError("SQLite database path is empty");
  std::unique_ptr<SqliteDatabase> db(new SqliteDatabase(path));
  RETURN_IF_ERROR(db->Init());
  return db;
}

Result<std::unique_ptr<Db>> SqliteDatabase::OpenConnection(bool writer) {
  auto db = std::make_unique<Db>();
  // memdb connections open read-write: the VFS has no read-only mode of its own.
  RETURN_IF_ERROR(db->Open(path_, /*read_only=*/!writer && !memory_));
  RETURN_IF_ERROR(db->Exec("PRAGMA case_sensitive_like = ON"));  // MLflow: LIKE is case-sensitive
  RETURN_IF_ERROR(db->Exec("PRAGMA cache_size = -65536"));       // 64 MiB per connection
  RETURN_IF_ERROR(db->Exec("PRAGMA temp_store = MEMORY"));
  if (writer && !memory_) {
    // 16 KiB pages (new files only): span chunks of 1-2 KiB then waste ~5% of a page in
    // leftovers instead of up to a third with 4 KiB pages (docs/schema.md, "Page size").
    RETURN_IF_ERROR(db->Exec("PRAGMA page_size = 16384"));
    RETURN_IF_ERROR(db->Exec("PRAGMA journal_mode = WAL"));
    // WAL + NORMAL: a commit survives a process crash; an OS crash may lose the last commits
    // (docs/schema.md, "Durability").
    RETURN_IF_ERROR(db->Exec("PRAGMA synchronous = NORMAL"));
  }
  if (!memory_) RETURN_IF_ERROR(db->Exec("PRAGMA mmap_size = 1073741824"));
  RETURN_IF_ERROR(RegisterSqlFunctions(db->raw()));
  return db;
}

Status SqliteDatabase::Init() {
  if (!memory_) {
    std::error_code ec;
    const auto parent = std::filesystem::path(path_).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (ec)
      return UnavailableError("Cannot create directory " + parent.string() + ": " + ec.message());
  }
  ASSIGN_OR_RETURN(writer_db_, OpenConnection(/*writer=*/true));
  RETURN_IF_ERROR(MigrateSchema(*writer_db_, NowMs()));
  {
    ASSIGN_OR_RETURN(Stmt s, writer_db_->Prepare(
                                 "SELECT max((SELECT coalesce(max(change_seq), 0) FROM traces), "
                                 "(SELECT coalesce(max(change_seq), 0) FROM trace_tombstones))"));
    bool row = false;
    RETURN_IF_ERROR(s.Step(&row));
    if (row) next_change_seq_ = s.Int(0) + 1;
  }
  if (!memory_) {
    // Checkpoints run on their own thread and connection, so the writer never stops to copy
    // the WAL into the database or to fsync (this replaces SQLite's auto-checkpoint, which
    // would run inside the writer's COMMIT).
    ASSIGN_OR_RETURN(checkpoint_db_, OpenConnection(/*writer=*/true));
    sqlite3_wal_hook(writer_db_->raw(), &SqliteDatabase::OnWalCommit, this);
    checkpointer_ = std::thread([this] { CheckpointLoop(); });
  }
  return OkStatus();
}

int SqliteDatabase::OnWalCommit(void* self, sqlite3*, const char*, int frames) {
  auto* database = static_cast<SqliteDatabase*>(self);
  database->wal_frames_.store(frames, std::memory_order_relaxed);
  if (frames >= kCheckpointFrames) {
    {
      MutexLock lock(database->checkpoint_mu_);
      database->checkpoint_wanted_ = true;
    }
    database->checkpoint_cv_.Signal();
  }
  return SQLITE_OK;
}

void SqliteDatabase::CheckpointLoop() {
  for (;;) {
    {
      MutexLock lock(checkpoint_mu_);
      while (!checkpoint_wanted_ && !checkpoint_stop_) checkpoint_cv_.Wait(checkpoint_mu_);
      if (checkpoint_stop_) return;
      checkpoint_wanted_ = false;
    }
    // PASSIVE: copies what no reader still needs, never waits for or blocks the writer.
    sqlite3_wal_checkpoint_v2(checkpoint_db_->raw(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                              nullptr);
  }
}

void SqliteDatabase::TruncateWalIfLarge() {
  if (wal_frames_.load(std::memory_order_relaxed) < kTruncateFrames) return;
  MutexLock lock(write_mu_);
  wal_frames_.store(0, std::memory_order_relaxed);
  // A TRUNCATE checkpoint waits (busy handler) for every reader to reach the newest snapshot.
  // A long read (a `tracelake sql` query may run for its whole time limit) must not hold the
  // writer that long: wait at most 200 ms, else give up; the next commit sets wal_frames_ again
  // and the next group retries.
  sqlite3_busy_timeout(writer_db_->raw(), 200);
  sqlite3_wal_checkpoint_v2(writer_db_->raw(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr,
                            nullptr);
  sqlite3_busy_timeout(writer_db_->raw(), 10000);  // back to what Db::Open sets
}

int64_t SqliteDatabase::BytesOnDisk() {
  if (!memory_) {
    int64_t bytes = 0;
    std::error_code ec;
    for (const char* suffix : {"", "-wal"}) {
      const auto size = std::filesystem::file_size(path_ + suffix, ec);
      if (!ec) bytes += static_cast<int64_t>(size);
    }
    return bytes;
  }
  auto bytes = WithReader([](Db& db) -> Result<int64_t> {
    ASSIGN_OR_RETURN(
        Stmt st,
        db.Prepare("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()"));
    bool row = false;
    RETURN_IF_ERROR(st.Step(&row));
    return row ? st.Int(0) : 0;
  });
  return bytes.ok() ? *bytes : 0;
}

}  // namespace tracelake::storage::sqlite
