#include "model/price_table.h"

#include <gtest/gtest.h>

#include "model/normalize.h"

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

namespace tracelake::model {
namespace {

PriceTable TwoModels() {
  auto t = PriceTable::FromJson(R"({"models": {
      "gpt-4o": {"input": 2.5, "cached_input": 1.25, "output": 10},
      "text-embedding-3-small": {"input": 0.02, "output": 0}}})");
  EXPECT_TRUE(t.ok());
  return *t;
}

TokenUsage Usage(std::optional<int64_t> in, std::optional<int64_t> out,
                 std::optional<int64_t> cached = std::nullopt) {
  TokenUsage u;
  u.input_tokens = in;
  u.output_tokens = out;
  u.cached_input_tokens = cached;
  u.Complete();
  return u;
}

TEST(SpanCostTest, SplitsInputAndOutputAsMlflowDoes) {
  const PriceTable t = TwoModels();
  auto c = t.SpanCost("gpt-4o-2024-08-06", Usage(1000, 100, 200));
  ASSERT_TRUE(c.has_value());
  EXPECT_DOUBLE_EQ(c->input_cost, (800 * 2.5 + 200 * 1.25) / 1e6);
  EXPECT_DOUBLE_EQ(c->output_cost, 100 * 10 / 1e6);
  EXPECT_DOUBLE_EQ(c->total_cost, c->input_cost + c->output_cost);
  // Embeddings: input only.
  auto e = t.SpanCost("text-embedding-3-small", Usage(15, std::nullopt));
  ASSERT_TRUE(e.has_value());
  EXPECT_DOUBLE_EQ(e->input_cost, 15 * 0.02 / 1e6);
  EXPECT_EQ(e->output_cost, 0);
}

TEST(SpanCostTest, NoCostRatherThanAMadeUpZero) {
  const PriceTable t = TwoModels();
  EXPECT_FALSE(t.SpanCost("mystery-model", Usage(10, 5)).has_value());   // unpriced
  EXPECT_FALSE(t.SpanCost("", Usage(10, 5)).has_value());                // no model
  EXPECT_FALSE(t.SpanCost("gpt-4o", Usage(0, 0)).has_value());           // no tokens (MLflow)
  EXPECT_FALSE(t.SpanCost("gpt-4o", TokenUsage{}).has_value());
  EXPECT_FALSE(t.SpanCost("gateway:/gpt-4o", Usage(10, 5)).has_value());  // MLflow skips these
  EXPECT_FALSE(t.SpanCost("endpoints:/gpt-4o", Usage(10, 5)).has_value());
}

TEST(CostJsonTest, WritesPythonJsonAndReadsItBack) {
  Cost c{0.0001, 2.5e-05, 0.000125};
  EXPECT_EQ(c.ToMlflowJson(),
            R"({"input_cost": 0.0001, "output_cost": 2.5e-05, "total_cost": 0.000125})");
  EXPECT_EQ(Cost{}.ToMlflowJson(), R"({"input_cost": 0.0, "output_cost": 0.0, "total_cost": 0.0})");
  auto back = Cost::FromMlflowJson(c.ToMlflowJson());
  ASSERT_TRUE(back.has_value());
  EXPECT_DOUBLE_EQ(back->total_cost, 0.000125);
  auto partial = Cost::FromMlflowJson(R"({"input_cost": 1, "output_cost": 2})");
  ASSERT_TRUE(partial.has_value());
  EXPECT_DOUBLE_EQ(partial->total_cost, 3);
  EXPECT_FALSE(Cost::FromMlflowJson("{}").has_value());
  EXPECT_FALSE(Cost::FromMlflowJson(R"({"total_cost": "x"})").has_value());
  EXPECT_FALSE(Cost::FromMlflowJson("not json").has_value());
  EXPECT_EQ(PythonFloatRepr(50), "50.0");
  EXPECT_EQ(PythonFloatRepr(1e-05), "1e-05");
}

Span ChatSpan(Attributes attrs) {
  Span s;
  s.trace_id = *TraceId::FromHex("0123456789abcdef0123456789abcdef");
  s.span_id = *SpanId::FromHex("0123456789abcdef");
  s.attributes = std::move(attrs);
  NormalizeSpan(s);
  return s;
}

const AnyValue* Find(const Span& s, std::string_view key) {
  for (const auto& kv : s.attributes)
    if (kv.key == key) return &kv.value;
  return nullptr;
}

TEST(PriceSpanTest, StoresCostAsASenderAttributeThatSurvivesNormalization) {
  const PriceTable t = TwoModels();
  Span s = ChatSpan({{"gen_ai.request.model", AnyValue("gpt-4o")},
                     {"gen_ai.usage.input_tokens", AnyValue(int64_t{1000})},
                     {"gen_ai.usage.output_tokens", AnyValue(int64_t{100})}});
  const size_t derived = s.view.derived_attribute_count;
  PriceSpan(s, t);
  ASSERT_TRUE(s.view.cost.has_value());
  EXPECT_DOUBLE_EQ(s.view.cost->total_cost, (1000 * 2.5 + 100 * 10) / 1e6);
  const AnyValue* attr = Find(s, "mlflow.llm.cost");
  ASSERT_NE(attr, nullptr);
  EXPECT_EQ(attr->as_string(), s.view.cost->ToMlflowJson());
  EXPECT_EQ(s.view.derived_attribute_count, derived);
  // Normalizing again (as a read does) keeps it and derives the same view.
  NormalizeSpan(s);
  ASSERT_TRUE(s.view.cost.has_value());
  EXPECT_DOUBLE_EQ(s.view.cost->total_cost, (1000 * 2.5 + 100 * 10) / 1e6);
  // Idempotent.
  const size_t n = s.attributes.size();
  PriceSpan(s, t);
  EXPECT_EQ(s.attributes.size(), n);
}

TEST(PriceSpanTest, SenderCostIsKeptAndUnpricedSpansGetNone) {
  const PriceTable t = TwoModels();
  Span sent = ChatSpan({{"gen_ai.request.model", AnyValue("gpt-4o")},
                        {"gen_ai.usage.input_tokens", AnyValue(int64_t{1000})},
                        {"mlflow.llm.cost", AnyValue(R"({"input_cost": 1.5, "output_cost": 0.5, "total_cost": 2.0})")}});
  PriceSpan(sent, t);
  ASSERT_TRUE(sent.view.cost.has_value());
  EXPECT_EQ(sent.view.cost->total_cost, 2.0);
  int count = 0;
  for (const auto& kv : sent.attributes) count += kv.key == "mlflow.llm.cost";
  EXPECT_EQ(count, 1);

  Span unpriced = ChatSpan({{"gen_ai.request.model", AnyValue("mystery")},
                            {"gen_ai.usage.input_tokens", AnyValue(int64_t{10})}});
  PriceSpan(unpriced, t);
  EXPECT_FALSE(unpriced.view.cost.has_value());
  EXPECT_EQ(Find(unpriced, "mlflow.llm.cost"), nullptr);
}

}  // namespace
}  // namespace tracelake::model
