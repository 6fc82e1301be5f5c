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

  size_t size() const { return prices_.size(); }

 private:
  std::map<std::string, ModelPrice, std::less<>> prices_;  // lower-case names
};

}  // namespace tracelake::model
