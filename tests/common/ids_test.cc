#include "common/ids.h"

#include <gtest/gtest.h>

namespace tracelake {
namespace {

TEST(IdsTest, HexRoundTrip) {
  auto id = TraceId::FromHex("0102030405060708090a0b0c0d0e0f10");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->Hex(), "0102030405060708090a0b0c0d0e0f10");
  EXPECT_EQ(MlflowTraceId(*id), "tr-0102030405060708090a0b0c0d0e0f10");
}

TEST(IdsTest, RejectsBadHex) {
  EXPECT_FALSE(TraceId::FromHex("zz02030405060708090a0b0c0d0e0f10").has_value());
  EXPECT_FALSE(TraceId::FromHex("0102").has_value());
  EXPECT_FALSE(SpanId::FromHex("").has_value());
}

TEST(IdsTest, ParsesMlflowTraceIdWithOrWithoutPrefix) {
  EXPECT_TRUE(ParseMlflowTraceId("tr-0102030405060708090a0b0c0d0e0f10").has_value());
  EXPECT_TRUE(ParseMlflowTraceId("0102030405060708090a0b0c0d0e0f10").has_value());
  EXPECT_FALSE(ParseMlflowTraceId("tr-123").has_value());
  EXPECT_FALSE(ParseMlflowTraceId("xx-0102030405060708090a0b0c0d0e0f10").has_value());
}

TEST(IdsTest, SpanIdIntRoundTrip) {
  auto id = SpanId::FromHex("ff00000000000001");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(SpanIdFromInt(SpanIdToInt(*id)), *id);
  EXPECT_LT(SpanIdToInt(*id), 0);
}

}  // namespace
}  // namespace tracelake
