// SalesDb: the support agent's small local SQLite database (an in-memory table of quarterly
// sales per region), queried read-only by the genie_query tool.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "tracelake/status.h"

struct sqlite3;

namespace support_agent {

// Confine to one thread.
class SalesDb {
 public:
  // An in-memory database seeded with sample data.
  static tracelake::Result<std::unique_ptr<SalesDb>> Open();
  ~SalesDb();

  // Runs one read-only statement; returns {"columns":[...],"rows":[[...],...]} (at most 100
  // rows). kInvalidArgument for SQL that does not compile or would write.
  tracelake::Result<std::string> Query(std::string_view sql);

 private:
  SalesDb() = default;
  sqlite3* db_ = nullptr;
};

}  // namespace support_agent
