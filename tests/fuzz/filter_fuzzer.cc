// libFuzzer target for the trace search language (src/query). Seeds live in
// tests/fuzz/corpus/filter_fuzzer/.
//
// Checks, beyond "no crash, no sanitizer report":
//  - every failure of ParseFilter / ParseOrderBy is kInvalidArgument with a message;
//  - every parsed filter prints (ToString) to text that parses again to the same text.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "query/filter.h"

namespace {

void Fail(const char* what, std::string_view input) {
  std::fprintf(stderr, "filter_fuzzer: %s\ninput: %.*s\n", what, static_cast<int>(input.size()),
               input.data());
  std::abort();
}

void CheckError(const tracelake::Status& status, std::string_view input) {
  if (status.code() != tracelake::StatusCode::kInvalidArgument) Fail("error is not kInvalidArgument", input);
  if (status.message().empty()) Fail("error without a message", input);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using tracelake::query::ParseFilter;
  using tracelake::query::ParseOrderBy;
  using tracelake::query::ToString;
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  auto expr = ParseFilter(input);
  if (!expr.ok()) {
    CheckError(expr.status(), input);
  } else if (*expr != nullptr) {
    const std::string canonical = ToString(**expr);
    auto again = ParseFilter(canonical);
    if (!again.ok() || *again == nullptr) Fail("canonical text does not parse", canonical);
    if (ToString(**again) != canonical) Fail("canonical text is not a fixed point", canonical);
  }

  // The same bytes as order_by clauses, one per line.
  std::vector<std::string> clauses;
  size_t start = 0;
  while (start <= input.size() && clauses.size() < 64) {
    size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    clauses.emplace_back(input.substr(start, end - start));
    start = end + 1;
  }
  auto order = ParseOrderBy(clauses);
  if (!order.ok()) CheckError(order.status(), input);
  return 0;
}
