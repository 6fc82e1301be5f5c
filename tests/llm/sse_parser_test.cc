// SseParser: event boundaries, line endings, comments and fields it ignores.
#include "llm/sse_parser.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tracelake::llm {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

class SseParserTest : public ::testing::Test {
 protected:
  void Feed(std::string_view bytes) { parser_.Feed(bytes, on_); }
  void Finish() { parser_.Finish(on_); }

  SseParser parser_;
  std::vector<std::string> got_;
  std::function<void(std::string_view)> on_ = [this](std::string_view d) { got_.emplace_back(d); };
};

TEST_F(SseParserTest, EventsAcrossChunkBoundariesAndLineEndings) {
  Feed("data: {\"a\"");
  Feed(":1}\r\n\r\n: keep-alive\n\nevent: x\ndata: two\ndata: lines\n\nda");
  Feed("ta: [DONE]\r\r");
  Feed("data: last");
  Finish();
  EXPECT_THAT(got_, ElementsAre("{\"a\":1}", "two\nlines", "[DONE]", "last"));
}

TEST_F(SseParserTest, CrLfSplitBetweenChunksIsOneLineEnd) {
  Feed("data: a\r");
  Feed("\n\r");
  Feed("\ndata: b\n\n");
  EXPECT_THAT(got_, ElementsAre("a", "b"));
}

TEST_F(SseParserTest, OneByteAtATime) {
  const std::string stream = "data: {\"x\": 1}\n\ndata: y\n\n";
  for (char c : stream) Feed(std::string_view(&c, 1));
  EXPECT_THAT(got_, ElementsAre("{\"x\": 1}", "y"));
}

TEST_F(SseParserTest, EventsWithoutDataAndOtherFieldsAreSkipped) {
  Feed("event: ping\nid: 7\nretry: 100\n\n: comment only\n\n");
  Finish();
  EXPECT_THAT(got_, IsEmpty());
}

TEST_F(SseParserTest, OnlyOneLeadingSpaceIsStrippedAndEmptyDataCounts) {
  Feed("data:  two spaces\n\ndata:\n\ndata:no-space\n\n");
  EXPECT_THAT(got_, ElementsAre(" two spaces", "", "no-space"));
}

TEST_F(SseParserTest, FinishWithoutPendingEventDeliversNothing) {
  Feed("data: a\n\n");
  Finish();
  Finish();
  EXPECT_THAT(got_, ElementsAre("a"));
}

}  // namespace
}  // namespace tracelake::llm
