// Evaluation runs served by tracelake (docs/evaluation.md): POST /api/2.0/tracelake/evaluations
// starts one over a dataset or a trace search, in the background; GET .../evaluations/{run_id}
// reports its progress and aggregates; POST .../{run_id}/cancel stops it cleanly (a later start
// with the same run id continues where it stopped); GET .../{run_id}/records lists each record's
// verdicts; GET .../evaluations/compare?run_a=...&run_b=... compares two runs record by record.
// Each evaluation is an MLflow run in its experiment; its traces carry mlflow.sourceRun and its
// feedback mlflow.assessment.sourceRunId, so MLflow's clients and UI see the same results.
//
// Judges call the providers configured in the server's environment (OPENAI_API_KEY, ...);
// the agent endpoint is given per run. Starting an evaluation makes the server send requests to
// the agent URL: it needs the write scope.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "eval/judge_model.h"
#include "eval/scorer.h"
#include "llm/http_client.h"
#include "model/span.h"
#include "server/http/router.h"
#include "server/mlflow/params.h"
#include "storage/backend.h"
#include "tracelake/status.h"

namespace tracelake::server {

// Which of a run's records GET .../records returns: those with a feedback (of `scorer`, or of
// any scorer when empty) whose verdict is `verdict` ("yes", "no", "unknown", "value"; empty:
// every record), ordered by record key, a page at a time.
struct RecordsQuery {
  std::string scorer;
  std::string verdict;
  int64_t max_results = 10000;  // at most 10,000
  std::string page_token;       // from the previous page's next_page_token
};

struct EvaluationOptions {
  int max_concurrency = 64;      // per run; requests asking for more get this many
  int64_t max_records = 100000;  // per run
  // Scorers from the server's own configuration (command and HTTP scorers), by name. Borrowed.
  const std::map<std::string, const eval::Scorer*>* server_scorers = nullptr;
};

// Stores a judge's own call (eval::JudgeTraceSpan) as a new trace of the experiment, tagged
// mlflow.trace.sourceScorer = scorer. Offline evaluations and online scoring both use it.
Status StoreJudgeTrace(storage::Backend& backend, const std::string& experiment_id,
                       const std::string& scorer, model::Span span);

// Runs evaluations on background threads. Safe for concurrent use.
class EvaluationService {
 public:
  // All borrowed; must outlive the service.
  EvaluationService(storage::Backend& backend, llm::HttpClient& http, eval::JudgeModels& judges,
                    EvaluationOptions options);
  ~EvaluationService();  // Shutdown()

  // The JSON handlers behind the routes (exposed for tests).
  Result<Json> Start(const Json& request);
  Result<Json> Get(const std::string& run_id);
  Result<Json> Cancel(const std::string& run_id);
  Result<Json> Records(const std::string& run_id, const RecordsQuery& query = {});
  Result<Json> Compare(const std::string& run_a, const std::string& run_b);

  // Cancels every running evaluation and waits for them (each stops after its records in
  // flight). Idempotent.
  void Shutdown();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

void RegisterEvaluationRoutes(Router& router, EvaluationService& service);

}  // namespace tracelake::server
