#include "storage/sqlite/sqlite_trace_store.h"
#include "storage/trace_store.h"

namespace tracelake::storage {

Result<std::unique_ptr<TraceStore>> OpenTraceStore(const std::string& uri, const StoreOptions& options) {
  // SQLAlchemy's rule, as MLflow uses it: sqlite:///relative/path.db, sqlite:////absolute/path.db.
  constexpr std::string_view kSqlite = "sqlite:///";
  if (uri.rfind(kSqlite, 0) == 0) {
    std::string path = uri.substr(kSqlite.size());
    if (path.empty()) return InvalidArgumentError("sqlite URI has no path: " + uri);
    if (auto q = path.find('?'); q != std::string::npos) path = path.substr(0, q);
    ASSIGN_OR_RETURN(auto store, sqlite::SqliteTraceStore::Open(path, options));
    return std::unique_ptr<TraceStore>(std::move(store));
  }
  if (uri.rfind("postgresql://", 0) == 0 || uri.rfind("postgres://", 0) == 0)
    return UnimplementedError("PostgreSQL backend is not available in this build yet; use sqlite:///<path>");
  return InvalidArgumentError("Unsupported --backend-store-uri '" + uri +
                              "': use sqlite:///relative.db or sqlite:////absolute/path.db");
}

}  // namespace tracelake::storage
