// Online scoring: registered scorers turned on for an experiment (MLflow's
// PUT /api/3.0/mlflow/scorers/online-config, sample_rate > 0) score its live traces from a
// background worker, and the verdicts land as assessments exactly as in offline evaluation.
//
// The worker follows the store's change feed (docs/change-feed.md) with its own cursor
// ("online-scoring"), so it never touches the ingest path: a slow judge only makes it fall
// behind. For each changed trace of an experiment with active scorers it waits until the trace
// is complete (not IN_PROGRESS, ended at least `settle` ago; one still open after `give_up` is
// scored as it is), skips the traces of evaluation runs (metadata mlflow.sourceRun) and of judge
// calls (tag mlflow.trace.sourceScorer), picks scorers by MLflow's dense deterministic sampling
// (eval/online_sampling.h) among those whose filter_string the trace matches, and runs each
// picked scorer the trace has no valid feedback of yet (so a restart, which re-reads from the
// saved cursor, never scores a trace twice). The saved cursor never passes a trace still
// waiting to complete, so nothing is skipped either.
//
// Spend: per experiment and UTC day, the judges' tokens and cost (from the price table) are
// summed; past --online-scoring-daily-tokens / --online-scoring-daily-usd the experiment's
// scoring pauses (its traces wait, within the one-hour lookback) and says so in
// GET /api/2.0/tracelake/online-scoring and /metrics.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "common/clock.h"
#include "eval/judge_model.h"
#include "eval/scorer.h"
#include "server/http/router.h"
#include "server/mlflow/params.h"
#include "storage/backend.h"
#include "tracelake/status.h"

namespace tracelake::server {

struct OnlineScoringOptions {
  bool enabled = true;
  // How often the worker looks again when no commit woke it (waiting traces settle meanwhile).
  std::chrono::milliseconds poll{std::chrono::seconds(1)};
  // A trace is scored once it ended at least this long ago (late spans arrive meanwhile).
  std::chrono::milliseconds settle{std::chrono::seconds(5)};
  // A trace still IN_PROGRESS this long after it started is scored as it is.
  std::chrono::milliseconds give_up{std::chrono::minutes(10)};
  // Traces older than this when first seen are not scored (MLflow's MAX_LOOKBACK_MS).
  std::chrono::milliseconds lookback{std::chrono::hours(1)};
  int concurrency = 4;       // traces scored at once (judge calls are also bounded by JudgeModels)
  int page_size = 500;       // changes read at once
  double daily_usd = 0;      // per experiment and UTC day; 0: no limit
  int64_t daily_tokens = 0;  // per experiment and UTC day; 0: no limit
  // Scorers from the server's configuration, by name (borrowed; may be null).
  const std::map<std::string, const eval::Scorer*>* server_scorers = nullptr;
};

class OnlineScoringService {
 public:
  // All borrowed; must outlive the service.
  OnlineScoringService(storage::Backend& backend, eval::JudgeModels& judges,
                       OnlineScoringOptions options, const Clock& clock = SystemClock::Default());
  ~OnlineScoringService();  // Stop()

  // Starts the worker thread (nothing when disabled). Stop() lets the traces in flight finish,
  // saves the cursor and joins.
  void Start();
  void Stop();

  // One pass over what the change feed holds now (the worker's loop body; tests call it).
  // Returns how many traces were scored.
  Result<int64_t> RunOnce();

  // {"enabled", "cursor", "waiting", "experiments": [{experiment_id, scorers: [{name,
  // sample_rate, filter_string}], traces_scored, verdicts, errors, last_error, paused,
  // pause_reason, spend: {day, usd, tokens}, last_verdict_lag_ms}]}
  Json StatusJson();
  // Prometheus text lines (tracelake_online_scoring_*).
  std::string MetricsText();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// GET /api/2.0/tracelake/online-scoring: the worker's status.
void RegisterOnlineScoringRoutes(Router& router, OnlineScoringService& service);

}  // namespace tracelake::server
