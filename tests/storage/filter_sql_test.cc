// Filter-to-SQL translation: every field kind with every comparator the grammar allows yields
// SQL that prepares against the real schema and carries user text only as bound parameters;
// keyset conditions follow the sort directions.
#include "query/filter.h"
#include "storage/sqlite/schema.h"
#include "storage/sqlite/sql_functions.h"
#include "storage/sqlite/sqlite_dialect.h"
#include "store_test_util.h"

namespace tracelake::storage::sqlite {
namespace {

using sql::AppendKeysetCondition;
using sql::FilterToSql;
using storage::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kMarker = "ZqMarkerQz";

const sql::Dialect& Sqlite() { return SqliteDialect::Instance(); }

class FilterSqlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(db_.Open(":memory:", false).ok());
    ASSERT_TRUE(MigrateSchema(db_, 1).ok());
    ASSERT_TRUE(RegisterSqlFunctions(db_.raw()).ok());
  }

  // Translates filter text; checks that the SQL prepares, binds and runs.
  Result<SqlFragment> Translate(const std::string& text) {
    ASSIGN_OR_RETURN(auto expr, query::ParseFilter(text));
    SqlFragment f;
    RETURN_IF_ERROR(FilterToSql(Sqlite(), *expr, f));
    ASSIGN_OR_RETURN(Stmt stmt, db_.Prepare("SELECT t.trace_key FROM traces t WHERE " + f.sql));
    BindParams(stmt, f.params);
    bool row = false;
    RETURN_IF_ERROR(stmt.Step(&row));
    return f;
  }

  Db db_;
};

TEST_F(FilterSqlTest, EveryFieldAndComparatorTranslatesWithBoundValues) {
  const std::string m = kMarker;
  const std::vector<std::string> filters = {
      "status = 'OK'", "status != 'ERROR'", "status IN ('OK','ERROR')", "status NOT IN ('OK')",
      "timestamp_ms = 5", "timestamp_ms != 5", "timestamp_ms < 5", "timestamp_ms <= 5",
      "timestamp_ms > 5", "timestamp_ms >= 5.5", "execution_time_ms > 5", "end_time_ms < 9",
      "name = '" + m + "'", "name != '" + m + "'", "name LIKE '" + m + "%'",
      "name ILIKE '" + m + "'", "name IN ('" + m + "')", "name NOT IN ('" + m + "')",
      "client_request_id = '" + m + "'", "client_request_id LIKE '%" + m + "'",
      "trace_id = 'tr-0123456789abcdef0123456789abcdef'",
      "request_id != 'tr-0123456789abcdef0123456789abcdef'",
      "trace_id IN ('tr-0123456789abcdef0123456789abcdef')",
      "trace_id NOT IN ('tr-0123456789abcdef0123456789abcdef')",
      "run_id = '" + m + "'", "run_id LIKE '" + m + "'", "run_id IS NULL", "run_id IS NOT NULL",
      "trace.text LIKE '%" + m + "%'", "trace.text ILIKE '%" + m + "%'",
      "tags.`" + m + "` = '" + m + "'", "tags.k != '" + m + "'", "tags.k LIKE '" + m + "'",
      "tags.k ILIKE '" + m + "'", "tags.k IS NULL", "tags.k IS NOT NULL",
      "metadata.`" + m + "` = '" + m + "'", "request_metadata.k ILIKE '" + m + "'",
      "metadata.k IS NULL",
      "span.name = '" + m + "'", "span.name != '" + m + "'", "span.name LIKE '" + m + "'",
      "span.name ILIKE '" + m + "'", "span.name IN ('" + m + "')", "span.name NOT IN ('" + m + "')",
      "span.type = '" + m + "'", "span.type IN ('LLM', '" + m + "')",
      "span.status = 'OK'", "span.status != 'ERROR'", "span.status IN ('OK')",
      "span.status NOT IN ('UNSET')",
      "span.model = '" + m + "'", "span.model NOT IN ('" + m + "')",
      "span.error_type ILIKE '" + m + "'", "span.error_type RLIKE 'x" + m + "'",
      "span.attributes.`" + m + "` = '" + m + "'", "span.attributes.k != '" + m + "'",
"span.attributes.k LIKE '" + m + "'",
      "span.attributes.k ILIKE '" + m + "'", "span.attributes.k IN ('" + m + "')",
      "span.attributes.k NOT IN ('" + m + "')",
      "span.content LIKE '%" + m + "%'", "span.content ILIKE '%" + m + "%'",
      "feedback.`" + m + "` = '" + m + "'", "feedback.k != 'x'",
      "feedback.k LIKE '" + m + "'", "feedback.k ILIKE 'x'", "feedback.k IS NULL",
      "feedback.k IS NOT NULL", "expectation.k = '" + m + "'", "expectation.k IS NOT NULL",
      "(name = 'a' OR name = 'b') AND status = 'OK'",
      "name RLIKE '^" + m + "'", "tags.k RLIKE '" + m + "$'", "span.name RLIKE '" + m + "'",
      "span.attributes.k RLIKE '" + m + "'", "feedback.k RLIKE '" + m + "'",
  };
  for (const std::string& f : filters) {
    auto sql = Translate(f);
    ASSERT_TRUE(sql.ok()) << f << ": " << sql.status().ToString();
    EXPECT_THAT(sql->sql, Not(HasSubstr(kMarker))) << f;
  }
}

