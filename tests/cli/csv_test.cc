#include "cli/csv.h"

#include <gtest/gtest.h>

#include "tests/common/status_matchers.h"

namespace tracelake::cli {
namespace {

using ::testing::ElementsAre;
using ::tracelake_testing::StatusIs;

TEST(CsvTest, ParsesQuotedFieldsWithCommasQuotesAndLineBreaks) {
  auto rows = ParseCsv("inputs,tags\r\n\"{\"\"q\"\": \"\"a,b\"\"}\",\"line1\nline2\"\n\nplain,\n");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_THAT((*rows)[0], ElementsAre("inputs", "tags"));
  EXPECT_THAT((*rows)[1], ElementsAre("{\"q\": \"a,b\"}", "line1\nline2"));
  EXPECT_THAT((*rows)[2], ElementsAre("plain", ""));
}

TEST(CsvTest, FormatThenParseRoundTrips) {
  const CsvRow row = {"{\"x\":\"say \\\"hi\\\", then\\nbye\"}", "", "a\r\nb", "plain"};
  auto rows = ParseCsv(FormatCsvRow(row) + FormatCsvRow(row));
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0], row);
  EXPECT_EQ(FormatCsvRow({"a", "b"}), "a,b\r\n");
}

TEST(CsvTest, UnterminatedQuoteNamesItsLine) {
  auto rows = ParseCsv("inputs\n\"{\"\"q\"\": 1\n");
  EXPECT_THAT(rows, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_NE(rows.status().message().find("line 2"), std::string::npos);
}

}  // namespace
}  // namespace tracelake::cli
