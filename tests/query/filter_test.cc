#include "query/filter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "filter_corpus.h"

namespace tracelake::query {
namespace {

using Strings = std::vector<std::string>;

struct Case {
  std::string filter;
  FieldKind kind;
  std::string key;
  Op op;
  Value value;
};

std::unique_ptr<Expr> ParseOk(std::string_view filter) {
  Result<std::unique_ptr<Expr>> expr = ParseFilter(filter);
  EXPECT_TRUE(expr.ok()) << filter << " -> " << expr.status().ToString();
  return expr.ok() ? std::move(*expr) : nullptr;
}

void ExpectComparison(const Expr& e, const Case& c) {
  ASSERT_EQ(e.kind, Expr::Kind::kComparison) << ToString(e);
  EXPECT_EQ(e.comparison.field.kind, c.kind) << c.filter;
  EXPECT_EQ(e.comparison.field.key, c.key) << c.filter;
  EXPECT_EQ(e.comparison.op, c.op) << c.filter;
  EXPECT_TRUE(e.comparison.value == c.value) << c.filter << " parsed as " << ToString(e);
}

class SingleComparisonTest : public ::testing::TestWithParam<Case> {};

TEST_P(SingleComparisonTest, ParsesToTheExpectedComparison) {
  const Case& c = GetParam();
  std::unique_ptr<Expr> e = ParseOk(c.filter);
  ASSERT_NE(e, nullptr);
  ExpectComparison(*e, c);
}

const char kHex[] = "0123456789abcdef0123456789abcdef";
const std::string kTr = std::string("tr-") + kHex;

INSTANTIATE_TEST_SUITE_P(
    MlflowAttributes, SingleComparisonTest,
    ::testing::Values(
        Case{"status = 'OK'", FieldKind::kStatus, "", Op::kEq, Value(std::string("OK"))},
        Case{"attributes.status = 'ERROR'", FieldKind::kStatus, "", Op::kEq, Value(std::string("ERROR"))},
        Case{"attribute.status != 'IN_PROGRESS'", FieldKind::kStatus, "", Op::kNe,
             Value(std::string("IN_PROGRESS"))},
        Case{"trace.status = \"ok\"", FieldKind::kStatus, "", Op::kEq, Value(std::string("OK"))},
        Case{"trace.state = 'Error'", FieldKind::kStatus, "", Op::kEq, Value(std::string("ERROR"))},
        Case{"status = 'unspecified'", FieldKind::kStatus, "", Op::kEq,
             Value(std::string("STATE_UNSPECIFIED"))},
        Case{"status IN ('ok', 'Error')", FieldKind::kStatus, "", Op::kIn, Value(Strings{"OK", "ERROR"})},
        Case{"status NOT IN ('STATE_UNSPECIFIED')", FieldKind::kStatus, "", Op::kNotIn,
             Value(Strings{"STATE_UNSPECIFIED"})},
        Case{"attributes.timestamp_ms > 1749006880539", FieldKind::kTimestampMs, "", Op::kGt,
             Value(1749006880539.0)},
        Case{"trace.timestamp >= 0", FieldKind::kTimestampMs, "", Op::kGe, Value(0.0)},
        Case{"timestamp_ms < -5", FieldKind::kTimestampMs, "", Op::kLt, Value(-5.0)},
        Case{"execution_time_ms <= 500", FieldKind::kExecutionTimeMs, "", Op::kLe, Value(500.0)},
        Case{"trace.execution_time = 1.5", FieldKind::kExecutionTimeMs, "", Op::kEq, Value(1.5)},
        Case{"execution_time_ms != 1e3", FieldKind::kExecutionTimeMs, "", Op::kNe, Value(1000.0)},
        Case{"execution_time_ms > .25", FieldKind::kExecutionTimeMs, "", Op::kGt, Value(0.25)},
        Case{"execution_time_ms > +7", FieldKind::kExecutionTimeMs, "", Op::kGt, Value(7.0)},
        Case{"trace.end_time_ms > 1762408895531", FieldKind::kEndTimeMs, "", Op::kGt,
             Value(1762408895531.0)},
        Case{"end_time = 3", FieldKind::kEndTimeMs, "", Op::kEq, Value(3.0)},
        Case{"trace.name = 'predict'", FieldKind::kName, "", Op::kEq, Value(std::string("predict"))},
        Case{"name LIKE '%Generate%'", FieldKind::kName, "", Op::kLike, Value(std::string("%Generate%"))},
        Case{"name ILIKE '%predict%'", FieldKind::kName, "", Op::kILike, Value(std::string("%predict%"))},
        Case{"name RLIKE '^(a|b)_[0-9]+'", FieldKind::kName, "", Op::kRLike,
             Value(std::string("^(a|b)_[0-9]+"))},
        Case{"name NOT IN ('a', \"b\")", FieldKind::kName, "", Op::kNotIn, Value(Strings{"a", "b"})},
        Case{"trace.run_id = 'run_id_123456'", FieldKind::kRunId, "", Op::kEq,
             Value(std::string("run_id_123456"))},
        Case{"run_id IN ('r1','r2')", FieldKind::kRunId, "", Op::kIn, Value(Strings{"r1", "r2"})},
        Case{"run_id IS NOT NULL", FieldKind::kRunId, "", Op::kIsNotNull, Value()},
        Case{"trace.client_request_id = 'abc'", FieldKind::kClientRequestId, "", Op::kEq,
             Value(std::string("abc"))},
        Case{"request_id = 'tr-0123456789ABCDEF0123456789ABCDEF'", FieldKind::kTraceId, "", Op::kEq,
             Value(kTr)},
        Case{"trace.trace_id != '0123456789abcdef0123456789abcdef'", FieldKind::kTraceId, "", Op::kNe,
             Value(kTr)},
        Case{"request_id IN ('tr-0123456789abcdef0123456789abcdef')", FieldKind::kTraceId, "", Op::kIn,
             Value(Strings{kTr})},
        Case{"prompt = \"qa-agent-system-prompt/4\"", FieldKind::kPromptRef, "", Op::kEq,
             Value(std::string("qa-agent-system-prompt/4"))},
        Case{"trace.text LIKE '%tell me a story'", FieldKind::kText, "", Op::kLike,
             Value(std::string("%tell me a story"))},
        Case{"`timestamp_ms` > 1", FieldKind::kTimestampMs, "", Op::kGt, Value(1.0)},
        Case{"attributes.`name` = 'x'", FieldKind::kName, "", Op::kEq, Value(std::string("x"))}));

INSTANTIATE_TEST_SUITE_P(
    TagsAndMetadata, SingleComparisonTest,
    ::testing::Values(
        Case{"tags.version = 'commit-hash'", FieldKind::kTag, "version", Op::kEq,
             Value(std::string("commit-hash"))},
        Case{"tag.model_name LIKE 'gpt-%'", FieldKind::kTag, "model_name", Op::kLike,
             Value(std::string("gpt-%"))},
        Case{"tags.`mlflow.traceName` = 'my_function'", FieldKind::kTag, "mlflow.traceName", Op::kEq,
             Value(std::string("my_function"))},
        Case{"tags.mlflow.traceName != 'f'", FieldKind::kTag, "mlflow.traceName", Op::kNe,
             Value(std::string("f"))},
        Case{"tags.\"t.a.g\" = \"a\"", FieldKind::kTag, "t.a.g", Op::kEq, Value(std::string("a"))},
        Case{"`tags`.source_name = 'a notebook'", FieldKind::kTag, "source_name", Op::kEq,
             Value(std::string("a notebook"))},
        Case{"tags.`spacey name` ILIKE '%x%'", FieldKind::kTag, "spacey name", Op::kILike,
             Value(std::string("%x%"))},
        Case{"tags.\"X//Y#$$@&Z\" = 'v'", FieldKind::kTag, "X//Y#$$@&Z", Op::kEq, Value(std::string("v"))},
        Case{"tags.my-key = 'v'", FieldKind::kTag, "my-key", Op::kEq, Value(std::string("v"))},
        Case{"tags.version RLIKE '^v[0-9]+\\.[0-9]+'", FieldKind::kTag, "version", Op::kRLike,
             Value(std::string("^v[0-9]+\\.[0-9]+"))},
        Case{"tags.version IS NULL", FieldKind::kTag, "version", Op::kIsNull, Value()},
        Case{"tags.version is not null", FieldKind::kTag, "version", Op::kIsNotNull, Value()},
        Case{"metadata.`mlflow.user` = 'alice@company.com'", FieldKind::kMetadata, "mlflow.user", Op::kEq,
             Value(std::string("alice@company.com"))},
        Case{"metadata.\"mlflow.trace.user\" = 'u'", FieldKind::kMetadata, "mlflow.trace.user", Op::kEq,
             Value(std::string("u"))},
        Case{"request_metadata.user_id LIKE 'user%'", FieldKind::kMetadata, "user_id", Op::kLike,
             Value(std::string("user%"))},
        Case{"metadata.k IS NOT NULL", FieldKind::kMetadata, "k", Op::kIsNotNull, Value()}));

INSTANTIATE_TEST_SUITE_P(
    SpansAndAssessments, SingleComparisonTest,
    ::testing::Values(
        Case{"span.name = 'llm_call'", FieldKind::kSpanName, "", Op::kEq, Value(std::string("llm_call"))},
        Case{"span.type IN ('LLM', 'CHAIN')", FieldKind::kSpanType, "", Op::kIn,
             Value(Strings{"LLM", "CHAIN"})},
        Case{"span.type NOT IN ('UNKNOWN')", FieldKind::kSpanType, "", Op::kNotIn, Value(Strings{"UNKNOWN"})},
        Case{"span.status != 'OK'", FieldKind::kSpanStatus, "", Op::kNe, Value(std::string("OK"))},
        Case{"span.model = 'gpt-4o'", FieldKind::kSpanModel, "", Op::kEq,
             Value(std::string("gpt-4o"))},
        Case{"span.error_type LIKE 'Time%'", FieldKind::kSpanErrorType, "", Op::kLike,
             Value(std::string("Time%"))},
        Case{"span.content LIKE '%hello%'", FieldKind::kSpanContent, "", Op::kLike,
             Value(std::string("%hello%"))},
        Case{"span.content ILIKE '%WORLD%'", FieldKind::kSpanContent, "", Op::kILike,
             Value(std::string("%WORLD%"))},
        Case{"span.attributes.model_version LIKE '%v2%'", FieldKind::kSpanAttribute, "model_version",
             Op::kLike, Value(std::string("%v2%"))},
        Case{"span.attributes.`gen_ai.request.model` = 'gpt-4o'", FieldKind::kSpanAttribute,
             "gen_ai.request.model", Op::kEq, Value(std::string("gpt-4o"))},
        Case{"span.attributes.gen_ai.usage.input_tokens = '12'", FieldKind::kSpanAttribute,
             "gen_ai.usage.input_tokens", Op::kEq, Value(std::string("12"))},
        Case{"feedback.rating = 'positive'", FieldKind::kFeedback, "rating", Op::kEq,
             Value(std::string("positive"))},
        Case{"feedback.`user satisfaction` != 'no'", FieldKind::kFeedback, "user satisfaction", Op::kNe,
             Value(std::string("no"))},
        Case{"feedback.is_correct IS NULL", FieldKind::kFeedback, "is_correct", Op::kIsNull, Value()},
        Case{"expectation.accuracy = 'high'", FieldKind::kExpectation, "accuracy", Op::kEq,
             Value(std::string("high"))},
        Case{"expectation.label ILIKE '%success%'", FieldKind::kExpectation, "label", Op::kILike,
             Value(std::string("%success%"))}));

INSTANTIATE_TEST_SUITE_P(
    QuotingAndUnicode, SingleComparisonTest,
    ::testing::Values(
        Case{"tags.m = \"L'Hosp\"", FieldKind::kTag, "m", Op::kEq, Value(std::string("L'Hosp"))},
        Case{"tags.m = 'it''s'", FieldKind::kTag, "m", Op::kEq, Value(std::string("it's"))},
        Case{"tags.m = 'it\\'s'", FieldKind::kTag, "m", Op::kEq, Value(std::string("it's"))},
        Case{"tags.m = \"say \\\"hi\\\"\"", FieldKind::kTag, "m", Op::kEq, Value(std::string("say \"hi\""))},
        Case{"tags.m = 'a\\\\b'", FieldKind::kTag, "m", Op::kEq, Value(std::string("a\\b"))},
        Case{"tags.m = ''", FieldKind::kTag, "m", Op::kEq, Value(std::string())},
        Case{"tags.m = 'AND status = ''OK'''", FieldKind::kTag, "m", Op::kEq,
             Value(std::string("AND status = 'OK'"))},
        Case{"tags.m = '; DROP TABLE traces; --'", FieldKind::kTag, "m", Op::kEq,
             Value(std::string("; DROP TABLE traces; --"))},
        Case{"tags.city = 'Zürich'", FieldKind::kTag, "city", Op::kEq, Value(std::string("Zürich"))},
        Case{"tags.ключ = '東京 🚀'", FieldKind::kTag, "ключ", Op::kEq, Value(std::string("東京 🚀"))},
        Case{"metadata.`名前` = 'ä\tö\nü'", FieldKind::kMetadata, "名前", Op::kEq,
             Value(std::string("ä\tö\nü"))},
        Case{"\n\t tags.x\n=\n'y'  \r\n", FieldKind::kTag, "x", Op::kEq, Value(std::string("y"))},
        Case{"tags.x='y'", FieldKind::kTag, "x", Op::kEq, Value(std::string("y"))},
        Case{"tags.`a``b` = 'y'", FieldKind::kTag, "a`b", Op::kEq, Value(std::string("y"))}));

TEST(ParseFilterTest, EmptyOrBlankFilterMatchesEverything) {
  for (const char* text : {"", " ", "\n\t  \r"}) {
    Result<std::unique_ptr<Expr>> e = ParseFilter(text);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    EXPECT_EQ(*e, nullptr);
  }
}

TEST(ParseFilterTest, AndJoinsComparisonsInOrder) {
  std::unique_ptr<Expr> e =
      ParseOk("attributes.status = 'OK' and tags.environment = 'production' AND execution_time_ms > 5");
  ASSERT_EQ(e->kind, Expr::Kind::kAnd);
  ASSERT_EQ(e->children.size(), 3u);
  ExpectComparison(*e->children[0], {"", FieldKind::kStatus, "", Op::kEq, Value(std::string("OK"))});
  ExpectComparison(*e->children[1],
                   {"", FieldKind::kTag, "environment", Op::kEq, Value(std::string("production"))});
  ExpectComparison(*e->children[2], {"", FieldKind::kExecutionTimeMs, "", Op::kGt, Value(5.0)});
}

TEST(ParseFilterTest, AndBindsTighterThanOr) {
  std::unique_ptr<Expr> e = ParseOk("tags.a = '1' AND tags.b = '2' OR tags.c = '3'");
  ASSERT_EQ(e->kind, Expr::Kind::kOr);
  ASSERT_EQ(e->children.size(), 2u);
  EXPECT_EQ(e->children[0]->kind, Expr::Kind::kAnd);
  EXPECT_EQ(e->children[0]->children.size(), 2u);
  EXPECT_EQ(e->children[1]->kind, Expr::Kind::kComparison);

  e = ParseOk("tags.a = '1' or tags.b = '2' and tags.c = '3'");
  ASSERT_EQ(e->kind, Expr::Kind::kOr);
  EXPECT_EQ(e->children[0]->kind, Expr::Kind::kComparison);
  EXPECT_EQ(e->children[1]->kind, Expr::Kind::kAnd);
  EXPECT_EQ(ToString(*e), "tags.a = '1' OR (tags.b = '2' AND tags.c = '3')");
}

TEST(ParseFilterTest, ParenthesesOverridePrecedence) {
  std::unique_ptr<Expr> e = ParseOk("(tags.a = '1' OR tags.b = '2') AND tags.c = '3'");
  ASSERT_EQ(e->kind, Expr::Kind::kAnd);
  ASSERT_EQ(e->children.size(), 2u);
  EXPECT_EQ(e->children[0]->kind, Expr::Kind::kOr);
  EXPECT_EQ(e->children[1]->kind, Expr::Kind::kComparison);
}

TEST(ParseFilterTest, NestedGroupsOfTheSameKindAreFlattened) {
  std::unique_ptr<Expr> e = ParseOk("(tags.a = '1' AND tags.b = '2') AND (tags.c = '3' AND tags.d = '4')");
  ASSERT_EQ(e->kind, Expr::Kind::kAnd);
  EXPECT_EQ(e->children.size(), 4u);
  e = ParseOk("tags.a = '1' OR (tags.b = '2' OR (tags.c = '3'))");
  ASSERT_EQ(e->kind, Expr::Kind::kOr);
  EXPECT_EQ(e->children.size(), 3u);
  e = ParseOk("((((tags.a = '1'))))");
  EXPECT_EQ(e->kind, Expr::Kind::kComparison);
}

TEST(ParseFilterTest, KeywordsAreCaseInsensitive) {
  std::unique_ptr<Expr> e =
      ParseOk("name like 'a%' AnD name iLike 'b%' oR name rlike 'c' aNd name not in ('x') "
              "Or tags.t Is Not Null and tags.u is null AND name In ('y')");
  EXPECT_EQ(ToString(*e),
            "(attributes.name LIKE 'a%' AND attributes.name ILIKE 'b%') OR "
            "(attributes.name RLIKE 'c' AND attributes.name NOT IN ('x')) OR "
            "(tags.t IS NOT NULL AND tags.u IS NULL AND attributes.name IN ('y'))");
}

TEST(ParseFilterTest, EveryCorpusFilterParses) {
  for (std::string_view filter : testing::kValidFilters) {
    Result<std::unique_ptr<Expr>> e = ParseFilter(filter);
    EXPECT_TRUE(e.ok()) << filter << " -> " << e.status().ToString();
    if (e.ok()) {
      EXPECT_NE(*e, nullptr) << filter;
    }
  }
}

TEST(ParseFilterTest, AcceptsFilterAtTheLengthLimit) {
  std::string filter = "tags.big = '";
  filter += std::string(kMaxFilterBytes - filter.size() - 1, 'x');
  filter += "'";
  ASSERT_EQ(filter.size(), kMaxFilterBytes);
  std::unique_ptr<Expr> e = ParseOk(filter);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(std::get<std::string>(e->comparison.value).size(), kMaxFilterBytes - 13);
}

TEST(ParseFilterTest, AcceptsNestingAtTheDepthLimit) {
  std::string filter = std::string(kMaxFilterDepth, '(') + "tags.a = '1'" + std::string(kMaxFilterDepth, ')');
  std::unique_ptr<Expr> e = ParseOk(filter);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->kind, Expr::Kind::kComparison);

