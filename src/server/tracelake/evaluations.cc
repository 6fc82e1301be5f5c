#include "server/tracelake/evaluations.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "common/mutex.h"
#include "eval/agent_client.h"
#include "eval/evaluation.h"
#include "eval/scorer_spec.h"
#include "model/normalize.h"
#include "query/filter.h"
#include "server/mlflow/routes.h"

namespace tracelake::server {
namespace {

constexpr char kEvalTag[] = "tracelake.eval";
constexpr char kEvalSpecTag[] = "tracelake.eval.spec";
constexpr int kDefaultConcurrency = 8;
constexpr int64_t kDefaultMaxTraces = 1000;
constexpr size_t kMaxRecordsListed = 10000;
constexpr size_t kMaxFinishedJobs = 256;

Json Finite(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

Json ProgressJson(const eval::Progress& p) {
  Json j = {{"total", p.total},
            {"done", p.done},
            {"resumed", p.skipped},
            {"failed", p.failed},
            {"finished", p.finished()},
            {"elapsed_seconds", std::chrono::duration<double>(p.elapsed).count()},
            {"records_per_second", Finite(p.rate_per_second)}};
  j["eta_seconds"] = p.eta ? Json(std::chrono::duration<double>(*p.eta).count()) : Json(nullptr);
  return j;
}

Json SummaryJson(const std::vector<eval::ScorerSummary>& scorers) {
  Json out = Json::array();
  for (const eval::ScorerSummary& s : scorers) {
    Json j = {{"name", s.name},
              {"yes", s.pass.yes},
              {"no", s.pass.no},
              {"unknown", s.pass.unknown},
              {"values", s.values}};
    if (s.pass.decided() > 0) {
      j["pass_rate"] = s.pass.rate;
      j["ci_low"] = s.pass.interval.low;
      j["ci_high"] = s.pass.interval.high;
    } else {
      j["pass_rate"] = nullptr;
    }
    if (s.numeric > 0) j["mean"] = s.mean;
    out.push_back(std::move(j));
  }
  return out;
}

// A stored feedback's verdict, as eval::Feedback reads it.
eval::RunVerdict VerdictOf(const model::Assessment& a) {
  eval::Feedback f;
  f.name = a.assessment_name;
  if (a.feedback) {
    if (!a.feedback->value_json.empty())
      f.value = Json::parse(a.feedback->value_json, nullptr, /*allow_exceptions=*/false);
    if (f.value.is_discarded()) f.value = nullptr;
    if (a.feedback->error)
      f.error =
          eval::FeedbackError{a.feedback->error->error_code, a.feedback->error->error_message, ""};
  }
  eval::RunVerdict v;
  auto key = a.metadata.find(eval::kRecordKey);
  v.record_key = key != a.metadata.end() ? key->second : a.trace_id;
  v.trace_id = a.trace_id;
  v.scorer = a.assessment_name;
  v.verdict = f.verdict();
  v.value = f.value;
  v.rationale = a.rationale;
  if (f.error) v.error = f.error->message;
  return v;
}

}  // namespace

Status StoreJudgeTrace(storage::Backend& backend, const std::string& experiment_id,
                       const std::string& scorer, model::Span span) {
  const TraceId trace_id = span.trace_id;
  model::NormalizeSpan(span);
  storage::IngestBatch batch;
  batch.experiment_id = experiment_id;
  batch.spans.push_back(std::move(span));
  RETURN_IF_ERROR(backend.traces().Ingest(std::move(batch)));
  return backend.traces().SetTraceTag(trace_id, eval::kSourceScorerTag, scorer);
}

namespace {

// EvalPorts over the server's stores, for one run in one experiment.
class StorePorts final : public eval::EvalPorts {
 public:
  StorePorts(storage::Backend& backend, std::string experiment_id)
      : backend_(backend), experiment_id_(std::move(experiment_id)) {}

  Result<std::optional<model::Trace>> LoadTrace(const TraceId& id) override {
    Result<model::Trace> t = backend_.traces().GetTrace(id);
    if (t.status().code() == StatusCode::kNotFound) return std::optional<model::Trace>();
    if (!t.ok()) return t.status();
    return std::optional<model::Trace>(std::move(*t));
  }

