#include "model/price_table.h"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

namespace tracelake::model {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsVersionSeparator(char c) { return c == '-' || c == '@' || c == ':' || c == '.'; }

Result<double> ReadPrice(const nlohmann::json& entry, const char* field, const std::string& model,
                         bool required) {
  auto it = entry.find(field);
  if (it == entry.end() || it->is_null()) {
    if (required)
      return InvalidArgumentError("Price of model '" + model + "' lacks \"" + field + "\"");
    return -1.0;
  }
  if (!it->is_number() || it->get<double>() < 0)
    return InvalidArgumentError("Price \"" + std::string(field) + "\" of model '" + model +
                                "' must be a non-negative number (USD per million tokens)");
  return it->get<double>();
}

}  // namespace

Result<PriceTable> PriceTable::FromJson(std::string_view json) {
  nlohmann::json doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object())
    return InvalidArgumentError("The price table is not a JSON object");
  auto models = doc.find("models");
  if (models == doc.end() || !models->is_object())
    return InvalidArgumentError("The price table needs a \"models\" object");
  PriceTable table;
  for (const auto& [name, entry] : models->items()) {
    if (name.empty() || !entry.is_object())
      return InvalidArgumentError("Price of model '" + name + "' must be an object");
    ModelPrice p;
    ASSIGN_OR_RETURN(p.input_per_million, ReadPrice(entry, "input", name, true));
    ASSIGN_OR_RETURN(p.output_per_million, ReadPrice(entry, "output", name, true));
    ASSIGN_OR_RETURN(double cached, ReadPrice(entry, "cached_input", name, false));
    if (cached >= 0) p.cached_input_per_million = cached;
    table.prices_[Lower(name)] = p;
  }
  return table;
}

void PriceTable::MergeFrom(const PriceTable& overrides) {
  for (const auto& [name, price] : overrides.prices_) prices_[name] = price;
}

std::optional<ModelPrice> PriceTable::Find(std::string_view model) const {
  if (model.empty()) return std::nullopt;
  std::string name = Lower(model);
  if (auto it = prices_.find(name); it != prices_.end()) return it->second;
  if (auto slash = name.rfind('/'); slash != std::string::npos) {
    name = name.substr(slash + 1);
    if (auto it = prices_.find(name); it != prices_.end()) return it->second;
  }
  // Longest priced prefix that ends at a version separator.
  const ModelPrice* best = nullptr;
  size_t best_len = 0;
  for (const auto& [key, price] : prices_) {
    if (key.size() < name.size() && key.size() > best_len && name.starts_with(key) &&
        IsVersionSeparator(name[key.size()])) {
      best = &price;
      best_len = key.size();
    }
  }
  if (best == nullptr) return std::nullopt;
  return *best;
}

double PriceTable::Cost(const ModelPrice& price, int64_t input, int64_t cached, int64_t output) {
  const int64_t uncached = std::max<int64_t>(0, input - cached);
  const double cached_price = price.cached_input_per_million.value_or(price.input_per_million);
  return (static_cast<double>(uncached) * price.input_per_million +
          static_cast<double>(cached) * cached_price +
          static_cast<double>(output) * price.output_per_million) /
         1e6;
}

std::optional<double> PriceTable::Cost(std::string_view model, const TokenUsage& usage) const {
  auto price = Find(model);
  if (!price) return std::nullopt;
  return Cost(*price, usage.input_tokens.value_or(0), usage.cached_input_tokens.value_or(0),
              usage.output_tokens.value_or(0));
}

std::optional<model::Cost> PriceTable::SpanCost(std::string_view model, const TokenUsage& usage) const {
  if (model.empty() || model.starts_with("gateway:/") || model.starts_with("endpoints:/"))
    return std::nullopt;
  const int64_t input = usage.input_tokens.value_or(0);
  const int64_t output = usage.output_tokens.value_or(0);
  if (input == 0 && output == 0) return std::nullopt;
  auto price = Find(model);
  if (!price) return std::nullopt;
  model::Cost c;
  c.input_cost = Cost(*price, input, usage.cached_input_tokens.value_or(0), 0);
  c.output_cost = Cost(*price, 0, 0, output);
  c.total_cost = c.input_cost + c.output_cost;
  return c;
}

void PriceSpan(Span& span, const PriceTable& prices) {
  Attributes& attrs = span.attributes;
  const size_t derived = std::min(span.view.derived_attribute_count, attrs.size());
  const auto sender_end = attrs.end() - static_cast<std::ptrdiff_t>(derived);
  for (auto it = attrs.begin(); it != sender_end; ++it)
    if (it->key == "mlflow.llm.cost") return;  // the sender's (or an earlier call's) wins
  std::optional<Cost> cost = prices.SpanCost(span.view.model, span.view.usage);
  if (!cost) return;
  attrs.insert(sender_end, KeyValue{"mlflow.llm.cost", AnyValue(cost->ToMlflowJson())});
  span.view.cost = cost;
}

}  // namespace tracelake::model
