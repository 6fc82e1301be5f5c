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
    // When the WAL starts over from its beginning (CheckpointLoop), a file that grew past this
    // during a burst is cut back to it. Above the WAL's steady size under full load (~150 MiB),
    // so that the writer's commit does not truncate the file each time and then grow it again.
    RETURN_IF_ERROR(db->Exec("PRAGMA journal_size_limit = 268435456"));
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
    {
      ASSIGN_OR_RETURN(Stmt s, writer_db_->Prepare("PRAGMA page_size"));
      bool row = false;
      RETURN_IF_ERROR(s.Step(&row));
      page_size_ = row ? static_cast<int>(s.Int(0)) : 0;
    }
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
  // Only the writer (under its lock) stores, so load-then-store loses nothing.
  if (frames > database->peak_wal_frames_.load(std::memory_order_relaxed))
    database->peak_wal_frames_.store(frames, std::memory_order_relaxed);
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
  sqlite3* db = checkpoint_db_->raw();
  // RESTART below waits at most this long for readers on older snapshots, holding the write
  // lock; a reader that takes longer (a `tracelake sql` query may run for its whole time limit)
  // only postpones the restart to the next round.
  sqlite3_busy_timeout(db, 100);
  for (;;) {
    {
      MutexLock lock(checkpoint_mu_);
      while (!checkpoint_wanted_ && !checkpoint_stop_) checkpoint_cv_.Wait(checkpoint_mu_);
      if (checkpoint_stop_) return;
      checkpoint_wanted_ = false;
    }
    // PASSIVE: copies what no reader still needs, never waits for or blocks the writer. This is
    // the bulk of the copying.
    int log_frames = 0;
    int copied_frames = 0;
    sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log_frames, &copied_frames);
    if (log_frames < kRestartFrames) continue;
    // A second PASSIVE pass copies what the writer appended during the first, so that the
    // writer is held off below only for what it appends during this one.
    sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log_frames, &copied_frames);
    // Under sustained ingest the writer appends while a PASSIVE checkpoint copies, so the WAL
    // is never copied to its end and never starts over from its beginning: it grows without
    // bound. So past kRestartFrames the writer is held off (between groups, holding no
    // transaction) while a RESTART checkpoint copies the few frames appended since the PASSIVE
    // one; the next commit then writes the WAL from its start again, and journal_size_limit
    // shrinks the file. Copying here, not on the ingest thread, means no second checkpointer
    // contends for SQLite's checkpoint lock (which made a writer-side TRUNCATE give up).
    MutexLock write_lock(write_mu_);
    sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_RESTART, &log_frames, &copied_frames);
  }
}

int64_t SqliteDatabase::WalBytes() const {
  if (memory_) return 0;
  std::error_code ec;
  const auto size = std::filesystem::file_size(path_ + "-wal", ec);
  return ec ? 0 : static_cast<int64_t>(size);
}

int64_t SqliteDatabase::PeakWalBytes() const {
  // A WAL file: a 32-byte header, then frames of a 24-byte header and one page.
  const int64_t frames = peak_wal_frames_.load(std::memory_order_relaxed);
  return frames == 0 ? 0 : 32 + frames * (24 + page_size_);
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
