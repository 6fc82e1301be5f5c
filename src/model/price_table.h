// PriceTable: what one token costs per model, so cost = token usage x price (docs/metrics.md).
//
// Prices are USD per million tokens: input (uncached), cached input (cache reads), output.
// Input token counts include cached ones (the OpenTelemetry GenAI convention, and OpenAI's), so
//   cost = (input - cached) * input + cached * cached_input + output * output   (/ 1e6).
// A model without a cached-input price pays the input price for cached tokens.
//
// Lookup is case-insensitive, ignores a "provider/" prefix, and falls back to the longest
// priced name the model starts with followed by '-', '@', ':' or '.' ("gpt-4o-2024-08-06" ->
// "gpt-4o", "gpt-4o-mini-2024-07-18" -> "gpt-4o-mini"). A model with no match is unpriced:
// callers report its tokens as unpriced, never as costing zero.
//
// JSON form (the shipped table and --prices files):
//   {"models": {"gpt-4o": {"input": 2.5, "cached_input": 1.25, "output": 10}}}
//
// Immutable after loading; safe for concurrent use.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "model/span.h"
#include "tracelake/status.h"

namespace tracelake::model {

struct ModelPrice {
  double input_per_million = 0;
  double output_per_million = 0;
  std::optional<double> cached_input_per_million;
};

class PriceTable {
 public:
  // The table shipped in the binary (model/default_prices.cc).
  static const PriceTable& Default();
  // Parses the JSON form. kInvalidArgument naming the offending entry.
  static Result<PriceTable> FromJson(std::string_view json);

  // Entries of `overrides` replace same-named ones here; others are added.
  void MergeFrom(const PriceTable& overrides);

  std::optional<ModelPrice> Find(std::string_view model) const;
  // USD for `usage` on `model`; nullopt when the model is unpriced.
  std::optional<double> Cost(std::string_view model, const TokenUsage& usage) const;
  static double Cost(const ModelPrice& price, int64_t input, int64_t cached, int64_t output);
  // MLflow's mlflow.llm.cost for a span with `model` and `usage` (MLflow's
  // calculate_cost_by_model_and_token_usage, mlflow/tracing/utils/__init__.py): input_cost is
  // the input tokens' (cached ones at the cached price), output_cost the output tokens',
  // total_cost their sum. nullopt, as in MLflow, when the model is empty or a gateway/endpoint
  // URI ("gateway:/", "endpoints:/"), when input and output tokens are both 0 or unreported,
  // and when the model is unpriced (never a made-up 0).
  std::optional<model::Cost> SpanCost(std::string_view model, const TokenUsage& usage) const;

  size_t size() const { return prices_.size(); }

 private:
  std::map<std::string, ModelPrice, std::less<>> prices_;  // lower-case names
};

// Stores MLflow's cost on a normalized span, as MLflow's server does when it stores spans
// (translate_span_when_storing): unless the sender set mlflow.llm.cost (kept as sent), a span
// with a priced model and token usage gets mlflow.llm.cost = SpanCost(...) and view.cost. The
// attribute joins the sender's attributes (before the derived ones), so it is stored with the
// span and survives NormalizeSpan on read; a later price change does not rewrite it.
// REQUIRES: NormalizeSpan(span) ran. Idempotent.
void PriceSpan(Span& span, const PriceTable& prices);

}  // namespace tracelake::model
