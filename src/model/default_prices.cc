// The price table shipped in the binary (USD per million tokens, list prices of each provider's
// standard tier as published in mid-2025). Deployments override entries with
// `tracelake server --prices FILE` (same JSON form); docs/metrics.md explains the matching.
#include <cstdlib>

#include "model/price_table.h"

namespace tracelake::model {
namespace {

constexpr const char* kDefaultPrices = R"json({
  "models": {
    "gpt-5":             {"input": 1.25,  "cached_input": 0.125, "output": 10.0},
    "gpt-5-mini":        {"input": 0.25,  "cached_input": 0.025, "output": 2.0},
    "gpt-5-nano":        {"input": 0.05,  "cached_input": 0.005, "output": 0.40},
    "gpt-4.1":           {"input": 2.0,   "cached_input": 0.50,  "output": 8.0},
    "gpt-4.1-mini":      {"input": 0.40,  "cached_input": 0.10,  "output": 1.60},
    "gpt-4.1-nano":      {"input": 0.10,  "cached_input": 0.025, "output": 0.40},
    "gpt-4o":            {"input": 2.50,  "cached_input": 1.25,  "output": 10.0},
    "gpt-4o-mini":       {"input": 0.15,  "cached_input": 0.075, "output": 0.60},
    "gpt-4-turbo":       {"input": 10.0,  "output": 30.0},
    "gpt-4":             {"input": 30.0,  "output": 60.0},
    "gpt-3.5-turbo":     {"input": 0.50,  "output": 1.50},
    "o1":                {"input": 15.0,  "cached_input": 7.50,  "output": 60.0},
    "o1-mini":           {"input": 1.10,  "cached_input": 0.55,  "output": 4.40},
    "o3":                {"input": 2.0,   "cached_input": 0.50,  "output": 8.0},
    "o3-mini":           {"input": 1.10,  "cached_input": 0.55,  "output": 4.40},
    "o4-mini":           {"input": 1.10,  "cached_input": 0.275, "output": 4.40},
    "text-embedding-3-small": {"input": 0.02, "output": 0},
    "text-embedding-3-large": {"input": 0.13, "output": 0},
    "claude-opus-4":     {"input": 15.0,  "cached_input": 1.50,  "output": 75.0},
    "claude-opus-4-1":   {"input": 15.0,  "cached_input": 1.50,  "output": 75.0},
    "claude-sonnet-4":   {"input": 3.0,   "cached_input": 0.30,  "output": 15.0},
    "claude-3-7-sonnet": {"input": 3.0,   "cached_input": 0.30,  "output": 15.0},
    "claude-3-5-sonnet": {"input": 3.0,   "cached_input": 0.30,  "output": 15.0},
    "claude-3-5-haiku":  {"input": 0.80,  "cached_input": 0.08,  "output": 4.0},
    "claude-3-opus":     {"input": 15.0,  "cached_input": 1.50,  "output": 75.0},
    "claude-3-haiku":    {"input": 0.25,  "cached_input": 0.03,  "output": 1.25},
    "gemini-2.5-pro":    {"input": 1.25,  "cached_input": 0.31,  "output": 10.0},
    "gemini-2.5-flash":  {"input": 0.30,  "cached_input": 0.075, "output": 2.50},
    "gemini-2.0-flash":  {"input": 0.10,  "cached_input": 0.025, "output": 0.40},
    "gemini-1.5-pro":    {"input": 1.25,  "output": 5.0},
    "gemini-1.5-flash":  {"input": 0.075, "output": 0.30},
    "mistral-large":     {"input": 2.0,   "output": 6.0},
    "mistral-small":     {"input": 0.10,  "output": 0.30}
  }
})json";

}  // namespace

const PriceTable& PriceTable::Default() {
  static const PriceTable* table = [] {
    auto parsed = FromJson(kDefaultPrices);
    // The literal above is checked by a unit test; a broken edit must not start a server.
    if (!parsed.ok()) std::abort();
    return new PriceTable(std::move(*parsed));
  }();
  return *table;
}

}  // namespace tracelake::model
