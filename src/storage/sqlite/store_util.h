// Small helpers shared by the SQLite backend's source files.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "tracelake/status.h"

namespace tracelake::storage::sqlite {

// Wall-clock milliseconds, MLflow's unit for experiment and assessment times.
inline int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Experiment ids are decimal text ("0", "17"); anything else is kInvalidArgument.
inline Result<int64_t> ParseExperimentId(const std::string& id) {
  if (id.empty() || id.size() > 18 || id.find_first_not_of("0123456789") != std::string::npos)
    return InvalidArgumentError("Invalid experiment id '" + id.substr(0, 40) +
                                "': expected decimal digits");
  return std::stoll(id);
}

// MLflow's names of a stored traces.state (low 2 bits) and spans.status (low 2 bits).
inline const char* TraceStateName(int64_t state) {
  switch (state & 3) {
    case 1:
      return "OK";
    case 2:
      return "ERROR";
    case 3:
      return "IN_PROGRESS";
    default:
      return "STATE_UNSPECIFIED";
  }
}
inline const char* SpanStatusName(int64_t status) {
  switch (status & 3) {
    case 1:
      return "OK";
    case 2:
      return "ERROR";
    default:
      return "UNSET";
  }
}

}  // namespace tracelake::storage::sqlite