  Status WriteRecordSpan(const eval::RecordSpan& r) override {
    model::Span s;
    s.trace_id = r.trace_id;
    s.span_id = r.span_id;
    s.name = r.name;
    s.kind = model::SpanKind::kInternal;
    s.start_time_unix_nano = static_cast<uint64_t>(r.start_unix_nanos);
    s.end_time_unix_nano = static_cast<uint64_t>(r.end_unix_nanos);
    s.attributes.push_back({"mlflow.spanType", model::AnyValue("\"CHAIN\"")});
    s.attributes.push_back({"mlflow.spanInputs", model::AnyValue(r.inputs.dump())});
    if (!r.outputs.is_null())
      s.attributes.push_back({"mlflow.spanOutputs", model::AnyValue(r.outputs.dump())});
    s.status_code = r.error ? model::SpanStatusCode::kError : model::SpanStatusCode::kOk;
    if (r.error) s.status_message = *r.error;
    auto resource = std::make_shared<model::Resource>();
    resource->attributes.push_back({"service.name", model::AnyValue("tracelake-eval")});
    s.resource = std::move(resource);
    model::NormalizeSpan(s);
    storage::IngestBatch batch;
    batch.experiment_id = experiment_id_;
    batch.spans.push_back(std::move(s));
    RETURN_IF_ERROR(backend_.traces().Ingest(std::move(batch)));
    RETURN_IF_ERROR(backend_.traces().SetTraceMetadata(r.trace_id, eval::kSourceRunKey, r.run_id));
    return backend_.traces().SetTraceMetadata(r.trace_id, eval::kRecordKey, r.record_key);
  }

  Status SaveFeedbacks(const std::string& run_id, const std::string& record_key,
                       const TraceId& trace_id,
                       const std::vector<eval::Feedback>& feedbacks) override {
    std::vector<model::Assessment> list;
    list.reserve(feedbacks.size());
    const int64_t now = SystemClock::Default().NowUnixMillis();
    for (const eval::Feedback& f : feedbacks) {
      model::Assessment a = f.ToAssessment(MlflowTraceId(trace_id), now);
      a.metadata[eval::kAssessmentSourceRunKey] = run_id;
      a.metadata[eval::kRecordKey] = record_key;
      list.push_back(std::move(a));
    }
    return backend_.assessments().CreateAssessments(list).status();
  }

  Status WriteJudgeTrace(const std::string& scorer, model::Span span) override {
    return StoreJudgeTrace(backend_, experiment_id_, scorer, std::move(span));
  }

  Result<std::vector<eval::RunVerdict>> LoadRunVerdicts(const std::string& run_id) override {
    ASSIGN_OR_RETURN(std::vector<model::Assessment> list,
                     backend_.assessments().ListRunAssessments(run_id));
    std::vector<eval::RunVerdict> out;
    out.reserve(list.size());
    for (const model::Assessment& a : list) out.push_back(VerdictOf(a));
    return out;
  }

 private:
  storage::Backend& backend_;
  const std::string experiment_id_;
};

// One evaluation in flight.
struct Job {
  std::string run_id;
  std::string experiment_id;
  std::atomic<bool> cancel{false};
  std::thread thread;

  Mutex mu;
  eval::Progress progress TL_GUARDED_BY(mu);
  bool finished TL_GUARDED_BY(mu) = false;
  std::string state TL_GUARDED_BY(mu) = "RUNNING";
  std::string error TL_GUARDED_BY(mu);
  std::vector<eval::ScorerSummary> summary TL_GUARDED_BY(mu);
};

// Everything a job owns while it runs.
struct Plan {
  std::string run_id;
  std::string experiment_id;
  eval::EvalRun run;
  std::vector<eval::ResolvedScorer> scorers;
  std::unique_ptr<eval::AgentClient> agent;
  // The judges of a run whose request passed its own credentials; null: the server's.
  std::unique_ptr<eval::JudgeModels> own_judges;
  int concurrency = kDefaultConcurrency;
};

Result<std::string> StringField(const Json& j, const char* key, bool required) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (required)
      return InvalidArgumentError(std::string("Missing value for required parameter '") + key +
                                  "'");
    return std::string();
  }
  if (it->is_number_integer()) return std::to_string(it->get<int64_t>());
  if (!it->is_string())
    return InvalidArgumentError(std::string("Parameter '") + key + "' must be a string");
  return it->get<std::string>();
}

Result<eval::AgentEndpoint> ParseAgent(const Json& j) {
  if (!j.is_object()) return InvalidArgumentError("'agent' must be an object");
  eval::AgentEndpoint ep;
  ASSIGN_OR_RETURN(std::string kind, StringField(j, "kind", false));
  if (kind.empty() || kind == "chat") {
    ep.kind = eval::AgentEndpoint::Kind::kChat;
  } else if (kind == "json") {
    ep.kind = eval::AgentEndpoint::Kind::kJson;
  } else {
    return InvalidArgumentError("agent.kind must be 'chat' or 'json', got '" + kind + "'");
  }
  ASSIGN_OR_RETURN(ep.url, StringField(j, "url", true));
  ASSIGN_OR_RETURN(ep.model, StringField(j, "model", false));
  ASSIGN_OR_RETURN(ep.request_template, StringField(j, "request_template", false));
  ASSIGN_OR_RETURN(ep.output_pointer, StringField(j, "output_pointer", false));
  if (j.contains("timeout_seconds")) {
    if (!j["timeout_seconds"].is_number() || j["timeout_seconds"].get<double>() <= 0)
      return InvalidArgumentError("agent.timeout_seconds must be a positive number");
    ep.timeout =
        std::chrono::milliseconds(static_cast<int64_t>(j["timeout_seconds"].get<double>() * 1000));
  }
  if (j.contains("headers")) {
    if (!j["headers"].is_object()) return InvalidArgumentError("agent.headers must be an object");
    for (const auto& [k, v] : j["headers"].items()) {
      if (!v.is_string()) return InvalidArgumentError("agent.headers values must be strings");
      ep.headers.emplace_back(k, v.get<std::string>());
    }
  }
  RETURN_IF_ERROR(eval::ValidateEndpoint(ep));
  return ep;
}

Json ParseJsonText(const std::string& text) {
  if (text.empty()) return nullptr;
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  return j.is_discarded() ? Json(text) : j;
}

}  // namespace

