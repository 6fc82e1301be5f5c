// MLflow's random run names ("adjective-noun-number", e.g. "bold-owl-417") for runs created
// without one. Confine `rng` to one thread.
#pragma once

#include <random>
#include <string>

namespace tracelake::storage {

std::string RandomRunName(std::mt19937_64& rng);

}  // namespace tracelake::storage
