// Invalid filters: every one is kInvalidArgument with a message that names the position, the
// offending token and what is allowed (MLflow's wording where it has one).
#include <gtest/gtest.h>

#include <string>

#include "query/filter.h"

namespace tracelake::query {
namespace {

std::string ErrorOf(std::string_view filter) {
  Result<std::unique_ptr<Expr>> e = ParseFilter(filter);
  EXPECT_FALSE(e.ok()) << filter << " parsed as " << (e.ok() && *e ? ToString(**e) : "");
  if (e.ok()) return "";
  EXPECT_EQ(e.status().code(), StatusCode::kInvalidArgument) << filter;
  return e.status().message();
}

struct ErrorCase {
  std::string filter;
  std::string message;  // exact message
};

class FilterErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(FilterErrorTest, IsInvalidArgumentWithAPreciseMessage) {
  EXPECT_EQ(ErrorOf(GetParam().filter), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Identifiers, FilterErrorTest,
    ::testing::Values(
        ErrorCase{"m.acc >= 0.94",
                  "Invalid entity type 'm' in 'm.acc' at position 1. Valid values are attributes, "
                  "trace, tags, metadata, request_metadata, span, feedback, expectation"},
        ErrorCase{"acc >= 0.94",
                  "Invalid attribute key 'acc' at position 1. Valid keys are status, timestamp_ms, "
                  "execution_time_ms, end_time_ms, name, request_id, run_id, client_request_id, text, "
                  "prompt (aliases: state, timestamp, execution_time, end_time, trace_id)"},
        ErrorCase{"metrics.acc > 1", "Invalid entity type 'metrics' in 'metrics.acc' at position 1. "
                                     "Valid values are attributes, trace, tags, metadata, "
                                     "request_metadata, span, feedback, expectation"},
        ErrorCase{"span.invalid = 'test'",
                  "Invalid span attribute 'invalid' at position 1. Supported: name, type, "
                  "status, model, error_type, content, attributes.<attribute_name>"},
        ErrorCase{"span.attributes.`` = 'x'",
                  "Span attribute name cannot be empty after 'span.attributes.' at position 1"},
        ErrorCase{"tags.`` = 'x'", "Empty key after 'tags.' at position 1"},
        ErrorCase{"issue.id = 'x'", "Filtering by issue ('issue.id') is not supported by tracelake at position 1"},
        ErrorCase{"1 = 1", "Expected a comparison such as status = 'OK', found number '1' at position 1"},
        ErrorCase{"'status' = 'OK'",
                  "Expected a comparison such as status = 'OK', found string ''status'' at position 1"}));

INSTANTIATE_TEST_SUITE_P(
    Comparators, FilterErrorTest,
    ::testing::Values(
        ErrorCase{"name > 'x'",
                  "Invalid comparator '>' for string attribute 'name' at position 6. Allowed: =, !=, "
                  "LIKE, ILIKE, RLIKE, IN, NOT IN"},
        ErrorCase{"timestamp_ms LIKE '1%'",
                  "Invalid comparator 'LIKE' for numeric attribute 'timestamp_ms' at position 14. "
                  "Allowed: =, !=, <, <=, >, >="},
        ErrorCase{"execution_time_ms IN ('1')",
                  "Invalid comparator 'IN' for numeric attribute 'execution_time_ms' at position 19. "
                  "Allowed: =, !=, <, <=, >, >="},
        ErrorCase{"status LIKE 'O%'",
                  "Invalid comparator 'LIKE' for string attribute 'status' at position 8. Allowed: "
                  "=, !=, IN, NOT IN"},
        ErrorCase{"status IS NULL",
                  "Invalid comparator 'IS NULL' for string attribute 'status' at position 8. "
                  "Allowed: =, !=, IN, NOT IN"},
        ErrorCase{"tags.a IN ('x')",
                  "Invalid comparator 'IN' for tag 'tags.a' at position 8. Allowed: =, !=, LIKE, "
                  "ILIKE, RLIKE, IS NULL, IS NOT NULL"},
        ErrorCase{"tags.a < 'x'",
                  "Invalid comparator '<' for tag 'tags.a' at position 8. Allowed: =, !=, LIKE, "
                  "ILIKE, RLIKE, IS NULL, IS NOT NULL"},
        ErrorCase{"metadata.a >= 'x'",
                  "Invalid comparator '>=' for metadata key 'metadata.a' at position 12. Allowed: =, "
                  "!=, LIKE, ILIKE, RLIKE, IS NULL, IS NOT NULL"},
        ErrorCase{"span.content = 'test'",
                  "Invalid comparator '=' for span field 'span.content' at position 14. Allowed: "
                  "LIKE, ILIKE"},
        ErrorCase{"span.type > 'LLM'",
                  "Invalid comparator '>' for span field 'span.type' at position 11. Allowed: =, !=, "
                  "LIKE, ILIKE, RLIKE, IN, NOT IN"},
        ErrorCase{"trace.text = 'x'",
                  "Invalid comparator '=' for string attribute 'trace.text' at position 12. Allowed: "
                  "LIKE, ILIKE"},
        ErrorCase{"prompt != 'a/1'",
                  "Invalid comparator '!=' for string attribute 'prompt' at position 8. Allowed: ="},
        ErrorCase{"request_id LIKE 'tr-%'",
                  "Invalid comparator 'LIKE' for string attribute 'request_id' at position 12. "
                  "Allowed: =, !=, IN, NOT IN"},
        ErrorCase{"feedback.score > '3'",
                  "Invalid comparator '>' for feedback 'feedback.score' at position 16. Allowed: =, "
                  "!=, LIKE, ILIKE, RLIKE, IS NULL, IS NOT NULL"},
        ErrorCase{"status == 'OK'", "Unknown comparator '==' at position 8. Use '='"},
        ErrorCase{"status <> 'OK'", "Unknown comparator '<>' at position 8. Use '!='"},
        ErrorCase{"tags.acc LR",
                  "Expected a comparator after 'tags.acc', found 'LR' at position 10. Allowed for tag: "
                  "=, !=, LIKE, ILIKE, RLIKE, IS NULL, IS NOT NULL"},
        ErrorCase{"tags.x NOT LIKE 'a'", "Expected IN after NOT, found 'LIKE' at position 12"},
        ErrorCase{"tags.x IS 'RUNNING'",
                  "Expected NULL or NOT NULL after IS, found string ''RUNNING'' at position 11"},
        ErrorCase{"tags.x IS NOT 'a'",
                  "Expected NULL or NOT NULL after IS, found string ''a'' at position 15"}));

INSTANTIATE_TEST_SUITE_P(
    Values, FilterErrorTest,
    ::testing::Values(
        ErrorCase{"tags.acc = LR",
                  "Unquoted string value 'LR' at position 12. Use either single or double quotes, "
                  "e.g. 'LR'"},
        ErrorCase{"status = OK",
                  "Unquoted string value 'OK' at position 10. Use either single or double quotes, "
                  "e.g. 'OK'"},
        ErrorCase{"tags.acc = `LR`",
                  "Unquoted string value '`LR`' at position 12. Use either single or double quotes, "
                  "e.g. 'LR'"},
        ErrorCase{"feedback.ok = true",
                  "Unquoted string value 'true' at position 15. Use either single or double quotes, "
                  "e.g. 'true'"},
        ErrorCase{"tags.x = NULL",
                  "Unquoted NULL at position 10. Use IS NULL to test whether 'tags.x' is missing"},
        ErrorCase{"name = NULL",
                  "Unquoted string value 'NULL' at position 8. Use either single or double quotes, "
                  "e.g. 'NULL'"},
        ErrorCase{"tags.x != null",
                  "Unquoted NULL at position 11. Use IS NOT NULL to test whether 'tags.x' is set"},
        ErrorCase{"tags.acc = 5",
                  "Expected a quoted string value for tag 'tags.acc', found number '5' at position 12. "
                  "Quote it, e.g. '5'"},
        ErrorCase{"attribute.status = 1",
                  "Expected a quoted string value for string attribute 'attribute.status', found "
                  "number '1' at position 20. Quote it, e.g. '1'"},
        ErrorCase{"timestamp_ms > '123'",
                  "Expected a numeric value for numeric attribute 'timestamp_ms', found string "
                  "''123'' at position 16"},
        ErrorCase{"execution_time_ms > execution_time_ms",
                  "Expected a numeric value for numeric attribute 'execution_time_ms', found "
                  "'execution_time_ms' at position 21"},
        ErrorCase{"tags.acc = = 'LR'", "Expected a value after 'tags.acc' =, found '=' at position 12"},
        ErrorCase{"tags.acc !=", "Expected a value after 'tags.acc' !=, found the end of the filter at position 12"},
        ErrorCase{"execution_time_ms > 1e999", "Number '1e999' is out of range at position 21"},
        ErrorCase{"status = 'DONE'",
                  "Invalid trace status 'DONE' at position 10. Allowed: OK, ERROR, IN_PROGRESS, "
                  "STATE_UNSPECIFIED"},
        ErrorCase{"status IN ('OK', 'NOPE')",
                  "Invalid trace status 'NOPE' at position 18. Allowed: OK, ERROR, IN_PROGRESS, "
                  "STATE_UNSPECIFIED"},
        ErrorCase{"request_id = 'abc'",
                  "Invalid trace id 'abc' at position 14. Expected 'tr-' followed by 32 hex digits"},
        ErrorCase{"trace_id IN ('tr-0123456789abcdef0123456789abcdeg')",
                  "Invalid trace id 'tr-0123456789abcdef0123456789abcdeg' at position 14. Expected "
                  "'tr-' followed by 32 hex digits"},
        ErrorCase{"prompt = 'no-version'",
                  "Invalid prompt 'no-version' at position 10. Prompt filters require prompt = "
                  "\"name/version\""},
        ErrorCase{"prompt = 'a/b/c'",
                  "Invalid prompt 'a/b/c' at position 10. Prompt filters require prompt = "
                  "\"name/version\""},
        ErrorCase{"name IN ()", "Empty IN list at position 10. Expected one or more quoted strings"},
        ErrorCase{"name IN ('a' 'b')",
                  "Expected ',' or ')' in the IN list opened at position 9, found string ''b'' at "
                  "position 14"},
        ErrorCase{"name IN 'a'", "Expected '(' to start the IN list, found string ''a'' at position 9"},
        ErrorCase{"name IN ('a', 5)",
                  "Expected a quoted string in the IN list, found number '5' at position 15"},
        ErrorCase{"name IN ('a',)",
                  "Expected a quoted string in the IN list, found ')' at position 14"},
        ErrorCase{"name IN ('a'", "Expected ',' or ')' in the IN list opened at position 9, found "
                                  "the end of the filter at position 13"}));

INSTANTIATE_TEST_SUITE_P(
    Structure, FilterErrorTest,
    ::testing::Values(
        ErrorCase{"status = 'OK' AND", "Expected a comparison such as status = 'OK', found the end of "
                                       "the filter at position 18"},
        ErrorCase{"AND status = 'OK'",
                  "Expected a comparison such as status = 'OK', found 'AND' at position 1"},
        ErrorCase{"status = 'OK' OR OR status = 'ERROR'",
                  "Expected a comparison such as status = 'OK', found 'OR' at position 18"},
        ErrorCase{"status = 'OK' NAND tags.b = 'LR'",
                  "Unexpected 'NAND' at position 15. Expected AND, OR or the end of the filter"},
        ErrorCase{"status = 'OK' tags.b = 'LR'",
                  "Unexpected 'tags.b' at position 15. Expected AND, OR or the end of the filter"},
        ErrorCase{"(status = 'OK'",
                  "Unexpected the end of the filter at position 15. Expected AND, OR or ')' to close "
                  "the '(' at position 1"},
        ErrorCase{"status = 'OK')",
                  "Unexpected ')' at position 14. Expected AND, OR or the end of the filter"},
        ErrorCase{"()", "Expected a comparison such as status = 'OK', found ')' at position 2"},
        ErrorCase{"tags.x = 'a'; DROP TABLE traces", "Unexpected character ';' at position 13"},
        ErrorCase{"tags.x = 'a", "Unterminated string literal starting at position 10"},
        ErrorCase{"`tags.x = 'a'", "Unterminated quoted identifier starting at position 1"},
        ErrorCase{"tags. = 'x'", "Expected a key after '.' at position 6"},
        ErrorCase{"status != 'OK' AND tags.x = '\xff'", "Invalid UTF-8 byte at position 30"}));

TEST(FilterLimitsTest, RejectsFilterLongerThan64KiB) {
  std::string filter = "tags.big = '" + std::string(kMaxFilterBytes, 'x') + "'";
  EXPECT_EQ(ErrorOf(filter), "Filter is 65549 bytes long; the maximum is 65536");
  EXPECT_EQ(ErrorOf(std::string(kMaxFilterBytes + 1, ' ')),
            "Filter is 65537 bytes long; the maximum is 65536");
}

TEST(FilterLimitsTest, RejectsNestingDeeperThan64) {
  std::string filter =
      std::string(kMaxFilterDepth + 1, '(') + "tags.a = '1'" + std::string(kMaxFilterDepth + 1, ')');
  EXPECT_EQ(ErrorOf(filter), "Parentheses nested deeper than 64 levels at position 65");
}

TEST(FilterLimitsTest, HostileNestingFailsFastWithoutExhaustingTheStack) {
  // 60000 open parentheses: a naive recursive parser would need ~180k frames.
  EXPECT_EQ(ErrorOf(std::string(60000, '(')),
            "Parentheses nested deeper than 64 levels at position 65");
  std::string mixed;
  for (int i = 0; i < 3000; ++i) mixed += "(tags.a = '1' OR ";
  EXPECT_EQ(ErrorOf(mixed).rfind("Parentheses nested deeper than 64 levels", 0), 0u);
}

TEST(FilterLimitsTest, RejectsMoreThan1000Comparisons) {
  std::string filter;
  for (int i = 0; i <= kMaxFilterComparisons; ++i) {
    if (i) filter += " OR ";
    filter += "tags.a = '1'";
  }
  const size_t last = filter.rfind("tags.a");
  EXPECT_EQ(ErrorOf(filter),
            "Filter has more than 1000 comparisons at position " + std::to_string(last + 1));
}

TEST(FilterLimitsTest, ErrorMessagesQuoteOnlyAShortPrintableExcerpt) {
  const std::string secret(10000, 's');
  std::string message = ErrorOf("tags.x = " + secret);
  EXPECT_LT(message.size(), 200u) << message;
  EXPECT_NE(message.find("'sss"), std::string::npos);
  message = ErrorOf("tags.x = `a\nb\x01`");
  EXPECT_EQ(message.find('\n'), std::string::npos);
  EXPECT_EQ(message.find('\x01'), std::string::npos);
}

}  // namespace
}  // namespace tracelake::query