class EvaluationService::Impl {
 public:
  Impl(storage::Backend& backend, llm::HttpClient& http, eval::JudgeModels& judges,
       EvaluationOptions options)
      : backend_(backend), http_(http), judges_(judges), options_(options) {}

  ~Impl() { Shutdown(); }

  Result<Json> Start(const Json& req) {
    if (!req.is_object()) return InvalidArgumentError("The request body must be a JSON object");
    ASSIGN_OR_RETURN(std::string run_id, StringField(req, "run_id", false));
    Json spec = req;
    std::optional<model::Run> existing;
    if (!run_id.empty()) {
      ASSIGN_OR_RETURN(model::Run run, backend_.runs().GetRun(run_id));
      if (run.info.lifecycle_stage != model::LifecycleStage::kActive)
        return InvalidArgumentError("Run '" + run_id + "' is deleted; restore it first");
      auto tag = run.tags.find(kEvalSpecTag);
      if (tag == run.tags.end())
        return InvalidArgumentError("Run '" + run_id + "' is not an evaluation run");
      // Resuming: the stored spec, with what the request names again taking precedence
      // (agent headers are never stored, so a resumed run passes them again).
      Json stored = Json::parse(tag->second, nullptr, false);
      if (stored.is_object()) {
        for (const auto& [k, v] : req.items()) stored[k] = v;
        spec = std::move(stored);
      }
      spec["experiment_id"] = run.info.experiment_id;
      existing = std::move(run);
    }
    ASSIGN_OR_RETURN(std::unique_ptr<Plan> plan, MakePlan(spec));
    {
      MutexLock lock(mu_);
      if (shut_down_) return UnavailableError("The server is shutting down");
      if (!run_id.empty()) {
        auto it = jobs_.find(run_id);
        if (it != jobs_.end() && !JobFinished(*it->second))
          return AlreadyExistsError("Evaluation run '" + run_id + "' is already running");
      }
    }

    // The MLflow run: new, or the one being resumed (RUNNING again).
    if (existing) {
      storage::UpdateRunRequest u;
      u.status = model::RunStatus::kRunning;
      RETURN_IF_ERROR(backend_.runs().UpdateRun(run_id, u).status());
    } else {
      storage::CreateRunRequest c;
      c.experiment_id = plan->experiment_id;
      ASSIGN_OR_RETURN(c.run_name, StringField(spec, "run_name", false));
      Json stored = spec;
      if (stored.contains("agent")) stored["agent"].erase("headers");
      stored.erase("judge_credentials");
      std::string spec_text = stored.dump();
      if (spec_text.size() > 8000)
        return InvalidArgumentError("The evaluation spec is too large to store with its run");
      c.tags = {{kEvalTag, "true"}, {kEvalSpecTag, spec_text}};
      ASSIGN_OR_RETURN(model::Run run, backend_.runs().CreateRun(c));
      run_id = run.info.run_id;
    }
    plan->run_id = run_id;
    plan->run.run_id = run_id;

    auto job = std::make_shared<Job>();
    job->run_id = run_id;
    job->experiment_id = plan->experiment_id;
    {
      MutexLock lock(job->mu);
      job->progress.total = static_cast<int64_t>(plan->run.records.size());
    }
    {
      MutexLock lock(mu_);
      if (shut_down_) return UnavailableError("The server is shutting down");
      auto it = jobs_.find(run_id);
      if (it != jobs_.end()) {
        if (!JobFinished(*it->second))
          return AlreadyExistsError("Evaluation run '" + run_id + "' is already running");
        if (it->second->thread.joinable()) it->second->thread.join();
      }
      ReapFinishedLocked();
      jobs_[run_id] = job;
      job->thread = std::thread(
          [this, job, p = std::shared_ptr<Plan>(std::move(plan))] { RunJob(*job, *p); });
    }
    return JobJson(*job);
  }

