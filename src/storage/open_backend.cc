// OpenBackend: backend-store URIs as MLflow (through SQLAlchemy) spells them.
//
//   sqlite:///relative/path.db     relative to the working directory
//   sqlite:////absolute/path.db    absolute (the fourth slash starts the path)
//   sqlite:///:memory: or sqlite://   in memory, gone when the store closes
//   postgresql://...               not available yet (kUnimplemented)
#include <string_view>

#include "storage/backend.h"
#include "storage/sqlite/sqlite_backend.h"

namespace tracelake::storage {

Result<std::unique_ptr<Backend>> OpenBackend(const std::string& uri, const StoreOptions& options) {
  constexpr std::string_view kSqlite = "sqlite://";
  if (uri.starts_with(kSqlite)) {
    std::string rest = uri.substr(kSqlite.size());
    // SQLAlchemy's query parameters (?check_same_thread=...) are driver options; ignore them.
    if (auto q = rest.find('?'); q != std::string::npos) rest.resize(q);
    std::string path;
    if (rest.empty()) {
      path = ":memory:";
    } else if (rest.front() == '/') {
      path = rest.substr(1);  // "sqlite:///x" -> "x"; "sqlite:////x" -> "/x"
    } else {
      return InvalidArgumentError("Invalid SQLite URI '" + uri +
                                  "': use sqlite:///relative.db or sqlite:////absolute/path.db "
                                  "(a host part is not allowed)");
    }
    if (path.empty()) return InvalidArgumentError("SQLite URI '" + uri + "' names no file");
    ASSIGN_OR_RETURN(auto backend, sqlite::SqliteBackend::Open(path, options));
    return std::unique_ptr<Backend>(std::move(backend));
  }
  if (uri.starts_with("postgresql://") || uri.starts_with("postgres://") ||
      uri.starts_with("postgresql+"))
    return UnimplementedError(
        "The PostgreSQL backend is not available in this build yet; use sqlite:///<path>");
  return InvalidArgumentError("Unsupported backend store URI '" + uri.substr(0, 200) +
                              "': supported schemes are sqlite:///relative.db, "
                              "sqlite:////absolute/path.db and sqlite:///:memory:");
}

}  // namespace tracelake::storage