  // Alternating AND/OR at every level keeps 64 real tree levels.
  filter = "tags.x = '0'";
  for (int i = 1; i < kMaxFilterDepth; ++i) {
    filter = "tags.x = '" + std::to_string(i) + "' " + (i % 2 ? "AND" : "OR") + " (" + filter + ")";
  }
  e = ParseOk(filter);
  ASSERT_NE(e, nullptr);
  ASSERT_TRUE(ParseFilter(ToString(*e)).ok());
}

TEST(ParseFilterTest, AcceptsTheMaximumNumberOfComparisons) {
  std::string filter;
  for (int i = 0; i < kMaxFilterComparisons; ++i) {
    if (i) filter += i % 3 ? " AND " : " OR ";
    filter += "tags.k" + std::to_string(i) + " = 'v'";
  }
  std::unique_ptr<Expr> e = ParseOk(filter);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->kind, Expr::Kind::kOr);
}

TEST(OpNameTest, SpellsComparatorsAsUsersWriteThem) {
  EXPECT_EQ(OpName(Op::kEq), "=");
  EXPECT_EQ(OpName(Op::kNe), "!=");
  EXPECT_EQ(OpName(Op::kNotIn), "NOT IN");
  EXPECT_EQ(OpName(Op::kIsNotNull), "IS NOT NULL");
  EXPECT_EQ(OpName(Op::kRLike), "RLIKE");
}

}  // namespace
}  // namespace tracelake::query