  // The stored run and its stored feedback (aggregates so far, while it runs), with the live
  // progress of a job this server process runs. Any run works: one made by MLflow's
  // mlflow.genai.evaluate has feedback and no spec.
  Result<Json> GetStatus(const std::string& run_id) {
    ASSIGN_OR_RETURN(model::Run run, backend_.runs().GetRun(run_id));
    StorePorts ports(backend_, run.info.experiment_id);
    ASSIGN_OR_RETURN(std::vector<eval::RunVerdict> verdicts, ports.LoadRunVerdicts(run_id));
    std::set<std::string> keys;
    for (const eval::RunVerdict& v : verdicts) keys.insert(v.record_key);
    Json out = {{"run_id", run_id},
                {"experiment_id", run.info.experiment_id},
                {"run_name", run.info.run_name},
                {"status", model::RunStatusName(run.info.status)},
                {"records_scored", keys.size()},
                {"scorers", SummaryJson(eval::SummarizeVerdicts(verdicts))}};
    if (auto tag = run.tags.find(kEvalSpecTag); tag != run.tags.end()) {
      Json spec = Json::parse(tag->second, nullptr, false);
      if (spec.is_object()) out["spec"] = std::move(spec);
    }
    if (std::shared_ptr<Job> job = FindJob(run_id)) {
      MutexLock lock(job->mu);
      out["status"] = job->state;
      out["progress"] = ProgressJson(job->progress);
      if (!job->error.empty()) out["error"] = job->error;
    }
    return out;
  }

  Result<Json> Cancel(const std::string& run_id) {
    std::shared_ptr<Job> job = FindJob(run_id);
    if (!job) {
      ASSIGN_OR_RETURN(model::Run run, backend_.runs().GetRun(run_id));
      return Json{{"run_id", run_id}, {"status", model::RunStatusName(run.info.status)}};
    }
    job->cancel = true;
    return JobJson(*job);
  }

  Result<Json> Records(const std::string& run_id, const RecordsQuery& q) {
    if (!q.verdict.empty() && q.verdict != "yes" && q.verdict != "no" && q.verdict != "unknown" &&
        q.verdict != "value")
      return InvalidArgumentError("'verdict' must be one of yes, no, unknown, value");
    size_t offset = 0;
    if (!q.page_token.empty()) {
      // The token is the position of the page's first record in key order.
      const std::string& t = q.page_token;
      if (t.size() > 12 || t.find_first_not_of("0123456789") != std::string::npos)
        return InvalidArgumentError("Invalid page_token '" + t.substr(0, 40) + "'");
      offset = std::stoull(t);
    }
    ASSIGN_OR_RETURN(model::Run run, backend_.runs().GetRun(run_id));
    StorePorts ports(backend_, run.info.experiment_id);
    ASSIGN_OR_RETURN(std::vector<eval::RunVerdict> verdicts, ports.LoadRunVerdicts(run_id));
    std::map<std::string, Json> by_key;
    std::set<std::string> matching;
    for (const eval::RunVerdict& v : verdicts) {
      Json& rec = by_key[v.record_key];
      if (rec.is_null())
        rec = {{"record_key", v.record_key}, {"trace_id", v.trace_id}, {"feedback", Json::array()}};
      const std::string verdict = eval::VerdictName(v.verdict);
      rec["feedback"].push_back({{"name", v.scorer},
                                 {"verdict", verdict},
                                 {"value", v.value},
                                 {"rationale", v.rationale},
                                 {"error", v.error.empty() ? Json(nullptr) : Json(v.error)}});
      if ((q.scorer.empty() || q.scorer == v.scorer) && (q.verdict.empty() || q.verdict == verdict))
        matching.insert(v.record_key);
    }
    Json records = Json::array();
    size_t position = 0;
    const size_t limit = static_cast<size_t>(q.max_results);
    for (auto& [key, rec] : by_key) {
      if (matching.count(key) == 0) continue;
      if (position++ < offset) continue;
      if (records.size() >= limit) break;
      records.push_back(std::move(rec));
    }
    const bool more = offset + records.size() < matching.size();
    Json out = {{"run_id", run_id},
                {"records", std::move(records)},
                {"total", matching.size()},
                {"truncated", more}};
    if (more) out["next_page_token"] = std::to_string(offset + out["records"].size());
    return out;
  }

