#include "eval/evaluation.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <utility>

#include "eval/judge_trace.h"
#include "llm/deadline.h"

namespace tracelake::eval {
namespace {

bool NeedsTrace(const std::vector<const Scorer*>& scorers) {
  for (const Scorer* s : scorers) {
    const std::vector<InputField> fields = s->required_inputs();
    if (std::find(fields.begin(), fields.end(), InputField::kTrace) != fields.end()) return true;
  }
  return false;
}

FeedbackSource SourceOf(const Scorer& s) {
  return s.kind() == ScorerKind::kCode || s.kind() == ScorerKind::kExternal
             ? FeedbackSource::Code(s.name())
             : FeedbackSource::Judge("");
}

// Every scorer answers unknown for a record that could not be scored (the agent failed).
std::vector<Feedback> AllUnknown(const std::vector<const Scorer*>& scorers, const char* code,
                                 const std::string& message) {
  std::vector<Feedback> out;
  out.reserve(scorers.size());
  for (const Scorer* s : scorers)
    out.push_back(Feedback::Unknown(s->name(), FeedbackError{code, message, ""}, SourceOf(*s)));
  return out;
}

Status CheckRun(const EvalRun& run) {
  if (run.run_id.empty()) return InvalidArgumentError("an evaluation needs a run id");
  if (run.scorers.empty()) return InvalidArgumentError("an evaluation needs at least one scorer");
  std::set<std::string> names;
  for (const Scorer* s : run.scorers)
    if (!names.insert(s->name()).second)
      return InvalidArgumentError("two scorers are named '" + s->name() +
                                  "'; give one another name");
  std::set<std::string> keys;
  for (size_t i = 0; i < run.records.size(); ++i) {
    const EvalRecord& r = run.records[i];
    const std::string where = "record " + std::to_string(i) + " ('" + r.key + "')";
    if (r.key.empty()) return InvalidArgumentError("record " + std::to_string(i) + " has no key");
    if (!keys.insert(r.key).second)
      return InvalidArgumentError(where + ": the key appears twice in the evaluation");
    if (!r.trace_id && !r.inputs.is_object())
      return InvalidArgumentError(where + ": inputs must be a JSON object, got " +
                                  std::string(r.inputs.type_name()));
    if (!r.expectations.is_null() && !r.expectations.is_object())
      return InvalidArgumentError(where + ": expectations must be a JSON object");
    if (!r.trace_id && run.agent == nullptr && r.outputs.is_null())
      return InvalidArgumentError(where +
                                  ": has no outputs and the evaluation has no agent to ask; "
                                  "give an agent endpoint or records with outputs");
  }
  return OkStatus();
}

}  // namespace

namespace {

class Evaluator {
 public:
  Evaluator(const EvalRun& run, EvalPorts& ports, JudgeModels* judges, const EvalOptions& options,
            const Clock& clock)
      : run_(run),
        ports_(ports),
        judges_(judges),
        options_(options),
        clock_(clock),
        needs_trace_(NeedsTrace(run.scorers)) {}

  Status One(const EvalRecord& rec) {
    const llm::Deadline deadline = llm::Deadline::After(clock_, options_.record_timeout);
    EvalInput in;
    in.inputs = rec.inputs;
    in.outputs = rec.outputs;
    in.expectations = rec.expectations;
    std::optional<model::Trace> trace;
    TraceId trace_id;
    Status agent_error;

    if (rec.trace_id) {
      trace_id = *rec.trace_id;
      ASSIGN_OR_RETURN(trace, ports_.LoadTrace(trace_id));
      if (!trace) return NotFoundError("trace " + MlflowTraceId(trace_id) + " is not stored");
    } else {
      trace_id = RandomTraceId();
      RecordSpan span;
      span.run_id = run_.run_id;
      span.record_key = rec.key;
      span.trace_id = trace_id;
      span.span_id = RandomSpanId();
      span.name = "predict";
      span.inputs = rec.inputs;
      span.start_unix_nanos = clock_.NowUnixNanos();
      if (run_.agent != nullptr && rec.outputs.is_null()) {
        Result<AgentAnswer> answer = run_.agent->Call(rec.inputs, trace_id, span.span_id);
        if (answer.ok()) {
          in.outputs = answer->outputs;
        } else {
          agent_error = answer.status();
          span.error = agent_error.message();
        }
      } else {
        in.outputs = rec.outputs;
      }
      span.outputs = in.outputs;
      span.end_unix_nanos = std::max(clock_.NowUnixNanos(), span.start_unix_nanos);
      RETURN_IF_ERROR(ports_.WriteRecordSpan(span));
      if (needs_trace_ && agent_error.ok()) {
        ASSIGN_OR_RETURN(trace, AwaitTrace(trace_id, deadline));
      }
    }

    std::vector<Feedback> feedbacks;
    if (!agent_error.ok()) {
      feedbacks = AllUnknown(run_.scorers, "AGENT_ERROR",
                             "the agent did not answer: " + agent_error.message());
    } else {
      in.trace = trace ? &*trace : nullptr;
      const EvalInput resolved = ResolveInput(in);
      ScoreContext ctx(deadline, clock_, judges_);
      ctx.cancel = options_.cancel;
      for (const Scorer* s : run_.scorers) {
        std::vector<Feedback> f = s->Score(resolved, ctx);
        feedbacks.insert(feedbacks.end(), std::make_move_iterator(f.begin()),
                         std::make_move_iterator(f.end()));
      }
    }
    // The judges' calls as traces of their own, linked from their feedback. One that cannot
    // be stored leaves its verdict without the link: the verdict is what the run is for.
    (void)LinkJudgeTraces(feedbacks, [this](const std::string& scorer, model::Span span) {
      return ports_.WriteJudgeTrace(scorer, std::move(span));
    });
    RETURN_IF_ERROR(ports_.SaveFeedbacks(run_.run_id, rec.key, trace_id, feedbacks));
    return agent_error;
  }

