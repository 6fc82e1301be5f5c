#include "model/span.h"

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

}  // namespace tracelake::model