  Result<Json> Compare(const std::string& a, const std::string& b) {
    ASSIGN_OR_RETURN(model::Run ra, backend_.runs().GetRun(a));
    ASSIGN_OR_RETURN(model::Run rb, backend_.runs().GetRun(b));
    StorePorts pa(backend_, ra.info.experiment_id), pb(backend_, rb.info.experiment_id);
    ASSIGN_OR_RETURN(std::vector<eval::RunVerdict> va, pa.LoadRunVerdicts(a));
    ASSIGN_OR_RETURN(std::vector<eval::RunVerdict> vb, pb.LoadRunVerdicts(b));
    Json scorers = Json::array();
    for (const eval::ScorerComparison& c : eval::CompareRuns(va, vb)) {
      Json changed = Json::array();
      for (const eval::ChangedRecord& r : c.changed)
        changed.push_back({{"record_key", r.record_key},
                           {"trace_a", r.trace_a},
                           {"trace_b", r.trace_b},
                           {"verdict_a", eval::VerdictName(r.a)},
                           {"verdict_b", eval::VerdictName(r.b)}});
      const eval::PairedComparison& p = c.paired;
      scorers.push_back({{"name", c.name},
                         {"both_yes", p.both_yes},
                         {"both_no", p.both_no},
                         {"yes_to_no", p.yes_to_no},
                         {"no_to_yes", p.no_to_yes},
                         {"with_unknown", p.with_unknown},
                         {"only_in_a", c.only_in_a},
                         {"only_in_b", c.only_in_b},
                         {"pass_rate_a", p.rate_a},
                         {"pass_rate_b", p.rate_b},
                         {"p_value", p.p_value},
                         {"significant", p.Significant()},
                         {"changed", std::move(changed)}});
    }
    return Json{{"run_a", a},
                {"run_b", b},
                {"test", "McNemar exact, two-sided, alpha 0.05"},
                {"scorers", std::move(scorers)}};
  }

  void Shutdown() {
    std::map<std::string, std::shared_ptr<Job>> jobs;
    {
      MutexLock lock(mu_);
      shut_down_ = true;
      jobs.swap(jobs_);
    }
    for (auto& [id, job] : jobs) job->cancel = true;
    for (auto& [id, job] : jobs)
      if (job->thread.joinable()) job->thread.join();
  }

 private:
  // Joins the threads of finished evaluations, and forgets the oldest finished ones beyond
  // kMaxFinishedJobs (their status is then read from the store).
  void ReapFinishedLocked() TL_REQUIRES(mu_) {
    std::vector<std::string> finished;
    for (auto& [id, job] : jobs_) {
      if (!JobFinished(*job)) continue;
      if (job->thread.joinable()) job->thread.join();
      finished.push_back(id);
    }
    for (size_t i = 0; i + kMaxFinishedJobs < finished.size(); ++i) jobs_.erase(finished[i]);
  }

  static bool JobFinished(Job& job) {
    MutexLock lock(job.mu);
    return job.finished;
  }

  std::shared_ptr<Job> FindJob(const std::string& run_id) {
    MutexLock lock(mu_);
    auto it = jobs_.find(run_id);
    return it == jobs_.end() ? nullptr : it->second;
  }

  static Json JobJson(Job& job) {
    MutexLock lock(job.mu);
    Json j = {{"run_id", job.run_id},
              {"experiment_id", job.experiment_id},
              {"status", job.state},
              {"progress", ProgressJson(job.progress)},
              {"scorers", SummaryJson(job.summary)}};
    if (!job.error.empty()) j["error"] = job.error;
    return j;
  }

