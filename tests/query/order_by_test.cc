#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "query/filter.h"

namespace tracelake::query {
namespace {

OrderBy One(const std::string& clause) {
  Result<std::vector<OrderBy>> r = ParseOrderBy({clause});
  EXPECT_TRUE(r.ok()) << clause << " -> " << r.status().ToString();
  if (!r.ok() || r->size() != 1) return {};
  return r->front();
}

std::string ErrorOf(const std::vector<std::string>& clauses) {
  Result<std::vector<OrderBy>> r = ParseOrderBy(clauses);
  EXPECT_FALSE(r.ok());
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  return r.status().message();
}

TEST(ParseOrderByTest, EmptyListMeansNewestFirst) {
  Result<std::vector<OrderBy>> r = ParseOrderBy({});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ(r->front().field, OrderField::kTimestampMs);
  EXPECT_FALSE(r->front().ascending);
}

TEST(ParseOrderByTest, ReadsFieldsWithAndWithoutPrefixes) {
  struct Want {
    std::string clause;
    OrderField field;
    bool ascending;
  };
  for (const Want& w : std::vector<Want>{
           {"timestamp_ms DESC", OrderField::kTimestampMs, false},
           {"timestamp ASC", OrderField::kTimestampMs, true},
           {"attributes.timestamp_ms desc", OrderField::kTimestampMs, false},
           {"trace.timestamp_ms", OrderField::kTimestampMs, true},
           {"attribute.execution_time_ms Desc", OrderField::kExecutionTimeMs, false},
           {"execution_time asc", OrderField::kExecutionTimeMs, true},
           {"status", OrderField::kStatus, true},
           {"trace.state DESC", OrderField::kStatus, false},
           {"name DESC", OrderField::kName, false},
           {"attributes.name", OrderField::kName, true},
           {"request_id ASC", OrderField::kTraceId, true},
           {"trace_id DESC", OrderField::kTraceId, false},
           {"`timestamp_ms` DESC", OrderField::kTimestampMs, false},
           {"attributes.`execution_time_ms`  ASC", OrderField::kExecutionTimeMs, true},
           {"  timestamp_ms \t DESC  ", OrderField::kTimestampMs, false},
       }) {
    OrderBy o = One(w.clause);
    EXPECT_EQ(o.field, w.field) << w.clause;
    EXPECT_EQ(o.ascending, w.ascending) << w.clause;
  }
}

TEST(ParseOrderByTest, KeepsClauseOrder) {
  Result<std::vector<OrderBy>> r = ParseOrderBy({"timestamp_ms DESC", "status ASC", "name"});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].field, OrderField::kTimestampMs);
  EXPECT_EQ((*r)[1].field, OrderField::kStatus);
  EXPECT_TRUE((*r)[1].ascending);
  EXPECT_EQ((*r)[2].field, OrderField::kName);
}

TEST(ParseOrderByTest, RejectsUnparsableClauses) {
  const std::string expected_suffix = ". Could not be parsed. Expected '<attribute> [ASC|DESC]'";
  EXPECT_EQ(ErrorOf({""}), "Invalid order_by clause ''" + expected_suffix);
  EXPECT_EQ(ErrorOf({"   "}), "Invalid order_by clause '   '" + expected_suffix);
  EXPECT_EQ(ErrorOf({"timestamp_ms DESC blah"}),
            "Invalid order_by clause 'timestamp_ms DESC blah'" + expected_suffix);
  EXPECT_EQ(ErrorOf({"timestamp_ms != 1"}), "Invalid order_by clause 'timestamp_ms != 1'" + expected_suffix);
  EXPECT_EQ(ErrorOf({"'timestamp_ms'"}), "Invalid order_by clause ''timestamp_ms''" + expected_suffix);
  EXPECT_EQ(ErrorOf({"`timestamp_ms DESC"}),
            "Invalid order_by clause '`timestamp_ms DESC'" + expected_suffix);
  EXPECT_EQ(ErrorOf({"timestamp_ms, name"}),
            "Invalid order_by clause 'timestamp_ms, name'" + expected_suffix);
}

TEST(ParseOrderByTest, RejectsUnknownDirections) {
  EXPECT_EQ(ErrorOf({"timestamp_ms ACS"}),
            "Invalid ordering key in order_by clause 'timestamp_ms ACS'. Use ASC or DESC");
  EXPECT_EQ(ErrorOf({"name decs"}), "Invalid ordering key in order_by clause 'name decs'. Use ASC or DESC");
}

TEST(ParseOrderByTest, RejectsUnknownOrUnsupportedKeys) {
  const std::string keys =
      "timestamp_ms, execution_time_ms, status, name, request_id (aliases: timestamp, "
      "execution_time, state, trace_id)";
  EXPECT_EQ(ErrorOf({"foo DESC"}),
            "Invalid attribute key 'foo' in order_by clause 'foo DESC'. Valid keys are " + keys);
  EXPECT_EQ(ErrorOf({"Timestamp_ms"}),
            "Invalid attribute key 'Timestamp_ms' in order_by clause 'Timestamp_ms'. Valid keys are " + keys);
  EXPECT_EQ(ErrorOf({"tags.env"}),
            "Invalid order_by entity 'tags' with key 'env' in 'tags.env'. Only trace attributes can "
            "be ordered by: " + keys);
  EXPECT_EQ(ErrorOf({"metadata.`mlflow.user` ASC"}),
            "Invalid order_by entity 'metadata' with key 'mlflow.user' in 'metadata.`mlflow.user` "
            "ASC'. Only trace attributes can be ordered by: " + keys);
  EXPECT_EQ(ErrorOf({"end_time_ms DESC"}),
            "Ordering by 'end_time_ms' is not supported by tracelake. Valid keys are " + keys);
  EXPECT_EQ(ErrorOf({"run_id"}), "Ordering by 'run_id' is not supported by tracelake. Valid keys are " + keys);
  // One bad clause fails the whole list.
  EXPECT_FALSE(ParseOrderBy({"timestamp_ms DESC", "bogus"}).ok());
}

TEST(ParseOrderByTest, LimitsClauseCountAndLength) {
  std::vector<std::string> many(kMaxOrderByClauses, "timestamp_ms DESC");
  EXPECT_TRUE(ParseOrderBy(many).ok());
  many.push_back("name");
  EXPECT_EQ(ErrorOf(many), "order_by has 33 clauses; the maximum is 32");
  EXPECT_EQ(ErrorOf({std::string(2000, 'a')}), "order_by clause is longer than 1024 bytes");
  EXPECT_EQ(ErrorOf({"timestamp_ms \xff"}).rfind("Invalid order_by clause", 0), 0u);
}

}  // namespace
}  // namespace tracelake::query
