#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "filter_corpus.h"
#include "query/filter.h"

namespace tracelake::query {
namespace {

std::string Canonical(std::string_view filter) {
  Result<std::unique_ptr<Expr>> e = ParseFilter(filter);
  EXPECT_TRUE(e.ok()) << filter << " -> " << e.status().ToString();
  if (!e.ok() || *e == nullptr) return "<error>";
  return ToString(**e);
}

// ToString(Parse(x)) is a fixed point: parsing the canonical text gives the same text again.
void ExpectRoundTrip(std::string_view filter) {
  const std::string once = Canonical(filter);
  EXPECT_EQ(Canonical(once), once) << "from " << filter;
}

TEST(ToStringTest, SpellsOutFieldsWithTheirPrefixes) {
  EXPECT_EQ(Canonical("status = 'ok'"), "attributes.status = 'OK'");
  EXPECT_EQ(Canonical("trace.state != 'error'"), "attributes.status != 'ERROR'");
  EXPECT_EQ(Canonical("timestamp > 5"), "attributes.timestamp_ms > 5");
  EXPECT_EQ(Canonical("execution_time <= 1.5"), "attributes.execution_time_ms <= 1.5");
  EXPECT_EQ(Canonical("end_time >= 2"), "attributes.end_time_ms >= 2");
  EXPECT_EQ(Canonical("trace.name LIKE '%a%'"), "attributes.name LIKE '%a%'");
  EXPECT_EQ(Canonical("trace_id = '0123456789ABCDEF0123456789ABCDEF'"),
            "attributes.request_id = 'tr-0123456789abcdef0123456789abcdef'");
  EXPECT_EQ(Canonical("run_id IS NULL"), "attributes.run_id IS NULL");
  EXPECT_EQ(Canonical("client_request_id = 'c'"), "attributes.client_request_id = 'c'");
  EXPECT_EQ(Canonical("text ILIKE '%x%'"), "attributes.text ILIKE '%x%'");
  EXPECT_EQ(Canonical("prompt = 'p/1'"), "attributes.prompt = 'p/1'");
  EXPECT_EQ(Canonical("tag.env = 'prod'"), "tags.env = 'prod'");
  EXPECT_EQ(Canonical("tags.mlflow.user = 'u'"), "tags.`mlflow.user` = 'u'");
  EXPECT_EQ(Canonical("request_metadata.\"a b\" IS NOT NULL"), "metadata.`a b` IS NOT NULL");
  EXPECT_EQ(Canonical("span.attributes.gen_ai.system = 'openai'"),
            "span.attributes.`gen_ai.system` = 'openai'");
  EXPECT_EQ(Canonical("span.status IN ('OK')"), "span.status IN ('OK')");
  EXPECT_EQ(Canonical("span.model = 'gpt-4o'"), "span.model = 'gpt-4o'");
  EXPECT_EQ(Canonical("span.error_type != 'E'"), "span.error_type != 'E'");
  EXPECT_EQ(Canonical("feedback.`a``b` = 'y'"), "feedback.`a``b` = 'y'");
  EXPECT_EQ(Canonical("expectation.x LIKE 'y'"), "expectation.x LIKE 'y'");
}

TEST(ToStringTest, EscapesStringsSoTheyReadBack) {
  EXPECT_EQ(Canonical("tags.m = \"it's\""), R"(tags.m = 'it\'s')");
  EXPECT_EQ(Canonical(R"(tags.m = 'a\\b')"), R"(tags.m = 'a\\b')");
  EXPECT_EQ(Canonical(R"(tags.m = '^v\.1')"), R"(tags.m = '^v\\.1')");
  EXPECT_EQ(Canonical(R"(tags.m = "\"q\"")"), R"(tags.m = '"q"')");
  EXPECT_EQ(Canonical("tags.m = 'Zürich 🚀'"), "tags.m = 'Zürich 🚀'");
  ExpectRoundTrip(R"(tags.m = 'trailing backslash \\')");
  ExpectRoundTrip(R"(tags.m = '\\\'\\')");
}

// Found by tests/fuzz/filter_fuzzer: keys holding backslashes were printed without escaping,
// so re-parsing halved them (and a trailing backslash escaped the closing backtick).
TEST(ToStringTest, RegressionKeysWithBackslashesRoundTrip) {
  EXPECT_EQ(Canonical(R"(tags.`a\\b` = 'x')"), R"(tags.`a\\b` = 'x')");
  EXPECT_EQ(Canonical(R"(tags.`a\b` = 'x')"), R"(tags.`a\\b` = 'x')");
  EXPECT_EQ(Canonical(R"(tags.`a\\` = 'x')"), R"(tags.`a\\` = 'x')");
  EXPECT_EQ(Canonical(R"(metadata.`q\"` = 'x')"), R"(metadata.`q"` = 'x')");
  ExpectRoundTrip(R"(span.attributes.`\\\\\\\\\\` = 'x')");
  // The fuzzer's input, shortened.
  ExpectRoundTrip(R"(tags.`QMq"mlflow.trace.user" != 'bob' A\\\\\\\\ND request_metadata.w` = 'f')");
}

TEST(ToStringTest, PrintsNumbersInShortestForm) {
  EXPECT_EQ(Canonical("timestamp_ms > 1749006880539"), "attributes.timestamp_ms > 1749006880539");
  EXPECT_EQ(Canonical("timestamp_ms > 1e3"), "attributes.timestamp_ms > 1000");
  EXPECT_EQ(Canonical("timestamp_ms > 0.1"), "attributes.timestamp_ms > 0.1");
  EXPECT_EQ(Canonical("timestamp_ms > -2.50"), "attributes.timestamp_ms > -2.5");
  ExpectRoundTrip("timestamp_ms > 1e300");
  ExpectRoundTrip("timestamp_ms > 1e-300");
}

TEST(ToStringTest, GroupsNestedAndOrWithParentheses) {
  EXPECT_EQ(Canonical("tags.a = '1' AND tags.b = '2' OR tags.c = '3'"),
            "(tags.a = '1' AND tags.b = '2') OR tags.c = '3'");
  EXPECT_EQ(Canonical("(tags.a = '1' OR tags.b = '2') AND tags.c = '3'"),
            "(tags.a = '1' OR tags.b = '2') AND tags.c = '3'");
  EXPECT_EQ(Canonical("((tags.a = '1'))"), "tags.a = '1'");
}

TEST(ToStringTest, EveryCorpusFilterRoundTrips) {
  for (std::string_view filter : testing::kValidFilters) ExpectRoundTrip(filter);
}

// Seeded random sentences from grammar fragments: the parser must never crash, every failure
// is kInvalidArgument, and every success round-trips through ToString.
TEST(ToStringTest, RandomTokenSoupNeverCrashesAndValidResultsRoundTrip) {
  const std::vector<std::string> pieces = {
      "status", "tags.a", "tags.`x.y`", "metadata.\"k\"", "span.type", "span.attributes.m",
      "timestamp_ms", "name", "feedback.f", "run_id", "request_id", "trace.text", "=", "!=",
      "<", ">=", "LIKE", "ILIKE", "RLIKE", "IN", "NOT", "IS", "NULL", "AND", "OR", "(", ")", ",",
      "'OK'", "'error'", "'x''y'", "\"q\"", "'%a%'", "5", "-1.5", "1e3",
      "'tr-0123456789abcdef0123456789abcdef'", "`b`", "'", "`", ".", "ünï", " "};
  std::mt19937 rng(20240611);
  int parsed = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string filter;
    const int n = 1 + static_cast<int>(rng() % 12);
    for (int k = 0; k < n; ++k) filter += pieces[rng() % pieces.size()] + " ";
    Result<std::unique_ptr<Expr>> e = ParseFilter(filter);
    if (!e.ok()) {
      ASSERT_EQ(e.status().code(), StatusCode::kInvalidArgument) << filter;
      ASSERT_FALSE(e.status().message().empty());
      continue;
    }
    if (*e == nullptr) continue;
    ++parsed;
    const std::string text = ToString(**e);
    Result<std::unique_ptr<Expr>> again = ParseFilter(text);
    ASSERT_TRUE(again.ok()) << filter << " -> " << text << " -> " << again.status().ToString();
    ASSERT_EQ(ToString(**again), text) << filter;
  }
  EXPECT_GT(parsed, 0);
}

}  // namespace
}  // namespace tracelake::query