 private:
  // The record's trace once the agent's spans stopped arriving (see EvalOptions::trace_wait).
  Result<std::optional<model::Trace>> AwaitTrace(const TraceId& id, llm::Deadline deadline) {
    const int64_t start = clock_.NowUnixNanos();
    const int64_t wait_ns = std::chrono::nanoseconds(options_.trace_wait).count();
    const int64_t quiet_ns = std::chrono::nanoseconds(options_.trace_quiet).count();
    const auto step =
        std::chrono::milliseconds(std::clamp<int64_t>(options_.trace_quiet.count() / 3, 10, 500));
    std::optional<model::Trace> last;
    size_t last_count = 0;
    int64_t last_change = start;
    for (;;) {
      ASSIGN_OR_RETURN(std::optional<model::Trace> t, ports_.LoadTrace(id));
      const int64_t now = clock_.NowUnixNanos();
      const size_t count = t ? t->spans.size() : 0;
      if (count != last_count) {
        last_count = count;
        last_change = now;
      }
      last = std::move(t);
      if (now - last_change >= quiet_ns || now - start >= wait_ns || deadline.Expired(clock_))
        return last;
      if (options_.sleep) {
        options_.sleep(step);
      } else {
        std::this_thread::sleep_for(step);
      }
    }
  }

