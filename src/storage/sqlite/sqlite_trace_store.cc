// SqliteTraceStore: opening, connections, the writer thread's queue, stats and shutdown.
#include "storage/sqlite/sqlite_trace_store.h"
#include "storage/sqlite/store_util.h"

#include <filesystem>
#include <unistd.h>

#include "storage/sqlite/schema.h"
#include "storage/sqlite/sql_functions.h"

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

SqliteTraceStore::SqliteTraceStore(std::string path, StoreOptions options)
    : path_(path == ":memory:" ? MemoryUri() : std::move(path)),
      options_(options),
      memory_(path_.starts_with("file:/tracelake-mem-")) {}

SqliteTraceStore::~SqliteTraceStore() { Shutdown(std::chrono::seconds(30)).IgnoreError(); }

Result<std::unique_ptr<SqliteTraceStore>> SqliteTraceStore::Open(const std::string& path,
                                                                  const StoreOptions& options) {
  if (path.empty()) return InvalidArgumentError("SQLite database path is empty");
  if (options.max_queued_batches < 1 || options.max_batch_spans < 1)
    return InvalidArgumentError("StoreOptions limits must be positive");
  std::unique_ptr<SqliteTraceStore> store(new SqliteTraceStore(path, options));
  RETURN_IF_ERROR(store->Init());
  return store;
}

Result<std::unique_ptr<Db>> SqliteTraceStore::OpenConnection(bool writer) {
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

Status SqliteTraceStore::Init() {
  if (!memory_) {
    std::error_code ec;
    const auto parent = std::filesystem::path(path_).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (ec) return UnavailableError("Cannot create directory " + parent.string() + ": " + ec.message());
  }
  ASSIGN_OR_RETURN(writer_db_, OpenConnection(/*writer=*/true));
  RETURN_IF_ERROR(MigrateSchema(*writer_db_, NowMs()));
  {
    ASSIGN_OR_RETURN(Stmt s, writer_db_->Prepare(
        "SELECT (SELECT count(*) FROM traces), (SELECT count(*) FROM spans), "
        "(SELECT coalesce(max(trace_key), 0) FROM traces), "
        "(SELECT count(*) FROM (SELECT 1 FROM span_logs LIMIT 1)), "
        "max((SELECT coalesce(max(change_seq), 0) FROM traces), "
        "(SELECT coalesce(max(change_seq), 0) FROM trace_tombstones))"));
    bool row = false;
    RETURN_IF_ERROR(s.Step(&row));
    if (row) {
      trace_count_ = s.Int(0);
      span_count_ = s.Int(1);
      next_trace_key_ = s.Int(2) + 1;
      any_logs_ = s.Int(3) > 0;
      next_change_seq_ = s.Int(4) + 1;
    }
  }
  if (!memory_) {
    // Checkpoints run on their own thread and connection, so the writer never stops to copy
    // the WAL into the database or to fsync (this replaces SQLite's auto-checkpoint, which
    // would run inside the writer's COMMIT).
    ASSIGN_OR_RETURN(checkpoint_db_, OpenConnection(/*writer=*/true));
    sqlite3_wal_hook(writer_db_->raw(), &SqliteTraceStore::OnWalCommit, this);
    checkpointer_ = std::thread([this] { CheckpointLoop(); });
  }
  GroupCommitQueue::Options queue_options;
  queue_options.max_queued_batches = options_.max_queued_batches;
  queue_options.max_batch_spans = options_.max_batch_spans;
  GroupApplier& applier = *this;  // (a private base: convert here, not inside make_unique)
  queue_ = std::make_unique<GroupCommitQueue>(queue_options, applier);
  return OkStatus();
}

int SqliteTraceStore::OnWalCommit(void* self, sqlite3*, const char*, int frames) {
  auto* store = static_cast<SqliteTraceStore*>(self);
  store->wal_frames_.store(frames, std::memory_order_relaxed);
  if (frames >= kCheckpointFrames) {
    {
      std::lock_guard<std::mutex> lock(store->checkpoint_mu_);
      store->checkpoint_wanted_ = true;
    }
    store->checkpoint_cv_.notify_one();
  }
  return SQLITE_OK;
}

void SqliteTraceStore::CheckpointLoop() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(checkpoint_mu_);
      checkpoint_cv_.wait(lock, [this] { return checkpoint_wanted_ || checkpoint_stop_; });
      if (checkpoint_stop_) return;
      checkpoint_wanted_ = false;
    }
    // PASSIVE: copies what no reader still needs, never waits for or blocks the writer.
    sqlite3_wal_checkpoint_v2(checkpoint_db_->raw(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                              nullptr);
  }
}

void SqliteTraceStore::PauseWriterForTesting(bool paused) { queue_->PauseForTesting(paused); }

Status SqliteTraceStore::Shutdown(std::chrono::milliseconds deadline) {
  std::lock_guard<std::mutex> serial(shutdown_mu_);
  // The queue's writer finishes the group it is applying and commits what is queued.
  Status st = queue_ ? queue_->Shutdown(deadline) : OkStatus();
  if (checkpointer_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(checkpoint_mu_);
      checkpoint_stop_ = true;
    }
    checkpoint_cv_.notify_one();
    checkpointer_.join();
  }
  return st;
}

StoreStats SqliteTraceStore::Stats() {
  StoreStats s;
  s.traces = trace_count_.load();
  s.spans = span_count_.load();
  if (queue_) {
    s.rejected_batches = queue_->rejected();
    s.queue_depth = queue_->depth();
  }
  if (!memory_) {
    std::error_code ec;
    for (const char* suffix : {"", "-wal"}) {
      const auto size = std::filesystem::file_size(path_ + suffix, ec);
      if (!ec) s.bytes_on_disk += static_cast<int64_t>(size);
    }
  } else {
    auto bytes = WithReader([](Db& db) -> Result<int64_t> {
      ASSIGN_OR_RETURN(Stmt st, db.Prepare(
          "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()"));
      bool row = false;
      RETURN_IF_ERROR(st.Step(&row));
      return row ? st.Int(0) : 0;
    });
    if (bytes.ok()) s.bytes_on_disk = *bytes;
  }
  return s;
}

}  // namespace tracelake::storage::sqlite
