// Small helpers shared by the SqliteTraceStore source files.
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

}  // namespace tracelake::storage::sqlite