  // The judges a run calls: the server's, or, when the request carries `judge_credentials`
  // (provider variables from the client's environment: the CLI sends its own), judge models
  // with those in place of the server's. Credentials are never stored or echoed.
  Result<eval::JudgeModels*> RunJudges(const Json& spec, Plan& plan) {
    auto it = spec.find("judge_credentials");
    if (it == spec.end() || it->is_null()) return &judges_;
    if (!it->is_object())
      return InvalidArgumentError(
          "'judge_credentials' must be an object of variable names to values");
    const std::vector<std::string>& allowed = eval::JudgeCredentialVariables();
    eval::Environment env;
    for (const auto& [name, value] : it->items()) {
      if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
        std::string list;
        for (const std::string& a : allowed) list += (list.empty() ? "" : ", ") + a;
        return InvalidArgumentError("'judge_credentials' may only hold " + list + "; got '" +
                                    (name.size() <= 64 ? name : name.substr(0, 64) + "...") + "'");
      }
      if (!value.is_string() || value.get_ref<const std::string&>().size() > 4096)
        return InvalidArgumentError("'judge_credentials." + name +
                                    "' must be a string of at most 4096 characters");
      if (!value.get_ref<const std::string&>().empty()) env[name] = value.get<std::string>();
    }
    if (env.empty()) return &judges_;
    plan.own_judges = judges_.WithCredentials(env);
    return plan.own_judges.get();
  }

  Result<std::unique_ptr<Plan>> MakePlan(const Json& spec) {
    auto plan = std::make_unique<Plan>();
    ASSIGN_OR_RETURN(plan->experiment_id, StringField(spec, "experiment_id", true));
    RETURN_IF_ERROR(backend_.experiments().GetExperiment(plan->experiment_id).status());

    // Scorers first: a bad one fails the request before anything is read or written.
    if (!spec.contains("scorers") || !spec["scorers"].is_array() || spec["scorers"].empty())
      return InvalidArgumentError("'scorers' must name at least one scorer");
    ASSIGN_OR_RETURN(std::string judge_model, StringField(spec, "judge_model", false));
    ASSIGN_OR_RETURN(eval::JudgeModels * judges, RunJudges(spec, *plan));
    eval::ScorerSpecContext ctx;
    ctx.server_scorers = options_.server_scorers;
    ctx.default_model = judge_model;
    ctx.registered = [this, exp = plan->experiment_id](
                         const std::string& name,
                         std::optional<int64_t> version) -> Result<std::string> {
      ASSIGN_OR_RETURN(model::ScorerVersion v, backend_.scorers().GetScorer(exp, name, version));
      return v.serialized_scorer;
    };
    for (const Json& s : spec["scorers"]) {
      ASSIGN_OR_RETURN(eval::ResolvedScorer r, eval::MakeScorerFromSpec(s, ctx));
      // A judge whose model has no credentials here fails the request now (naming the variable
      // to set), not every record later.
      const eval::ScorerKind kind = r.scorer->kind();
      if (kind == eval::ScorerKind::kBuiltin || kind == eval::ScorerKind::kGuidelines ||
          kind == eval::ScorerKind::kInstructions) {
        std::string model = judge_model;
        if (s.is_object() && s.contains("model") && s["model"].is_string())
          model = s["model"].get<std::string>();
        Result<eval::JudgeModel*> m = judges->Get(model);
        if (!m.ok())
          return Status(m.status().code(),
                        "scorer '" + r.scorer->name() + "': " + m.status().message());
      }
      plan->run.scorers.push_back(r.scorer);
      plan->scorers.push_back(std::move(r));
    }
    if (spec.contains("agent") && !spec["agent"].is_null()) {
      ASSIGN_OR_RETURN(eval::AgentEndpoint ep, ParseAgent(spec["agent"]));
      plan->agent =
          std::make_unique<eval::AgentClient>(std::move(ep), http_, SystemClock::Default());
      plan->run.agent = plan->agent.get();
    }
    if (spec.contains("concurrency")) {
      if (!spec["concurrency"].is_number_integer() || spec["concurrency"].get<int64_t>() < 1)
        return InvalidArgumentError("'concurrency' must be a positive integer");
      plan->concurrency = static_cast<int>(
          std::min<int64_t>(spec["concurrency"].get<int64_t>(), options_.max_concurrency));
    }

    ASSIGN_OR_RETURN(std::string dataset_id, StringField(spec, "dataset_id", false));
    const bool has_traces = spec.contains("traces") && !spec["traces"].is_null();
    if (dataset_id.empty() == !has_traces)
      return InvalidArgumentError(
          "Give exactly one of 'dataset_id' (evaluate a dataset's records) or 'traces' "
          "({\"filter\": ..., \"max_results\": ...}: score stored traces)");
    if (!dataset_id.empty()) {
      RETURN_IF_ERROR(LoadDataset(dataset_id, plan->run.records));
    } else {
      RETURN_IF_ERROR(LoadTraces(plan->experiment_id, spec["traces"], plan->run.records));
    }
    if (plan->run.records.empty())
      return InvalidArgumentError(dataset_id.empty()
                                      ? "No trace matches the evaluation's filter"
                                      : "Dataset '" + dataset_id + "' has no records");
    return plan;
  }

  Status LoadDataset(const std::string& dataset_id, std::vector<eval::EvalRecord>& out) {
    std::string token;
    do {
      ASSIGN_OR_RETURN(storage::RecordPage page,
                       backend_.datasets().GetRecords(dataset_id, 1000, token));
      for (const model::DatasetRecord& r : page.records) {
        if (static_cast<int64_t>(out.size()) >= options_.max_records)
          return InvalidArgumentError("Dataset '" + dataset_id + "' has more than " +
                                      std::to_string(options_.max_records) +
                                      " records, the most one evaluation takes");
        eval::EvalRecord rec;
        rec.key = r.dataset_record_id;
        rec.inputs = ParseJsonText(r.inputs_json);
        rec.outputs = ParseJsonText(r.outputs_json);
        rec.expectations = ParseJsonText(r.expectations_json);
        out.push_back(std::move(rec));
      }
      token = page.next_page_token;
    } while (!token.empty());
    return OkStatus();
  }

  Status LoadTraces(const std::string& experiment_id, const Json& traces,
                    std::vector<eval::EvalRecord>& out) {
    if (!traces.is_object())
      return InvalidArgumentError(
          "'traces' must be an object: {\"filter\": ..., \"max_results\": ...}");
    ASSIGN_OR_RETURN(std::string filter_text, StringField(traces, "filter", false));
    int64_t max = kDefaultMaxTraces;
    if (traces.contains("max_results")) {
      if (!traces["max_results"].is_number_integer() || traces["max_results"].get<int64_t>() < 1)
        return InvalidArgumentError("traces.max_results must be a positive integer");
      max = std::min(traces["max_results"].get<int64_t>(), options_.max_records);
    }
    std::unique_ptr<query::Expr> filter;
    if (!filter_text.empty()) {
      ASSIGN_OR_RETURN(filter, query::ParseFilter(filter_text));
    }
    storage::TraceSearchRequest req;
    req.experiment_ids = {experiment_id};
    req.filter = filter.get();
    req.include_assessments = false;
    do {
      req.max_results =
          static_cast<int>(std::min<int64_t>(500, max - static_cast<int64_t>(out.size())));
      ASSIGN_OR_RETURN(storage::TracePage page, backend_.traces().SearchTraces(req));
      for (const model::TraceInfo& t : page.traces) {
        eval::EvalRecord rec;
        rec.key = MlflowTraceId(t.trace_id);
        rec.trace_id = t.trace_id;
        out.push_back(std::move(rec));
      }
      req.page_token = page.next_page_token;
    } while (!req.page_token.empty() && static_cast<int64_t>(out.size()) < max);
    return OkStatus();
  }

  void RunJob(Job& job, Plan& plan) {
    StorePorts ports(backend_, plan.experiment_id);
    eval::EvalOptions opts;
    opts.concurrency = plan.concurrency;
    opts.cancel = &job.cancel;
    opts.progress_every = std::chrono::milliseconds(250);
    opts.on_progress = [&job](const eval::Progress& p) {
      MutexLock lock(job.mu);
      job.progress = p;
    };
    Result<eval::EvalSummary> s =
        eval::RunEvaluation(plan.run, ports, plan.own_judges ? plan.own_judges.get() : &judges_,
                            opts, SystemClock::Default());
    model::RunStatus final_status = model::RunStatus::kFailed;
    std::string error;
    std::vector<eval::ScorerSummary> summary;
    if (s.ok()) {
      summary = s->scorers;
      final_status = s->cancelled ? model::RunStatus::kKilled : model::RunStatus::kFinished;
      if (!s->first_error.ok())
        error = std::to_string(s->progress.failed) +
                " record(s) failed; the first: " + s->first_error.message();
      const int64_t now = SystemClock::Default().NowUnixMillis();
      std::vector<model::RunMetric> metrics;
      for (const auto& [key, value] : eval::SummaryMetrics(summary))
        metrics.push_back({key, value, now, 0});
      for (size_t i = 0; i < metrics.size(); i += storage::kMaxMetricsPerBatch) {
        std::vector<model::RunMetric> part(
            metrics.begin() + static_cast<std::ptrdiff_t>(i),
            metrics.begin() + static_cast<std::ptrdiff_t>(
                                  std::min(metrics.size(), i + storage::kMaxMetricsPerBatch)));
        Status st = backend_.runs().LogBatch(plan.run_id, part, {}, {});
        if (!st.ok() && error.empty()) error = "logging the run's metrics: " + st.message();
      }
    } else {
      error = s.status().message();
    }
    storage::UpdateRunRequest u;
    u.status = final_status;
    u.end_time_ms = SystemClock::Default().NowUnixMillis();
    Status st = backend_.runs().UpdateRun(plan.run_id, u).status();
    if (!st.ok() && error.empty()) error = "updating the run: " + st.message();

    MutexLock lock(job.mu);
    if (s.ok()) job.progress = s->progress;
    job.summary = std::move(summary);
    job.error = std::move(error);
    job.state = model::RunStatusName(final_status);
    job.finished = true;
  }

  storage::Backend& backend_;
  llm::HttpClient& http_;
  eval::JudgeModels& judges_;
  const EvaluationOptions options_;

  Mutex mu_;
  std::map<std::string, std::shared_ptr<Job>> jobs_ TL_GUARDED_BY(mu_);
  bool shut_down_ TL_GUARDED_BY(mu_) = false;
};

