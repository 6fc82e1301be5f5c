// Scorers users add without rebuilding tracelake. Both send the record and its trace as one
// JSON document:
//   {"scorer": "<name>", "inputs": ..., "outputs": ..., "expectations": ...,
//    "trace": {"trace_id": "tr-...", "spans": [...]} | null}      (trace_render.h TraceToJson)
// and read a verdict back: one object, or a list of them (several feedbacks, e.g. per span):
//   {"value": true | "yes" | 0.8 | ..., "rationale": "...", "span_id": "<16 hex>",
//    "error": "<message>"}           ("result" is accepted for "value")
// An answer that is not that JSON, or has neither a value nor an error, is an unknown feedback
// with the raw answer kept.
//
// HttpScorer POSTs the document to a URL. CommandScorer runs a program on the server with the
// document on its stdin and reads the verdict from its stdout, with a timeout and an output
// size limit. Because it runs a program, a CommandScorer is built ONLY from the server's own
// configuration (command-line flags or config file, filling a CommandScorerConfig): it has no
// serialized form, and no network API may create or register one.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "common/clock.h"
#include "eval/scorer.h"
#include "llm/http_client.h"

namespace tracelake::eval {

// The JSON document both scorers send (exposed for tests and other callers).
Json ScorerRequestJson(const std::string& scorer_name, const EvalInput& input);
// A verdict document as feedbacks named `name` from `source` (see above).
std::vector<Feedback> FeedbacksFromVerdictJson(const std::string& name,
                                               const FeedbackSource& source,
                                               const std::string& answer);

struct HttpScorerConfig {
  std::string name;
  std::string url;  // http:// or https://
  llm::HttpHeaders headers;
  std::chrono::milliseconds timeout{30000};  // and never past the ScoreContext deadline
  size_t max_response_bytes = size_t{1} << 20;
};

// Safe for concurrent use when the HttpClient is.
class HttpScorer final : public Scorer {
 public:
  // http borrowed; must outlive the scorer.
  HttpScorer(HttpScorerConfig config, llm::HttpClient& http);

  const std::string& name() const override { return config_.name; }
  ScorerKind kind() const override { return ScorerKind::kExternal; }
  std::vector<InputField> required_inputs() const override { return {}; }
  std::vector<Feedback> Score(const EvalInput& input, const ScoreContext& ctx) const override;

 private:
  const HttpScorerConfig config_;
  llm::HttpClient& http_;
};

// Filled from the server's flags or config file only (see the file comment).
struct CommandScorerConfig {
  std::string name;
  std::vector<std::string> argv;              // argv[0]: the program (a path, or looked up in PATH)
  std::chrono::milliseconds timeout{30000};   // the program is killed after this
  size_t max_output_bytes = size_t{1} << 20;  // more stdout than this: killed, an error
};

// Safe for concurrent use (each Score runs its own process).
class CommandScorer final : public Scorer {
 public:
  explicit CommandScorer(CommandScorerConfig config);

  const std::string& name() const override { return config_.name; }
  ScorerKind kind() const override { return ScorerKind::kExternal; }
  std::vector<InputField> required_inputs() const override { return {}; }
  // An unknown feedback (kErrScorer) when the program cannot start, exits non-zero, times out
  // or writes too much.
  std::vector<Feedback> Score(const EvalInput& input, const ScoreContext& ctx) const override;

  const CommandScorerConfig& config() const { return config_; }

 private:
  const CommandScorerConfig config_;
};

}  // namespace tracelake::eval
