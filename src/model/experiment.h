#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace tracelake::model {

enum class LifecycleStage : uint8_t { kActive, kDeleted };

struct Experiment {
  std::string experiment_id;  // decimal digits; "0" is "Default"
  std::string name;
  std::string artifact_location;
  LifecycleStage lifecycle_stage = LifecycleStage::kActive;
  int64_t creation_time_ms = 0;
  int64_t last_update_time_ms = 0;
  std::map<std::string, std::string> tags;
};

}  // namespace tracelake::model
