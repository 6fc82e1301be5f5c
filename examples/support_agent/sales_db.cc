#include "sales_db.h"

#include <sqlite3.h>

#include <vector>

#include "tracelake/json.h"

namespace support_agent {

using tracelake::Result;

Result<std::unique_ptr<SalesDb>> SalesDb::Open() {
  std::unique_ptr<SalesDb> db(new SalesDb());
  if (sqlite3_open(":memory:", &db->db_) != SQLITE_OK)
    return tracelake::InternalError("cannot open the sales database");
  const char* seed = R"sql(
    CREATE TABLE sales(region TEXT NOT NULL, quarter TEXT NOT NULL, product TEXT NOT NULL,
                       amount REAL NOT NULL);
    INSERT INTO sales VALUES
      ('EMEA','2026-Q2','Widgets',118000.0), ('EMEA','2026-Q3','Widgets',126500.0),
      ('EMEA','2026-Q3','Gadgets', 54250.5), ('APAC','2026-Q2','Widgets', 97000.0),
      ('APAC','2026-Q3','Widgets',101200.0), ('APAC','2026-Q3','Gadgets', 61800.25),
      ('AMER','2026-Q2','Widgets',143000.0), ('AMER','2026-Q3','Widgets',151900.0),
      ('AMER','2026-Q3','Gadgets', 70420.0);
  )sql";
  if (sqlite3_exec(db->db_, seed, nullptr, nullptr, nullptr) != SQLITE_OK)
    return tracelake::InternalError("cannot seed the sales database");
  return db;
}

SalesDb::~SalesDb() {
  if (db_ != nullptr) sqlite3_close(db_);
}

Result<std::string> SalesDb::Query(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) != SQLITE_OK ||
      stmt == nullptr) {
    return tracelake::InvalidArgumentError(std::string("SQL error: ") + sqlite3_errmsg(db_));
  }
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> guard(stmt, sqlite3_finalize);
  if (!sqlite3_stmt_readonly(stmt)) return tracelake::InvalidArgumentError("only read-only queries are allowed");
  std::string out;
  {
    tracelake::JsonObject obj(out);
    const int columns = sqlite3_column_count(stmt);
    std::vector<std::string> names;
    for (int c = 0; c < columns; ++c) names.emplace_back(sqlite3_column_name(stmt, c));
    obj.Add("columns", names);
    std::string rows = "[";
    int n = 0;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW && n < 100) {
      if (n++ > 0) rows += ',';
      rows += '[';
      for (int c = 0; c < columns; ++c) {
        if (c > 0) rows += ',';
        switch (sqlite3_column_type(stmt, c)) {
          case SQLITE_INTEGER: tracelake::AppendJson(rows, static_cast<int64_t>(sqlite3_column_int64(stmt, c))); break;
          case SQLITE_FLOAT: tracelake::AppendJson(rows, sqlite3_column_double(stmt, c)); break;
          case SQLITE_NULL: rows += "null"; break;
          default:
            tracelake::AppendJson(rows, std::string_view(reinterpret_cast<const char*>(sqlite3_column_text(stmt, c)),
                                                         sqlite3_column_bytes(stmt, c)));
        }
      }
      rows += ']';
    }
    rows += ']';
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
      return tracelake::InvalidArgumentError(std::string("SQL error: ") + sqlite3_errmsg(db_));
    obj.Add("rows", tracelake::RawJson{rows});
  }
  return out;
}

}  // namespace support_agent
