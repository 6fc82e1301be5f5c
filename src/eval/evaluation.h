// An evaluation run: every record of a dataset or trace search, the user's agent asked for each
// record's answer (when the run has an agent), every scorer applied, each feedback stored as an
// assessment on the record's trace, and the run's aggregates. Where records come from and
// where results go is the caller's (EvalPorts): the server implements it over its stores, tests
// over memory. Each record is scored on its own, so a record that fails (the agent is down, a
// judge times out) is reported and the run goes on; a run restarted with the same run id skips
// the records it finished.
//
//   eval::EvalRun run{.run_id = id, .records = records, .scorers = scorers, .agent = &agent};
//   Result<eval::EvalSummary> s = eval::RunEvaluation(run, ports, judges, options, clock);
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/ids.h"
#include "eval/agent_client.h"
#include "eval/feedback.h"
#include "eval/run_loop.h"
#include "eval/scorer.h"
#include "eval/stats.h"
#include "model/trace.h"
#include "tracelake/status.h"

namespace tracelake::eval {

// Trace metadata and assessment metadata keys that tie results to their run (MLflow's names).
inline constexpr char kSourceRunKey[] = "mlflow.sourceRun";
inline constexpr char kAssessmentSourceRunKey[] = "mlflow.assessment.sourceRunId";
// Which record a run's trace answers (the dataset record id, or the scored trace's id), as trace
// metadata and in each feedback's metadata. Not under tracelake. (computed keys) or mlflow.
inline constexpr char kRecordKey[] = "eval.record_id";

struct EvalRecord {
  // Stable across runs, so two runs compare record by record: the dataset record id, or the
  // scored trace's id.
  std::string key;
  Json inputs;
  Json outputs;       // null: the agent answers (or the trace's root span, when scoring traces)
  Json expectations;  // null or an object
  // Scoring existing traces: the trace to read and to store feedback on.
  std::optional<TraceId> trace_id;
};

// The span a run writes for a record it asks the agent about: the root of the record's trace;
// the agent's own spans join it through the traceparent the agent received.
struct RecordSpan {
  std::string run_id;
  std::string record_key;
  TraceId trace_id;
  SpanId span_id;
  std::string name;  // "predict"
  Json inputs;
  Json outputs;  // null when the agent failed
  std::optional<std::string> error;
  int64_t start_unix_nanos = 0;
  int64_t end_unix_nanos = 0;
};

// One stored feedback of a run, as read back for aggregates, resume and comparisons.
struct RunVerdict {
  std::string record_key;
  std::string trace_id;  // "tr-..."
  std::string scorer;
  Verdict verdict = Verdict::kUnknown;
  Json value;
  std::string rationale;
  std::string error;  // the error's message when the feedback has one
};

// Safe for concurrent use: RunEvaluation calls it from several threads.
class EvalPorts {
 public:
  virtual ~EvalPorts() = default;
  // The trace with its spans; nullopt when it is not (yet) stored.
  virtual Result<std::optional<model::Trace>> LoadTrace(const TraceId& id) = 0;
  // Stores the root span of a record's trace, with trace metadata kSourceRunKey = run_id and
  // kRecordKey = record_key.
  virtual Status WriteRecordSpan(const RecordSpan& span) = 0;
  // Stores one record's feedbacks as assessments on `trace_id`, each with metadata
  // kAssessmentSourceRunKey = run_id, all or none.
  virtual Status SaveFeedbacks(const std::string& run_id, const std::string& record_key,
                               const TraceId& trace_id, const std::vector<Feedback>& feedbacks) = 0;
  // Stores a judge's own call as a new trace (JudgeTraceSpan), tagged kSourceScorerTag =
  // `scorer`. Called before SaveFeedbacks for the feedbacks that link to it.
  virtual Status WriteJudgeTrace(const std::string& scorer, model::Span span) = 0;
  // Everything the run stored so far.
  virtual Result<std::vector<RunVerdict>> LoadRunVerdicts(const std::string& run_id) = 0;
};

struct EvalOptions {
  int concurrency = 8;
  // Per record: the agent's call and every scorer's work.
  std::chrono::milliseconds record_timeout{std::chrono::minutes(5)};
  // After the agent answered, how long to wait for its spans to arrive (only when a scorer
  // reads the trace): the trace is read again until its span count stops changing for
  // `trace_quiet` or `trace_wait` passed.
  std::chrono::milliseconds trace_wait{std::chrono::seconds(10)};
  std::chrono::milliseconds trace_quiet{std::chrono::milliseconds(1500)};
  const std::atomic<bool>* cancel = nullptr;
  std::function<void(const Progress&)> on_progress;
  std::chrono::milliseconds progress_every{500};
  // Sleeps between trace reads (tests pass one that advances a fake clock).
  std::function<void(std::chrono::milliseconds)> sleep;
};

struct EvalRun {
  std::string run_id;
  std::vector<EvalRecord> records;
  std::vector<const Scorer*> scorers;  // borrowed
  const AgentClient* agent = nullptr;  // borrowed; null: score the outputs the records have
};

// A scorer's results over a run. Pass/fail feedback (yes/no, true/false) makes `pass`;
// numeric values make `mean`; other values (categories) are counted in `values`.
struct ScorerSummary {
  std::string name;
  PassRate pass;  // yes / no / unknown, rate over the decided ones, Wilson 95% interval
  int64_t values = 0;
  int64_t numeric = 0;
  double mean = 0;  // of the numeric values
};

struct EvalSummary {
  Progress progress;
  bool cancelled = false;
  Status first_error;
  std::vector<ScorerSummary> scorers;  // in the order of EvalRun::scorers
};

// kInvalidArgument before anything runs: no scorer, duplicate record keys, a record without
// outputs or trace when there is no agent, records whose inputs are not JSON objects.
Result<EvalSummary> RunEvaluation(const EvalRun& run, EvalPorts& ports, JudgeModels* judges,
                                  const EvalOptions& options, const Clock& clock);

// Aggregates of stored verdicts, one per scorer name (ordered by `order`, then by name).
std::vector<ScorerSummary> SummarizeVerdicts(const std::vector<RunVerdict>& verdicts,
                                             const std::vector<std::string>& order = {});

// MLflow's run metrics for a summary: "<name>/mean" (the pass rate, or the mean of numeric
// values, as MLflow aggregates), plus tracelake's "<name>/ci_low", "<name>/ci_high",
// "<name>/yes", "<name>/no", "<name>/unknown".
std::vector<std::pair<std::string, double>> SummaryMetrics(const std::vector<ScorerSummary>& s);

// Two runs on the same records, per scorer: transitions, the paired test, and the records that
// changed verdict. Per-span scorers compare their worst verdict per record (any no is no).
struct ChangedRecord {
  std::string record_key;
  std::string trace_a;
  std::string trace_b;
  Verdict a = Verdict::kUnknown;
  Verdict b = Verdict::kUnknown;
};
struct ScorerComparison {
  std::string name;
  PairedComparison paired;
  int64_t only_in_a = 0;  // records one run has and the other lacks
  int64_t only_in_b = 0;
  std::vector<ChangedRecord> changed;  // ordered by record key
};
std::vector<ScorerComparison> CompareRuns(const std::vector<RunVerdict>& a,
                                          const std::vector<RunVerdict>& b);

}  // namespace tracelake::eval
