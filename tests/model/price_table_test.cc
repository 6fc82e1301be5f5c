#include "model/price_table.h"

#include <gtest/gtest.h>

namespace tracelake::model {
namespace {

TEST(PriceTableTest, ShippedTableParsesAndPricesCommonModels) {
  const PriceTable& t = PriceTable::Default();
  EXPECT_GT(t.size(), 20u);
  for (const char* m : {"gpt-4o", "gpt-4o-mini", "claude-3-5-sonnet", "gemini-2.0-flash"})
    EXPECT_TRUE(t.Find(m).has_value()) << m;
}

TEST(PriceTableTest, MatchesVersionedAndProviderPrefixedNames) {
  auto t = PriceTable::FromJson(R"({"models": {
      "gpt-4o": {"input": 2.5, "output": 10},
      "gpt-4o-mini": {"input": 0.15, "output": 0.6}}})");
  ASSERT_TRUE(t.ok());
  EXPECT_DOUBLE_EQ(t->Find("gpt-4o-2024-08-06")->input_per_million, 2.5);
  EXPECT_DOUBLE_EQ(t->Find("gpt-4o-mini-2024-07-18")->input_per_million, 0.15);
  EXPECT_DOUBLE_EQ(t->Find("openai/GPT-4o")->output_per_million, 10);
  EXPECT_FALSE(t->Find("gpt-4oxyz").has_value());
  EXPECT_FALSE(t->Find("gpt-4").has_value());
  EXPECT_FALSE(t->Find("").has_value());
}

TEST(PriceTableTest, CostSeparatesCachedInputTokens) {
  auto t = PriceTable::FromJson(R"({"models": {
      "m": {"input": 2, "cached_input": 0.5, "output": 8},
      "n": {"input": 1, "output": 4}}})");
  ASSERT_TRUE(t.ok());
  TokenUsage u;
  u.input_tokens = 1'000'000;  // includes the cached ones
  u.cached_input_tokens = 400'000;
  u.output_tokens = 500'000;
  // 600K uncached x 2 + 400K cached x 0.5 + 500K x 8, per million.
  EXPECT_DOUBLE_EQ(*t->Cost("m", u), 1.2 + 0.2 + 4.0);
  // No cached price: cached tokens pay the input price.
  EXPECT_DOUBLE_EQ(*t->Cost("n", u), 1.0 + 2.0);
  EXPECT_FALSE(t->Cost("unknown-model", u).has_value());
}

TEST(PriceTableTest, OverridesReplaceAndAddEntries) {
  PriceTable t = PriceTable::Default();
  auto overrides = PriceTable::FromJson(R"({"models": {
      "gpt-4o": {"input": 1, "output": 1}, "in-house-llm": {"input": 0.5, "output": 0.5}}})");
  ASSERT_TRUE(overrides.ok());
  t.MergeFrom(*overrides);
  EXPECT_DOUBLE_EQ(t.Find("gpt-4o")->input_per_million, 1);
  EXPECT_TRUE(t.Find("in-house-llm").has_value());
  EXPECT_TRUE(t.Find("claude-3-haiku").has_value());
}

TEST(PriceTableTest, RejectsMalformedTables) {
  for (const char* bad : {"", "[]", "{}", R"({"models": []})", R"({"models": {"m": 3}})",
                          R"({"models": {"m": {"input": 1}}})",
                          R"({"models": {"m": {"input": -1, "output": 1}}})",
                          R"({"models": {"m": {"input": "1", "output": 1}}})"}) {
    EXPECT_EQ(PriceTable::FromJson(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace tracelake::model