EvaluationService::EvaluationService(storage::Backend& backend, llm::HttpClient& http,
                                     eval::JudgeModels& judges, EvaluationOptions options)
    : impl_(std::make_unique<Impl>(backend, http, judges, options)) {}
EvaluationService::~EvaluationService() = default;

Result<Json> EvaluationService::Start(const Json& request) { return impl_->Start(request); }
Result<Json> EvaluationService::Get(const std::string& run_id) { return impl_->GetStatus(run_id); }
Result<Json> EvaluationService::Cancel(const std::string& run_id) { return impl_->Cancel(run_id); }
Result<Json> EvaluationService::Records(const std::string& run_id, const RecordsQuery& query) {
  return impl_->Records(run_id, query);
}
Result<Json> EvaluationService::Compare(const std::string& a, const std::string& b) {
  return impl_->Compare(a, b);
}
void EvaluationService::Shutdown() { impl_->Shutdown(); }

namespace {
struct EvalRouteDeps {
  EvaluationService& service;
};
}  // namespace

void RegisterEvaluationRoutes(Router& router, EvaluationService& service) {
  MlflowRouteTable table(router);
  BoundRoutes<EvalRouteDeps> routes(table, EvalRouteDeps{service});
  routes.Add({"POST"}, 2, "/tracelake/evaluations", Scope::kWrite,
             [](const HttpRequest& req, const EvalRouteDeps& d) -> Result<Json> {
               ASSIGN_OR_RETURN(Json body, ParamReader::FromRequest(req));
               return d.service.Start(body);
             });
  routes.Add({"GET"}, 2, "/tracelake/evaluations/compare", Scope::kRead,
             [](const HttpRequest& req, const EvalRouteDeps& d) -> Result<Json> {
               ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
               ParamReader p(params);
               ASSIGN_OR_RETURN(std::string a, p.RequiredString("run_a"));
               ASSIGN_OR_RETURN(std::string b, p.RequiredString("run_b"));
               return d.service.Compare(a, b);
             });
  routes.Add({"GET"}, 2, "/tracelake/evaluations/{run_id}", Scope::kRead,
             [](const HttpRequest& req, const EvalRouteDeps& d) -> Result<Json> {
               ASSIGN_OR_RETURN(std::string id, PathParam(req, "run_id"));
               return d.service.Get(id);
             });
  routes.Add({"GET"}, 2, "/tracelake/evaluations/{run_id}/records", Scope::kRead,
             [](const HttpRequest& req, const EvalRouteDeps& d) -> Result<Json> {
               ASSIGN_OR_RETURN(std::string id, PathParam(req, "run_id"));
               ASSIGN_OR_RETURN(Json params, ParamReader::FromRequest(req));
               ParamReader p(params);
               RecordsQuery q;
               ASSIGN_OR_RETURN(q.scorer, p.StringOr("scorer"));
               ASSIGN_OR_RETURN(q.verdict, p.StringOr("verdict"));
               ASSIGN_OR_RETURN(q.page_token, p.StringOr("page_token"));
               ASSIGN_OR_RETURN(
                   std::optional<int64_t> max,
                   p.OptInt("max_results", 1, static_cast<int64_t>(kMaxRecordsListed)));
               if (max) q.max_results = *max;
               return d.service.Records(id, q);
             });
  routes.Add({"POST"}, 2, "/tracelake/evaluations/{run_id}/cancel", Scope::kWrite,
             [](const HttpRequest& req, const EvalRouteDeps& d) -> Result<Json> {
               ASSIGN_OR_RETURN(std::string id, PathParam(req, "run_id"));
               return d.service.Cancel(id);
             });
}

}  // namespace tracelake::server
