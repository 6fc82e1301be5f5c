#include "model/span.h"

#include <string>

namespace tracelake::model {

void TokenUsage::Add(const TokenUsage& other) {
  auto add = [](std::optional<int64_t>& into, const std::optional<int64_t>& v) {
    if (v) into = into.value_or(0) + *v;
  };
  add(input_tokens, other.input_tokens);
  add(output_tokens, other.output_tokens);
  add(total_tokens, other.total_tokens);
  add(cached_input_tokens, other.cached_input_tokens);
}

void TokenUsage::Complete() {
  if (!input_tokens && !output_tokens && !total_tokens) return;
  if (!input_tokens) input_tokens = 0;
  if (!output_tokens) output_tokens = 0;
  int64_t sum = 0;
  if (!total_tokens && !__builtin_add_overflow(*input_tokens, *output_tokens, &sum))
    total_tokens = sum;
}

std::string TokenUsage::ToMlflowJson() const {
  std::string out = "{";
  auto add = [&out](const char* key, const std::optional<int64_t>& v) {
    if (!v) return;
    if (out.size() > 1) out += ", ";
    out += '"';
    out += key;
    out += "\": ";
    out += std::to_string(*v);
  };
  add("input_tokens", input_tokens);
  add("output_tokens", output_tokens);
  add("total_tokens", total_tokens);
  add("cache_read_input_tokens", cached_input_tokens);
  out += '}';
  return out;
}

}  // namespace tracelake::model
