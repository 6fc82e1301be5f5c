// eval::Scorer: scores ONE record or trace at a time, so a background worker (live monitoring)
// and an evaluation run call it the same way. LLM judges (builtin_judges.h,
// instructions_judge.h), code scorers (code_scorers.h) and external scorers
// (external_scorers.h) implement it.
//
//   eval::EvalInput in{.inputs = {{"question", "2+2?"}}, .outputs = "4"};
//   eval::ScoreContext ctx(llm::Deadline::After(clock, 2min), clock, &judges);
//   for (const eval::Feedback& f : scorer.Score(in, ctx)) Store(f.ToAssessment(trace_id, now));
//
// Score never fails: a missing input, a judge error or a bad answer is a Feedback with an error
// (and an unknown verdict), never a crash or a guessed verdict.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "eval/feedback.h"
#include "llm/deadline.h"
#include "model/trace.h"

namespace tracelake::eval {

class JudgeModels;

// One record: MLflow's inputs / outputs / expectations (null when absent) and, optionally, the
// trace with its spans (borrowed; must outlive the Score call).
struct EvalInput {
  Json inputs;
  Json outputs;
  Json expectations;  // an object ({"expected_response": ..., "expected_facts": [...]}) or null
  const model::Trace* trace = nullptr;
};

// What a scorer reads. kTrace means "a trace with its spans".
enum class InputField : uint8_t { kInputs, kOutputs, kExpectations, kTrace };
const char* InputFieldName(InputField field);  // "inputs", "outputs", "expectations", "trace"

// MLflow's ScorerKind values where they apply.
enum class ScorerKind : uint8_t { kBuiltin, kGuidelines, kInstructions, kCode, kExternal };

// Per call: the deadline for everything the scorer does, the clock it is read with, the judge
// models (required by LLM judges; a judge without one answers an error feedback) and an
// optional cancel flag. Borrowed pointers must outlive the call.
struct ScoreContext {
  ScoreContext(llm::Deadline deadline, const Clock& clock, JudgeModels* judges = nullptr)
      : deadline(deadline), clock(&clock), judges(judges) {}

  llm::Deadline deadline;
  const Clock* clock;
  JudgeModels* judges;
  const std::atomic<bool>* cancel = nullptr;
};

// Implementations are immutable after construction and safe for concurrent use.
class Scorer {
 public:
  virtual ~Scorer() = default;

  // The assessment name its feedback carries.
  virtual const std::string& name() const = 0;
  virtual ScorerKind kind() const = 0;
  virtual std::vector<InputField> required_inputs() const = 0;
  // One feedback, or one per span for per-span judges (each with span_id set; none when the
  // trace has no such span is reported as one error feedback).
  virtual std::vector<Feedback> Score(const EvalInput& input, const ScoreContext& ctx) const = 0;
};

// The input with inputs / outputs taken from the trace's root span when absent (as MLflow
// does when scoring traces).
EvalInput ResolveInput(const EvalInput& input);

// The root span (parent all zero), or the earliest span of a fragmented trace; null when the
// trace has no span.
const model::Span* RootSpan(const model::Trace& trace);

// An error feedback naming the first required field `input` lacks, or nullopt when all are
// present. `input` must be resolved (ResolveInput).
std::optional<Feedback> CheckRequiredInputs(const std::string& name,
                                            const std::vector<InputField>& fields,
                                            const EvalInput& input, const FeedbackSource& source);

// Text of a JSON value for prompts and text checks: strings as they are, the rest as JSON.
std::string JsonText(const Json& value);

}  // namespace tracelake::eval
