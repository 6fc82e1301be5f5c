#include "server/tracelake/online_scoring.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <ctime>
#include <optional>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "common/mutex.h"
#include "eval/builtin_judges.h"
#include "eval/evaluation.h"
#include "eval/instructions_judge.h"
#include "eval/judge_trace.h"
#include "eval/online_sampling.h"
#include "eval/run_loop.h"
#include "eval/serialized_scorer.h"
#include "query/filter.h"
#include "server/mlflow/routes.h"
#include "server/tracelake/evaluations.h"

namespace tracelake::server {
namespace {

constexpr char kConsumer[] = "online-scoring";

// "YYYY-MM-DD" of a UTC time.
std::string UtcDay(int64_t unix_ms) {
  const std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

// One registered scorer, ready to run.
struct LiveScorer {
  model::OnlineScorer online;
  std::unique_ptr<eval::Scorer> owned;
  const eval::Scorer* scorer = nullptr;
};

struct ExperimentState {
  std::vector<model::OnlineScorer> scorers;
  int64_t traces_scored = 0;
  int64_t verdicts = 0;
  int64_t errors = 0;
  std::string last_error;
  std::string day;
  double usd = 0;
  int64_t tokens = 0;
  bool paused = false;
  std::string pause_reason;
  int64_t last_verdict_lag_ms = -1;
};

// A trace seen in the feed and not scored yet: it is still running or settling.
struct Waiting {
  int64_t seq = 0;
  std::string experiment_id;
};

bool HasFeedback(const model::TraceInfo& info, const std::string& name) {
  for (const model::Assessment& a : info.assessments)
    if (a.feedback && a.valid && a.assessment_name == name) return true;
  return false;
}

}  // namespace

class OnlineScoringService::Impl {
 public:
  Impl(storage::Backend& backend, eval::JudgeModels& judges, OnlineScoringOptions options,
       const Clock& clock)
      : backend_(backend), judges_(judges), options_(options), clock_(clock) {}

  ~Impl() { Stop(); }

  void Start() {
    if (!options_.enabled || thread_.joinable()) return;
    backend_.changes().AddListener(&waiter_);
    thread_ = std::thread([this] { Loop(); });
  }

  void Stop() {
    stop_ = true;
    waiter_.Stop();
    if (thread_.joinable()) {
      thread_.join();
      backend_.changes().RemoveListener(&waiter_);
    }
  }

  Result<int64_t> RunOnce() TL_EXCLUDES(mu_, run_mu_) {
    MutexLock run(run_mu_);
    if (!cursor_loaded_) {
      ASSIGN_OR_RETURN(read_cursor_, backend_.changes().LoadCursor(kConsumer));
      saved_cursor_ = read_cursor_;
      cursor_loaded_ = true;
    }
    ASSIGN_OR_RETURN(std::vector<model::OnlineScorer> active,
                     backend_.scorers().ListActiveOnlineScorers());
    std::map<std::string, std::vector<model::OnlineScorer>> by_experiment;
    for (model::OnlineScorer& o : active)
      by_experiment[o.config.experiment_id].push_back(std::move(o));
    {
      MutexLock lock(mu_);
      for (auto& [id, state] : experiments_) state.scorers.clear();
      for (const auto& [id, list] : by_experiment) experiments_[id].scorers = list;
    }

    if (by_experiment.empty()) {
      // Nothing to score: skip what was committed so far instead of reading it, so turning a
      // scorer on later starts from live traffic, not from a backlog.
      waiting_.clear();
      waiting_count_ = 0;
      const int64_t head = waiter_.latest();
      if (head > read_cursor_) {
        read_cursor_ = head;
        RETURN_IF_ERROR(backend_.changes().SaveCursor(kConsumer, read_cursor_));
      }
      saved_cursor_ = read_cursor_;
      return int64_t{0};
    }

    // What changed since the cursor, plus what was waiting to settle.
    std::map<TraceId, Waiting> candidates;
    bool more = true;
    for (int pages = 0; more && pages < 20; ++pages) {
      ASSIGN_OR_RETURN(storage::ChangePage page,
                       backend_.changes().ReadChanges(read_cursor_, options_.page_size));
      for (const storage::TraceChange& c : page.changes) {
        waiting_.erase(c.trace_id);  // its newest state is read below
        if (c.kind == storage::TraceChange::Kind::kUpserted && by_experiment.count(c.experiment_id))
          candidates[c.trace_id] = Waiting{c.seq, c.experiment_id};
      }
      read_cursor_ = page.next_cursor;
      more = page.more;
    }
    for (const auto& [id, w] : waiting_)
      if (by_experiment.count(w.experiment_id)) candidates.emplace(id, w);
    waiting_.clear();

    int64_t scored = 0;
    for (const auto& [experiment_id, list] : by_experiment) {
      std::vector<std::pair<TraceId, Waiting>> mine;
      for (const auto& c : candidates)
        if (c.second.experiment_id == experiment_id) mine.emplace_back(c);
      if (mine.empty()) continue;
      Result<int64_t> n = ScoreExperiment(experiment_id, list, mine);
      if (n.ok()) {
        scored += *n;
      } else {
        MutexLock lock(mu_);
        ExperimentState& st = experiments_[experiment_id];
        ++st.errors;
        st.last_error = n.status().ToString();
      }
    }

    // The saved cursor stays before every trace still waiting, so a restart sees them again.
    int64_t save = read_cursor_;
    for (const auto& [id, w] : waiting_) save = std::min(save, w.seq - 1);
    if (save != saved_cursor_) RETURN_IF_ERROR(backend_.changes().SaveCursor(kConsumer, save));
    saved_cursor_ = save;
    return scored;
  }