  const EvalRun& run_;
  EvalPorts& ports_;
  JudgeModels* judges_;
  const EvalOptions& options_;
  const Clock& clock_;
  const bool needs_trace_;
};

// The worst verdict wins: any no, else any unknown, else yes (values count as unknown here).
Verdict Worse(Verdict a, Verdict b) {
  auto rank = [](Verdict v) {
    switch (v) {
      case Verdict::kNo:
        return 3;
      case Verdict::kUnknown:
      case Verdict::kValue:
        return 2;
      case Verdict::kYes:
        break;
    }
    return 1;
  };
  return rank(a) >= rank(b) ? a : b;
}

struct PerRecord {
  Verdict verdict = Verdict::kYes;
  std::string trace_id;
};

// scorer -> record key -> the record's verdict
using VerdictIndex = std::map<std::string, std::map<std::string, PerRecord>>;

VerdictIndex IndexVerdicts(const std::vector<RunVerdict>& verdicts) {
  VerdictIndex index;
  for (const RunVerdict& v : verdicts) {
    auto [it, inserted] = index[v.scorer].try_emplace(v.record_key);
    it->second.verdict = inserted ? v.verdict : Worse(it->second.verdict, v.verdict);
    if (inserted) it->second.trace_id = v.trace_id;
  }
  return index;
}

}  // namespace

Result<EvalSummary> RunEvaluation(const EvalRun& run, EvalPorts& ports, JudgeModels* judges,
                                  const EvalOptions& options, const Clock& clock) {
  RETURN_IF_ERROR(CheckRun(run));
  // Resume: a record is finished when every scorer's feedback for it is stored.
  ASSIGN_OR_RETURN(std::vector<RunVerdict> before, ports.LoadRunVerdicts(run.run_id));
  std::map<std::string, std::set<std::string>> scored;  // record key -> scorer names
  for (const RunVerdict& v : before) scored[v.record_key].insert(v.scorer);
  auto finished = [&](int64_t i) {
    auto it = scored.find(run.records[static_cast<size_t>(i)].key);
    if (it == scored.end()) return false;
    for (const Scorer* s : run.scorers)
      if (it->second.count(s->name()) == 0) return false;
    return true;
  };

  Evaluator evaluator(run, ports, judges, options, clock);
  RunLoopOptions loop;
  loop.concurrency = options.concurrency;
  loop.cancel = options.cancel;
  loop.on_progress = options.on_progress;
  loop.progress_every = options.progress_every;
  RunLoopResult r = RunAll(
      static_cast<int64_t>(run.records.size()), finished,
      [&](int64_t i) { return evaluator.One(run.records[static_cast<size_t>(i)]); }, loop, clock);

  EvalSummary summary;
  summary.progress = r.progress;
  summary.cancelled = r.cancelled;
  summary.first_error = r.first_error;
  ASSIGN_OR_RETURN(std::vector<RunVerdict> after, ports.LoadRunVerdicts(run.run_id));
  std::vector<std::string> order;
  order.reserve(run.scorers.size());
  for (const Scorer* s : run.scorers) order.push_back(s->name());
  summary.scorers = SummarizeVerdicts(after, order);
  return summary;
}

std::vector<ScorerSummary> SummarizeVerdicts(const std::vector<RunVerdict>& verdicts,
                                             const std::vector<std::string>& order) {
  struct Acc {
    int64_t yes = 0, no = 0, unknown = 0, values = 0, numeric = 0;
    double sum = 0;
  };
  std::map<std::string, Acc> acc;
  for (const std::string& name : order) acc.try_emplace(name);
  for (const RunVerdict& v : verdicts) {
    Acc& a = acc[v.scorer];
    switch (v.verdict) {
      case Verdict::kYes:
        ++a.yes;
        break;
      case Verdict::kNo:
        ++a.no;
        break;
      case Verdict::kUnknown:
        ++a.unknown;
        break;
      case Verdict::kValue:
        ++a.values;
        if (v.value.is_number()) {
          ++a.numeric;
          a.sum += v.value.get<double>();
        }
        break;
    }
  }
  std::vector<ScorerSummary> out;
  auto add = [&](const std::string& name, const Acc& a) {
    ScorerSummary s;
    s.name = name;
    s.pass = SummarizeCounts(a.yes, a.no, a.unknown);
    s.values = a.values;
    s.numeric = a.numeric;
    if (a.numeric > 0) s.mean = a.sum / static_cast<double>(a.numeric);
    out.push_back(std::move(s));
  };
  for (const std::string& name : order) add(name, acc[name]);
  for (const auto& [name, a] : acc)
    if (std::find(order.begin(), order.end(), name) == order.end()) add(name, a);
  return out;
}

std::vector<std::pair<std::string, double>> SummaryMetrics(const std::vector<ScorerSummary>& s) {
  std::vector<std::pair<std::string, double>> m;
  for (const ScorerSummary& x : s) {
    if (x.pass.decided() > 0) {
      m.emplace_back(x.name + "/mean", x.pass.rate);
      m.emplace_back(x.name + "/ci_low", x.pass.interval.low);
      m.emplace_back(x.name + "/ci_high", x.pass.interval.high);
    } else if (x.numeric > 0) {
      m.emplace_back(x.name + "/mean", x.mean);
    }
    m.emplace_back(x.name + "/yes", static_cast<double>(x.pass.yes));
    m.emplace_back(x.name + "/no", static_cast<double>(x.pass.no));
    m.emplace_back(x.name + "/unknown", static_cast<double>(x.pass.unknown));
  }
  return m;
}

std::vector<ScorerComparison> CompareRuns(const std::vector<RunVerdict>& a,
                                          const std::vector<RunVerdict>& b) {
  const VerdictIndex ia = IndexVerdicts(a);
  const VerdictIndex ib = IndexVerdicts(b);
  std::set<std::string> names;
  for (const auto& [n, _] : ia) names.insert(n);
  for (const auto& [n, _] : ib) names.insert(n);
  std::vector<ScorerComparison> out;
  static const std::map<std::string, PerRecord> kNone;
  for (const std::string& name : names) {
    ScorerComparison c;
    c.name = name;
    auto fa = ia.find(name);
    auto fb = ib.find(name);
    const auto& ra = fa == ia.end() ? kNone : fa->second;
    const auto& rb = fb == ib.end() ? kNone : fb->second;
    std::vector<PairedVerdict> pairs;
    for (const auto& [key, va] : ra) {
      auto it = rb.find(key);
      if (it == rb.end()) {
        ++c.only_in_a;
        continue;
      }
      const PerRecord& vb = it->second;
      auto pv = [](Verdict v) { return v == Verdict::kValue ? Verdict::kUnknown : v; };
      pairs.push_back({pv(va.verdict), pv(vb.verdict)});
      if (pv(va.verdict) != pv(vb.verdict))
        c.changed.push_back({key, va.trace_id, vb.trace_id, pv(va.verdict), pv(vb.verdict)});
    }
    for (const auto& [key, _] : rb)
      if (ra.count(key) == 0) ++c.only_in_b;
    c.paired = ComparePaired(pairs);
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace tracelake::eval
