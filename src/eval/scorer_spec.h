// Scorers named in a request: what `tracelake eval run --scorer ...` and the evaluations REST
// take. A spec is a JSON object (or a bare name):
//
//   "correctness"                                   a built-in judge or code scorer by name
//   {"name": "guidelines", "guidelines": ["Answer in English."], "assessment_name": "english",
//    "model": "openai:/gpt-4o-mini"}                a built-in judge with options
//   {"name": "contains_keywords", "options": {"keywords": ["Paris"]}}   a code scorer
//   {"instructions": "Is {{ outputs }} polite?", "assessment_name": "polite"}   a custom judge
//   {"serialized_scorer": {...}}                    MLflow's serialized form
//   {"registered": "my_judge", "version": 2}        registered in the experiment (scorers REST)
//
// Command and HTTP scorers are not specs: they come only from the server's own configuration
// (eval/external_scorers.h) and are named with {"server_scorer": "<name>"}.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eval/scorer.h"
#include "llm/http_client.h"
#include "tracelake/status.h"

namespace tracelake::eval {

struct ScorerSpecContext {
  // The serialized_scorer JSON text of a registered scorer (latest version when absent).
  // Null: registered scorers are not available.
  std::function<Result<std::string>(const std::string& name, std::optional<int64_t> version)>
      registered;
  // Scorers from the server's configuration, by name (borrowed).
  const std::map<std::string, const Scorer*>* server_scorers = nullptr;
  // The judge model for judges whose spec names none ("" keeps JudgeModels' default).
  std::string default_model;
};

// A scorer the caller owns, or a borrowed server scorer (owned is null then).
struct ResolvedScorer {
  std::unique_ptr<Scorer> owned;
  const Scorer* scorer = nullptr;
};

// kInvalidArgument naming what is wrong (an unknown scorer lists the known names); kNotFound for
// an unknown registered or server scorer.
Result<ResolvedScorer> MakeScorerFromSpec(const Json& spec, const ScorerSpecContext& ctx);

// The spec's canonical JSON (a bare name becomes {"name": ...}), for storing with a run.
Json CanonicalScorerSpec(const Json& spec);

// The command and HTTP scorers of a server's configuration file (`tracelake server
// --scorers-config FILE`; never from a request, since a command scorer runs a program):
//
//   {"scorers": [
//     {"name": "lint", "command": ["/usr/local/bin/check-answer", "--strict"],
//      "timeout_seconds": 10, "max_output_bytes": 1048576},
//     {"name": "policy", "url": "http://127.0.0.1:9000/score", "timeout_seconds": 5,
//      "headers": {"Authorization": "Bearer ..."}}]}
//
// kInvalidArgument naming the entry and field that is wrong. `http` is borrowed by the HTTP
// scorers and must outlive them.
Result<std::vector<std::unique_ptr<Scorer>>> ParseServerScorers(std::string_view json_text,
                                                                llm::HttpClient& http);

}  // namespace tracelake::eval