  Json StatusJson() TL_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    Json exps = Json::array();
    for (const auto& [id, st] : experiments_) {
      Json scorers = Json::array();
      for (const model::OnlineScorer& o : st.scorers) {
        Json s = {{"name", o.scorer.name},
                  {"version", o.scorer.version},
                  {"sample_rate", o.config.sample_rate}};
        if (o.config.filter_string) s["filter_string"] = *o.config.filter_string;
        scorers.push_back(std::move(s));
      }
      Json e = {{"experiment_id", id},
                {"scorers", std::move(scorers)},
                {"traces_scored", st.traces_scored},
                {"verdicts", st.verdicts},
                {"errors", st.errors},
                {"paused", st.paused},
                {"spend", {{"day", st.day}, {"usd", st.usd}, {"tokens", st.tokens}}}};
      if (!st.last_error.empty()) e["last_error"] = st.last_error;
      if (st.paused) e["pause_reason"] = st.pause_reason;
      if (st.last_verdict_lag_ms >= 0) e["last_verdict_lag_ms"] = st.last_verdict_lag_ms;
      exps.push_back(std::move(e));
    }
    Json out = {{"enabled", options_.enabled},
                {"cursor", saved_cursor_.load()},
                {"waiting", waiting_count_.load()},
                {"daily_usd_limit", options_.daily_usd},
                {"daily_tokens_limit", options_.daily_tokens},
                {"experiments", std::move(exps)}};
    if (!last_loop_error_.empty()) out["last_error"] = last_loop_error_;
    return out;
  }

  std::string MetricsText() TL_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    std::string out;
    auto line = [&out](const char* name, const std::string& exp, double v) {
      out += std::string(name) + "{experiment_id=\"" + exp + "\"} " + std::to_string(v) + "\n";
    };
    out += "# TYPE tracelake_online_scoring_traces_scored_total counter\n";
    for (const auto& [id, st] : experiments_)
      line("tracelake_online_scoring_traces_scored_total", id,
           static_cast<double>(st.traces_scored));
    out += "# TYPE tracelake_online_scoring_verdicts_total counter\n";
    for (const auto& [id, st] : experiments_)
      line("tracelake_online_scoring_verdicts_total", id, static_cast<double>(st.verdicts));
    out += "# TYPE tracelake_online_scoring_errors_total counter\n";
    for (const auto& [id, st] : experiments_)
      line("tracelake_online_scoring_errors_total", id, static_cast<double>(st.errors));
    out += "# TYPE tracelake_online_scoring_paused gauge\n";
    for (const auto& [id, st] : experiments_)
      line("tracelake_online_scoring_paused", id, st.paused ? 1 : 0);
    out += "# TYPE tracelake_online_scoring_spend_usd gauge\n";
    for (const auto& [id, st] : experiments_)
      line("tracelake_online_scoring_spend_usd", id, st.usd);
    out += "# TYPE tracelake_online_scoring_waiting_traces gauge\n";
    out +=
        "tracelake_online_scoring_waiting_traces " + std::to_string(waiting_count_.load()) + "\n";
    return out;
  }

