#include "server/mlflow/messages.h"

#include <string>

namespace tracelake::server {

Status ExperimentNotFoundError(std::string_view experiment_id) {
  return NotFoundError("No Experiment with id=" + std::string(experiment_id) + " exists");
}

Status ExperimentNameNotFoundError(std::string_view name) {
  return NotFoundError("Could not find experiment with name '" + std::string(name) + "'");
}

Status TraceDataNotFoundError(const TraceId& trace) {
  return NotFoundError("Trace data not found for trace " + MlflowTraceId(trace));
}

}  // namespace tracelake::server
