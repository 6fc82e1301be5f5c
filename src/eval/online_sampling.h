// Which live traces a scorer sees, as MLflow's online scoring decides it
// (mlflow/genai/scorers/online/sampler.py): dense, deterministic sampling. Scorers are sorted by
// sample rate, highest first; scorer S is taken for entity E (a trace id "tr-...") when
// sha256("E:S") / 2^256 <= rate_S / rate_prev, and the walk stops at the first scorer not
// taken. So a trace chosen for a 10% scorer is also among those a 50% scorer sees, and the same
// trace is always chosen the same way (after a restart too).
//
//   std::vector<size_t> picked = eval::DenseSample("tr-...", {{"safety", 0.5}, {"fluency", 0.1}});
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace tracelake::eval {

struct SampledScorer {
  std::string name;
  double sample_rate = 0;  // 0..1
};

// The indices (into `scorers`) of the scorers that score `entity_id`, highest rate first.
std::vector<size_t> DenseSample(std::string_view entity_id,
                                const std::vector<SampledScorer>& scorers);

// sha256("<entity_id>:<scorer>") as a fraction in [0, 1).
double SampleHash(std::string_view entity_id, std::string_view scorer);

}  // namespace tracelake::eval