// The grammar quotes span attribute and assessment values; an AST built by other means may
// carry numbers, which then compare numerically.
TEST_F(FilterSqlTest, NumericValuesCompareNumerically) {
  for (auto kind : {query::FieldKind::kSpanAttribute, query::FieldKind::kFeedback}) {
    for (auto op : {query::Op::kEq, query::Op::kNe, query::Op::kLt, query::Op::kGe}) {
      query::Expr e;
      e.comparison = {query::Field{kind, "k"}, op, 3.5};
      SqlFragment f;
      ASSERT_TRUE(FilterToSql(Sqlite(), e, f).ok());
      auto stmt = db_.Prepare("SELECT 1 FROM traces t WHERE " + f.sql);
      ASSERT_TRUE(stmt.ok()) << f.sql;
      EXPECT_TRUE(std::holds_alternative<double>(f.params.back())) << f.sql;
    }
  }
}

TEST_F(FilterSqlTest, UnsupportedCombinationsAreInvalidArgument) {
  for (const char* f : {"prompt = 'p/1'", "span.status LIKE 'O%'", "name RLIKE '(a'",
                        "tags.k RLIKE 'a\\1'", "span.attributes.k RLIKE '(?=x)'"}) {
    EXPECT_THAT(Translate(f), StatusIs(StatusCode::kInvalidArgument)) << f;
  }
  query::Expr bad;
  bad.comparison = {query::Field{query::FieldKind::kTimestampMs, ""}, query::Op::kEq,
                    std::string("not a number")};
  SqlFragment f;
  EXPECT_THAT(FilterToSql(Sqlite(), bad, f), StatusIs(StatusCode::kInvalidArgument));
  bad.comparison = {query::Field{query::FieldKind::kStatus, ""}, query::Op::kLt, std::string("OK")};
  EXPECT_THAT(FilterToSql(Sqlite(), bad, f), StatusIs(StatusCode::kInvalidArgument));
  bad.comparison = {query::Field{query::FieldKind::kName, ""}, query::Op::kIn,
                    std::vector<std::string>{}};
  EXPECT_THAT(FilterToSql(Sqlite(), bad, f), StatusIs(StatusCode::kInvalidArgument));
}

TEST_F(FilterSqlTest, DefaultOrderIsNewestFirstWithAUniqueTieBreaker) {
  const auto keys = SortKeysFor({});
  EXPECT_EQ(OrderByClause(keys), "t.request_time DESC, t.trace_key DESC");
  SqlFragment f;
  ASSERT_TRUE(AppendKeysetCondition(Sqlite(), keys, {int64_t{10}, int64_t{3}}, f).ok());
  EXPECT_EQ(f.sql, "(t.request_time, t.trace_key) < (?,?)");
  // The newest-first search walks the (experiment_id, request_time) index without sorting.
  ASSERT_TRUE(db_.Prepare("SELECT 1").ok());
  auto plan = db_.Prepare(
      "EXPLAIN QUERY PLAN SELECT t.trace_key FROM traces t WHERE t.experiment_id = ? AND " +
      f.sql + " ORDER BY " + OrderByClause(keys) + " LIMIT 51");
  ASSERT_TRUE(plan.ok());
  std::string details;
  while (plan->Next()) details += std::string(plan->Text(3)) + "\n";
  EXPECT_THAT(details, HasSubstr("traces_by_time"));
  EXPECT_THAT(details, Not(HasSubstr("TEMP B-TREE")));
}

TEST_F(FilterSqlTest, MixedDirectionsExpandTheKeysetCondition) {
  auto order = query::ParseOrderBy({"name ASC", "execution_time_ms DESC"});
  ASSERT_TRUE(order.ok());
  const auto keys = SortKeysFor(*order);
  ASSERT_EQ(keys.size(), 4u);  // name, duration, request_time, trace_key
  SqlFragment f;
  ASSERT_TRUE(AppendKeysetCondition(Sqlite(), keys,
                                    {std::string("n"), int64_t{1}, int64_t{2}, int64_t{3}}, f)
                  .ok());
  EXPECT_THAT(f.sql, HasSubstr("coalesce(t.root_name,'') > ?"));
  EXPECT_THAT(f.sql, HasSubstr("t.duration < ?"));
  EXPECT_EQ(f.params.size(), 10u);  // 1 + 2 + 3 + 4
  SqlFragment wrong;
  EXPECT_THAT(AppendKeysetCondition(Sqlite(), keys,
                                    {int64_t{1}, int64_t{1}, int64_t{2}, int64_t{3}}, wrong),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(AppendKeysetCondition(Sqlite(), keys, {int64_t{1}}, wrong),
              StatusIs(StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace tracelake::storage::sqlite
