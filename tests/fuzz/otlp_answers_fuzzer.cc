// libFuzzer target: CheckAnswers, the export answers the SDK reads (see otlp_fuzz_checks.h).
#include <cstddef>
#include <cstdint>

#include "otlp_fuzz_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tracelake::fuzz::CheckAnswers(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
