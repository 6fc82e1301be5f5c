// Code scorers: deterministic checks with MLflow's names where MLflow has them
// (builtin_code_scorers.py): exact_match, contains_keywords, regex_match, json_validity,
// length_bound, is_not_empty, numeric_bound, pii_detection, latency_threshold; and trace checks
// of our own: no_error_spans, token_budget, cost_budget, tool_called, tool_call_order.
//
// Each answers a boolean (true = the check passed) with a rationale and source CODE with the
// scorer's name. A check that cannot be made (no trace, no expected response, a trace that
// reports no tokens) is an unknown feedback with kErrMissingInput, never a pass.
// pii_detection passes (true) when the output holds NO personal data; its rationale names the
// kinds found (email, phone, ssn, credit_card), never the values.
//
//   auto s = eval::MakeCodeScorer("contains_keywords", {{"keywords", {"Paris"}}});
//   std::vector<eval::Feedback> f = (*s)->Score(input, ctx);
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eval/scorer.h"
#include "model/price_table.h"
#include "tracelake/status.h"

namespace tracelake::eval {

// Every option struct's `name` overrides the assessment name (default: the scorer's own).
struct ExactMatchOptions {
  std::string name;
  bool case_sensitive = true;
  bool trim = true;  // ignore leading / trailing white space
};
struct ContainsKeywordsOptions {
  std::string name;
  std::vector<std::string> keywords;  // non-empty
  bool require_all = true;            // false: any one keyword is enough
  bool case_sensitive = false;
};
struct RegexMatchOptions {
  std::string name;
  std::string pattern;      // RE2 syntax (linear time: safe on any output)
  bool full_match = false;  // the whole output must match, not a part
};
struct JsonValidityOptions {
  std::string name;
  std::vector<std::string> required_keys;  // top-level keys the object must have
};
enum class LengthUnit : uint8_t { kChars, kWords };
struct LengthBoundOptions {
  std::string name;
  std::optional<int64_t> min_length;
  std::optional<int64_t> max_length;
  LengthUnit unit = LengthUnit::kChars;  // chars are Unicode code points
};
struct IsNotEmptyOptions {
  std::string name;
};
struct NumericBoundOptions {
  std::string name;
  std::optional<double> min_value;
  std::optional<double> max_value;
};
struct PiiDetectionOptions {
  std::string name;
};
struct LatencyThresholdOptions {
  std::string name;
  double max_latency_seconds = 0;  // > 0
};
struct NoErrorSpansOptions {
  std::string name;
};
struct TokenBudgetOptions {
  std::string name;
  int64_t max_total_tokens = 0;  // > 0
};
struct CostBudgetOptions {
  std::string name;
  double max_cost_usd = 0;  // > 0
  // Prices spans that carry no cost; borrowed, null for none.
  const model::PriceTable* prices = &model::PriceTable::Default();
};
struct ToolCalledOptions {
  std::string name;
  std::string tool_name;  // a TOOL span with this name must exist
};
struct ToolCallOrderOptions {
  std::string name;
  std::vector<std::string> tool_names;  // non-empty
  bool strict = false;  // exactly these calls in this order; else in order, others between
};

std::unique_ptr<Scorer> ExactMatch(ExactMatchOptions options = {});
// kInvalidArgument: no keywords, or an empty one.
Result<std::unique_ptr<Scorer>> ContainsKeywords(ContainsKeywordsOptions options);
// kInvalidArgument: an empty or invalid pattern.
Result<std::unique_ptr<Scorer>> RegexMatch(RegexMatchOptions options);
std::unique_ptr<Scorer> JsonValidity(JsonValidityOptions options = {});
// kInvalidArgument: no bound, a negative one, or min > max.
Result<std::unique_ptr<Scorer>> LengthBound(LengthBoundOptions options);
std::unique_ptr<Scorer> IsNotEmpty(const IsNotEmptyOptions& options = {});
// kInvalidArgument: no bound or min > max.
Result<std::unique_ptr<Scorer>> NumericBound(NumericBoundOptions options);
std::unique_ptr<Scorer> PiiDetection(const PiiDetectionOptions& options = {});
// kInvalidArgument: a threshold that is not positive.
Result<std::unique_ptr<Scorer>> LatencyThreshold(LatencyThresholdOptions options);
std::unique_ptr<Scorer> NoErrorSpans(const NoErrorSpansOptions& options = {});
Result<std::unique_ptr<Scorer>> TokenBudget(TokenBudgetOptions options);
Result<std::unique_ptr<Scorer>> CostBudget(CostBudgetOptions options);
// kInvalidArgument: an empty tool name / list.
Result<std::unique_ptr<Scorer>> ToolCalled(ToolCalledOptions options);
Result<std::unique_ptr<Scorer>> ToolCallOrder(ToolCallOrderOptions options);

// By scorer name with its options as a JSON object, as a config file or request names them:
//   exact_match {case_sensitive, trim}, contains_keywords {keywords, require_all,
//   case_sensitive}, regex_match {pattern, full_match}, json_validity {required_keys},
//   length_bound {min_length, max_length, unit: "chars"|"words"}, is_not_empty,
//   numeric_bound {min_value, max_value}, pii_detection, latency_threshold
//   {max_latency_seconds}, no_error_spans, token_budget {max_total_tokens}, cost_budget
//   {max_cost_usd}, tool_called {tool_name}, tool_call_order {tool_names, strict};
// every one also takes "name". kNotFound for an unknown scorer (the message lists the known
// ones), kInvalidArgument for an option of the wrong type, an unknown option or a bad value.
Result<std::unique_ptr<Scorer>> MakeCodeScorer(std::string_view scorer, const Json& options);

// The names MakeCodeScorer knows.
std::vector<std::string> CodeScorerNames();

}  // namespace tracelake::eval