 private:
  void Loop() {
    while (!stop_) {
      Result<int64_t> r = RunOnce();
      if (!r.ok()) {
        MutexLock lock(mu_);
        last_loop_error_ = r.status().ToString();  // shown in the status
      }
      if (stop_) break;
      // Until something new is committed, or `poll` passed (waiting traces settle meanwhile).
      waiter_.WaitBeyond(ReadCursor(), std::chrono::steady_clock::now() + options_.poll);
    }
  }

  int64_t ReadCursor() TL_EXCLUDES(run_mu_) {
    MutexLock run(run_mu_);
    return read_cursor_;
  }

  // Whether the experiment may spend more today; resets the counters on a new UTC day.
  bool MaySpend(const std::string& experiment_id) TL_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    ExperimentState& st = experiments_[experiment_id];
    const std::string today = UtcDay(clock_.NowUnixMillis());
    if (st.day != today) {
      st.day = today;
      st.usd = 0;
      st.tokens = 0;
    }
    st.paused = false;
    st.pause_reason.clear();
    if (options_.daily_usd > 0 && st.usd >= options_.daily_usd) {
      st.paused = true;
      st.pause_reason = "the daily spend limit of $" + std::to_string(options_.daily_usd) +
                        " is reached; scoring resumes tomorrow (UTC)";
    } else if (options_.daily_tokens > 0 && st.tokens >= options_.daily_tokens) {
      st.paused = true;
      st.pause_reason = "the daily limit of " + std::to_string(options_.daily_tokens) +
                        " judge tokens is reached; scoring resumes tomorrow (UTC)";
    }
    return !st.paused;
  }

  // Scorers grouped by filter_string ("" = none), each ready to run.
  std::map<std::string, std::vector<LiveScorer>> BuildScorers(
      const std::string& experiment_id, const std::vector<model::OnlineScorer>& list) {
    std::map<std::string, std::vector<LiveScorer>> groups;
    for (const model::OnlineScorer& o : list) {
      Result<std::unique_ptr<eval::Scorer>> s =
          eval::ParseSerializedScorer(std::string_view(o.scorer.serialized_scorer));
      if (!s.ok()) {
        MutexLock lock(mu_);
        ExperimentState& st = experiments_[experiment_id];
        ++st.errors;
        st.last_error = "scorer '" + o.scorer.name + "': " + s.status().message();
        continue;
      }
      // A judge whose model has no credentials here would only store "unknown" on every trace:
      // it is left out, and the status says which variable to set.
      std::optional<std::string> model;
      if (const auto* b = dynamic_cast<const eval::BuiltinJudge*>(s->get())) model = b->model();
      if (const auto* j = dynamic_cast<const eval::InstructionsJudge*>(s->get()))
        model = j->config().model;
      if (model) {
        Result<eval::JudgeModel*> m = judges_.Get(*model);
        if (!m.ok()) {
          MutexLock lock(mu_);
          ExperimentState& st = experiments_[experiment_id];
          ++st.errors;
          st.last_error = "scorer '" + o.scorer.name + "' is not run: " + m.status().message();
          continue;
        }
      }
      LiveScorer live;
      live.online = o;
      live.owned = std::move(*s);
      live.scorer = live.owned.get();
      groups[o.config.filter_string.value_or("")].push_back(std::move(live));
    }
    return groups;
  }

  // The traces among `ids` that match `filter` (one search).
  Result<std::set<TraceId>> Matching(const std::string& experiment_id,
                                     const std::vector<TraceId>& ids, const std::string& filter) {
    std::string text = "request_id IN (";
    for (size_t i = 0; i < ids.size(); ++i) text += (i ? ",'" : "'") + MlflowTraceId(ids[i]) + "'";
    text += ") AND (" + filter + ")";
    ASSIGN_OR_RETURN(std::unique_ptr<query::Expr> expr, query::ParseFilter(text));
    storage::TraceSearchRequest req;
    req.experiment_ids = {experiment_id};
    req.filter = expr.get();
    req.include_assessments = false;
    req.max_results = static_cast<int>(ids.size());
    std::set<TraceId> out;
    ASSIGN_OR_RETURN(storage::TracePage page, backend_.traces().SearchTraces(req));
    for (const model::TraceInfo& t : page.traces) out.insert(t.trace_id);
    return out;
  }

  Result<int64_t> ScoreExperiment(const std::string& experiment_id,
                                  const std::vector<model::OnlineScorer>& list,
                                  const std::vector<std::pair<TraceId, Waiting>>& candidates) {
    if (!MaySpend(experiment_id)) {
      // Paused: the traces wait (within the lookback) for the limit to reset.
      for (const auto& [id, w] : candidates) waiting_[id] = w;
      waiting_count_ = static_cast<int64_t>(waiting_.size());
      return int64_t{0};
    }
    const int64_t now_ms = clock_.NowUnixMillis();
    const int64_t settle_ns = options_.settle.count() * 1000000;
    // Which candidates are ready: complete, settled, not an evaluation's or a judge's trace.
    std::vector<std::pair<model::TraceInfo, Waiting>> ready;
    for (const auto& [id, w] : candidates) {
      Result<model::TraceInfo> info = backend_.traces().GetTraceInfo(id);
      if (!info.ok()) {
        // Deleted meanwhile: nothing to score. Any other error: look again next time.
        if (info.status().code() != StatusCode::kNotFound) waiting_[id] = w;
        continue;
      }
      if (info->trace_metadata.count(eval::kSourceRunKey) ||
          info->tags.count(eval::kSourceScorerTag))
        continue;
      const int64_t start_ms = info->request_time_ns / 1000000;
      if (now_ms - start_ms > options_.lookback.count()) continue;
      // Still running, or its root span has not arrived (a fragment): not complete yet.
      const bool running = info->state == model::TraceState::kInProgress || info->fragmented;
      const int64_t end_ns = info->request_time_ns + info->execution_duration_ns;
      const bool settled = end_ns + settle_ns <= now_ms * 1000000;
      if ((running || !settled) && now_ms - start_ms < options_.give_up.count()) {
        waiting_[id] = w;
        continue;
      }
      ready.emplace_back(std::move(*info), w);
    }
    waiting_count_ = static_cast<int64_t>(waiting_.size());
    if (ready.empty()) return int64_t{0};

    std::map<std::string, std::vector<LiveScorer>> groups = BuildScorers(experiment_id, list);
    std::vector<TraceId> ids;
    ids.reserve(ready.size());
    for (const auto& [t, w] : ready) ids.push_back(t.trace_id);
    // Per trace: the scorers picked for it.
    std::vector<std::vector<const LiveScorer*>> picked(ready.size());
    for (const auto& [filter, scorers] : groups) {
      std::set<TraceId> match;
      if (!filter.empty()) {
        Result<std::set<TraceId>> m = Matching(experiment_id, ids, filter);
        if (!m.ok()) {
          MutexLock lock(mu_);
          ExperimentState& st = experiments_[experiment_id];
          ++st.errors;
          st.last_error = "filter '" + filter + "': " + m.status().message();
          continue;
        }
        match = std::move(*m);
      }
      std::vector<eval::SampledScorer> rates;
      for (const LiveScorer& s : scorers)
        rates.push_back({s.online.scorer.name, s.online.config.sample_rate});
      for (size_t i = 0; i < ready.size(); ++i) {
        const model::TraceInfo& info = ready[i].first;
        if (!filter.empty() && match.count(info.trace_id) == 0) continue;
        for (size_t k : eval::DenseSample(MlflowTraceId(info.trace_id), rates))
          if (!HasFeedback(info, scorers[k].online.scorer.name)) picked[i].push_back(&scorers[k]);
      }
    }

    std::atomic<int64_t> scored{0};
    std::vector<uint8_t> started(ready.size(), 0);  // each element written by one worker thread
    eval::RunLoopOptions opts;
    opts.concurrency = options_.concurrency;
    opts.cancel = &stop_;
    eval::RunLoopResult result = eval::RunAll(
        static_cast<int64_t>(ready.size()), {},
        [&](int64_t i) -> Status {
          const auto k = static_cast<size_t>(i);
          started[k] = 1;
          if (picked[k].empty()) return OkStatus();
          RETURN_IF_ERROR(ScoreTrace(experiment_id, ready[k].first, picked[k]));
          ++scored;
          return OkStatus();
        },
        opts, clock_);
    // Stopped mid-pass: what did not start waits, so the saved cursor stays before it and the
    // next start scores it.
    for (size_t k = 0; k < ready.size(); ++k)
      if (!started[k]) waiting_[ready[k].first.trace_id] = ready[k].second;
    waiting_count_ = static_cast<int64_t>(waiting_.size());
    if (!result.first_error.ok()) {
      MutexLock lock(mu_);
      ExperimentState& st = experiments_[experiment_id];
      st.errors += result.progress.failed;
      st.last_error = result.first_error.ToString();
    }
    return scored.load();
  }

  Status ScoreTrace(const std::string& experiment_id, const model::TraceInfo& info,
                    const std::vector<const LiveScorer*>& scorers) {
    ASSIGN_OR_RETURN(model::Trace trace, backend_.traces().GetTrace(info.trace_id));
    eval::EvalInput in;
    in.trace = &trace;
    const eval::EvalInput resolved = eval::ResolveInput(in);
    eval::ScoreContext ctx(llm::Deadline::After(clock_, std::chrono::minutes(5)), clock_, &judges_);
    ctx.cancel = &stop_;
    std::vector<eval::Feedback> feedbacks;
    for (const LiveScorer* s : scorers) {
      std::vector<eval::Feedback> f = s->scorer->Score(resolved, ctx);
      feedbacks.insert(feedbacks.end(), std::make_move_iterator(f.begin()),
                       std::make_move_iterator(f.end()));
    }
    (void)eval::LinkJudgeTraces(feedbacks, [&](const std::string& scorer, model::Span span) {
      return StoreJudgeTrace(backend_, experiment_id, scorer, std::move(span));
    });
    double usd = 0;
    int64_t tokens = 0;
    std::vector<model::Assessment> list;
    const int64_t now = clock_.NowUnixMillis();
    for (const eval::Feedback& f : feedbacks) {
      list.push_back(f.ToAssessment(MlflowTraceId(info.trace_id), now));
      auto num = [&f](const char* key) -> double {
        auto it = f.metadata.find(key);
        if (it == f.metadata.end()) return 0;
        char* end = nullptr;
        const double v = std::strtod(it->second.c_str(), &end);
        return end == it->second.c_str() ? 0 : v;
      };
      usd += num(eval::kJudgeCostKey);
      tokens +=
          static_cast<int64_t>(num(eval::kJudgeInputTokensKey) + num(eval::kJudgeOutputTokensKey));
    }
    RETURN_IF_ERROR(backend_.assessments().CreateAssessments(list).status());
    MutexLock lock(mu_);
    ExperimentState& st = experiments_[experiment_id];
    ++st.traces_scored;
    st.verdicts += static_cast<int64_t>(list.size());
    st.usd += usd;
    st.tokens += tokens;
    const int64_t end_ms = (info.request_time_ns + info.execution_duration_ns) / 1000000;
    st.last_verdict_lag_ms = std::max<int64_t>(0, now - end_ms);
    return OkStatus();
  }

  storage::Backend& backend_;
  eval::JudgeModels& judges_;
  const OnlineScoringOptions options_;
  const Clock& clock_;
  storage::FeedWaiter waiter_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> saved_cursor_{0};
  std::atomic<int64_t> waiting_count_{0};

  // One pass at a time (the worker, or a test calling RunOnce).
  Mutex run_mu_;
  bool cursor_loaded_ TL_GUARDED_BY(run_mu_) = false;
  int64_t read_cursor_ TL_GUARDED_BY(run_mu_) = 0;
  std::map<TraceId, Waiting> waiting_;  // touched only by the pass holding run_mu_

  Mutex mu_;
  std::map<std::string, ExperimentState> experiments_ TL_GUARDED_BY(mu_);
  std::string last_loop_error_ TL_GUARDED_BY(mu_);
};

OnlineScoringService::OnlineScoringService(storage::Backend& backend, eval::JudgeModels& judges,
                                           OnlineScoringOptions options, const Clock& clock)
    : impl_(std::make_unique<Impl>(backend, judges, options, clock)) {}
OnlineScoringService::~OnlineScoringService() = default;
void OnlineScoringService::Start() { impl_->Start(); }
void OnlineScoringService::Stop() { impl_->Stop(); }
Result<int64_t> OnlineScoringService::RunOnce() { return impl_->RunOnce(); }
Json OnlineScoringService::StatusJson() { return impl_->StatusJson(); }
std::string OnlineScoringService::MetricsText() { return impl_->MetricsText(); }

namespace {
struct OnlineRouteDeps {
  OnlineScoringService& service;
};
}  // namespace

void RegisterOnlineScoringRoutes(Router& router, OnlineScoringService& service) {
  MlflowRouteTable table(router);
  BoundRoutes<OnlineRouteDeps> routes(table, OnlineRouteDeps{service});
  routes.Add({"GET"}, 2, "/tracelake/online-scoring", Scope::kRead,
             [](const HttpRequest&, const OnlineRouteDeps& d) -> Result<Json> {
               return d.service.StatusJson();
             });
}

}  // namespace tracelake::server
