// MLflow's own wording for experiments and traces that do not exist. MLflow's clients and users
// match on these texts (e.g. "No Experiment with id=..." from mlflow/store/tracking), so every
// server site that reports one calls these instead of spelling the message again.
#pragma once

#include <string_view>

#include "common/ids.h"
#include "tracelake/status.h"

namespace tracelake::server {

// kNotFound: "No Experiment with id=<id> exists".
Status ExperimentNotFoundError(std::string_view experiment_id);
// kNotFound: "Could not find experiment with name '<name>'".
Status ExperimentNameNotFoundError(std::string_view name);
// kNotFound: "Trace data not found for trace tr-<hex>" (a trace with no stored spans, or one
// that lives in another experiment than the artifact path says).
Status TraceDataNotFoundError(const TraceId& trace);

}  // namespace tracelake::server
