// libFuzzer target: CheckLogsProtobuf (see otlp_fuzz_checks.h for the properties checked).
#include <cstddef>
#include <cstdint>

#include "otlp_fuzz_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tracelake::fuzz::CheckLogsProtobuf(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
