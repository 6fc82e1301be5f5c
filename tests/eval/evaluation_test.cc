#include "eval/evaluation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <set>

#include "common/clock.h"
#include "llm/fake_http_client.h"
#include "tests/common/status_matchers.h"

namespace tracelake::eval {
namespace {

using ::testing::HasSubstr;
using ::tracelake_testing::IsOk;
using ::tracelake_testing::StatusIs;

// Passes when the output equals inputs.expected_answer... or simply contains "good".
class ContainsGood final : public Scorer {
 public:
  explicit ContainsGood(std::string name = "good", bool needs_trace = false)
      : name_(std::move(name)), needs_trace_(needs_trace) {}
  const std::string& name() const override { return name_; }
  ScorerKind kind() const override { return ScorerKind::kCode; }
  std::vector<InputField> required_inputs() const override {
    if (needs_trace_) return {InputField::kOutputs, InputField::kTrace};
    return {InputField::kOutputs};
  }
  std::vector<Feedback> Score(const EvalInput& in, const ScoreContext&) const override {
    if (needs_trace_ && in.trace == nullptr)
      return {Feedback::Unknown(name_, FeedbackError{kErrMissingInput, "no trace", ""},
                                FeedbackSource::Code(name_))};
    if (!in.outputs.is_string())
      return {Feedback::Unknown(name_, FeedbackError{kErrMissingInput, "no outputs", ""},
                                FeedbackSource::Code(name_))};
    const bool pass = in.outputs.get<std::string>().find("good") != std::string::npos;
    Feedback f =
        Feedback::Pass(name_, pass, pass ? "has good" : "lacks good", FeedbackSource::Code(name_));
    if (needs_trace_) f.rationale += " spans=" + std::to_string(in.trace->spans.size());
    return {f};
  }

 private:
  std::string name_;
  bool needs_trace_;
};

class MemoryPorts final : public EvalPorts {
 public:
  Result<std::optional<model::Trace>> LoadTrace(const TraceId& id) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++loads_;
    auto it = traces_.find(id.Hex());
    if (it == traces_.end()) return std::optional<model::Trace>();
    return std::optional<model::Trace>(it->second);
  }
  Status WriteRecordSpan(const RecordSpan& span) override {
    std::lock_guard<std::mutex> lock(mu_);
    spans_.push_back(span);
    model::Trace t;
    model::Span s;
    s.trace_id = span.trace_id;
    s.span_id = span.span_id;
    s.name = span.name;
    t.spans.push_back(s);
    traces_[span.trace_id.Hex()] = t;
    return OkStatus();
  }
  Status SaveFeedbacks(const std::string& run_id, const std::string& key, const TraceId& trace,
                       const std::vector<Feedback>& feedbacks) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (fail_saves_) return UnavailableError("store down");
    for (const Feedback& f : feedbacks)
      verdicts_[run_id].push_back(RunVerdict{key, MlflowTraceId(trace), f.name, f.verdict(),
                                             f.value, f.rationale,
                                             f.error ? f.error->message : ""});
    return OkStatus();
  }
  Status WriteJudgeTrace(const std::string& scorer, model::Span span) override {
    std::lock_guard<std::mutex> lock(mu_);
    judge_traces_.emplace_back(scorer, std::move(span));
    return OkStatus();
  }
  Result<std::vector<RunVerdict>> LoadRunVerdicts(const std::string& run_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    return verdicts_[run_id];
  }
  void AddTrace(const TraceId& id, int spans) {
    model::Trace t;
    for (int i = 0; i < spans; ++i) {
      model::Span s;
      s.trace_id = id;
      s.span_id = SpanIdFromInt(i + 1);
      s.name = "span" + std::to_string(i);
      if (i == 0) s.view.outputs_json = "\"good\"";
      if (i > 0) s.parent_span_id = SpanIdFromInt(1);
      t.spans.push_back(s);
    }
    traces_[id.Hex()] = t;
  }

  std::mutex mu_;
  std::map<std::string, model::Trace> traces_;
  std::vector<RecordSpan> spans_;
  std::map<std::string, std::vector<RunVerdict>> verdicts_;
  std::vector<std::pair<std::string, model::Span>> judge_traces_;
  int loads_ = 0;
  bool fail_saves_ = false;
};

EvalRecord Rec(std::string key, std::string question, Json outputs = nullptr) {
  EvalRecord r;
  r.key = std::move(key);
  r.inputs = {{"question", std::move(question)}};
  r.outputs = std::move(outputs);
  return r;
}

class EvaluationTest : public ::testing::Test {
 protected:
  FakeClock clock_{1'700'000'000'000'000'000};
  MemoryPorts ports_;
  ContainsGood good_;
  EvalOptions options_;
};

TEST_F(EvaluationTest, ScoresRecordsWithOutputsAndSummarizes) {
  EvalRun run;
  run.run_id = "run1";
  run.records = {Rec("a", "q1", "a good answer"), Rec("b", "q2", "bad"),
                 Rec("c", "q3", "good too")};
  run.scorers = {&good_};
  auto s = RunEvaluation(run, ports_, nullptr, options_, clock_);
  ASSERT_THAT(s, IsOk());
  EXPECT_EQ(s->progress.done, 3);
  ASSERT_EQ(s->scorers.size(), 1u);
  EXPECT_EQ(s->scorers[0].pass.yes, 2);
  EXPECT_EQ(s->scorers[0].pass.no, 1);
  EXPECT_DOUBLE_EQ(s->scorers[0].pass.rate, 2.0 / 3);
  Interval expected = WilsonInterval(2, 3);
  EXPECT_DOUBLE_EQ(s->scorers[0].pass.interval.low, expected.low);
  // Every record got a trace of its own with the run's root span.
  ASSERT_EQ(ports_.spans_.size(), 3u);
  std::set<std::string> traces;
  for (const RecordSpan& sp : ports_.spans_) {
    EXPECT_EQ(sp.run_id, "run1");
    traces.insert(sp.trace_id.Hex());
  }
  EXPECT_EQ(traces.size(), 3u);
}

TEST_F(EvaluationTest, AsksTheAgentAndPassesTraceparent) {
  llm::FakeHttpClient http(clock_);
  http.EnqueueOk(R"({"choices":[{"message":{"content":"a good one"}}]})");
  http.Enqueue(llm::HttpResponse{503, {}, "overloaded", false});
  AgentEndpoint ep;
  ep.url = "http://agent/chat";
  AgentClient agent(ep, http, clock_);
  EvalRun run;
  run.run_id = "run2";
  run.records = {Rec("a", "q1"), Rec("b", "q2")};
  run.scorers = {&good_};
  run.agent = &agent;
  options_.concurrency = 1;  // in order: a gets the first answer
  auto s = RunEvaluation(run, ports_, nullptr, options_, clock_);
  ASSERT_THAT(s, IsOk());
  EXPECT_EQ(s->progress.failed, 1);  // the agent's 503
  EXPECT_THAT(s->first_error, StatusIs(StatusCode::kUnavailable, HasSubstr("503")));
  EXPECT_EQ(s->scorers[0].pass.yes, 1);
  EXPECT_EQ(s->scorers[0].pass.unknown, 1);  // never a pass, never a fail
  ASSERT_EQ(ports_.spans_.size(), 2u);
  const auto reqs = http.requests();
  for (size_t i = 0; i < 2; ++i) {
    const RecordSpan& sp = ports_.spans_[i];
    std::string tp;
    for (const auto& [k, v] : reqs[i].headers)
      if (k == "traceparent") tp = v;
    EXPECT_EQ(tp, TraceParent(sp.trace_id, sp.span_id));
  }
  EXPECT_EQ(ports_.spans_[0].outputs, Json("a good one"));
  ASSERT_TRUE(ports_.spans_[1].error.has_value());
  EXPECT_THAT(*ports_.spans_[1].error, HasSubstr("503"));
}

TEST_F(EvaluationTest, ScoresExistingTracesWithTheirRootSpan) {
  TraceId t1 = *TraceId::FromHex("0000000000000000000000000000000a");
  ports_.AddTrace(t1, 3);
  ContainsGood with_trace("good_trace", /*needs_trace=*/true);
  EvalRecord r;
  r.key = MlflowTraceId(t1);
  r.trace_id = t1;
  EvalRecord missing;
  missing.key = "tr-0000000000000000000000000000000b";
  missing.trace_id = *TraceId::FromHex("0000000000000000000000000000000b");
  EvalRun run;
  run.run_id = "run3";
  run.records = {r, missing};
  run.scorers = {&with_trace};
  auto s = RunEvaluation(run, ports_, nullptr, options_, clock_);
  ASSERT_THAT(s, IsOk());
  EXPECT_EQ(s->progress.failed, 1);
  EXPECT_THAT(s->first_error, StatusIs(StatusCode::kNotFound));
  ASSERT_EQ(ports_.verdicts_["run3"].size(), 1u);
  const RunVerdict& v = ports_.verdicts_["run3"][0];
  EXPECT_EQ(v.verdict, Verdict::kYes);  // outputs resolved from the root span
  EXPECT_THAT(v.rationale, HasSubstr("spans=3"));
  EXPECT_EQ(v.trace_id, MlflowTraceId(t1));
  EXPECT_TRUE(ports_.spans_.empty());  // existing traces get no new span
}

TEST_F(EvaluationTest, ResumeSkipsFinishedRecords) {
  EvalRun run;
  run.run_id = "run4";
  run.records = {Rec("a", "q1", "good"), Rec("b", "q2", "good"), Rec("c", "q3", "bad")};
  run.scorers = {&good_};
  ports_.verdicts_["run4"].push_back(RunVerdict{"a", "tr-x", "good", Verdict::kYes, "yes", "", ""});
  auto s = RunEvaluation(run, ports_, nullptr, options_, clock_);
  ASSERT_THAT(s, IsOk());
  EXPECT_EQ(s->progress.skipped, 1);
  EXPECT_EQ(s->progress.done, 2);
  EXPECT_EQ(ports_.spans_.size(), 2u);
  EXPECT_EQ(s->scorers[0].pass.yes, 2);  // the resumed one counts in the summary
  EXPECT_EQ(s->scorers[0].pass.no, 1);
}

TEST_F(EvaluationTest, CancelledRunStopsAndCanContinue) {
  std::atomic<bool> cancel{true};
  options_.cancel = &cancel;
  EvalRun run;
  run.run_id = "run5";
  run.records = {Rec("a", "q1", "good"), Rec("b", "q2", "good")};
  run.scorers = {&good_};
  auto s = RunEvaluation(run, ports_, nullptr, options_, clock_);
  ASSERT_THAT(s, IsOk());
  EXPECT_TRUE(s->cancelled);
  EXPECT_EQ(s->progress.done, 0);
  cancel = false;
  auto again = RunEvaluation(run, ports_, nullptr, options_, clock_);
  ASSERT_THAT(again, IsOk());
  EXPECT_FALSE(again->cancelled);
  EXPECT_EQ(again->progress.done, 2);
}

TEST_F(EvaluationTest, BadRunsChangeNothing) {
  EvalRun run;
  run.run_id = "run6";
  run.scorers = {&good_};
  run.records = {Rec("a", "q1")};  // no outputs and no agent
  EXPECT_THAT(RunEvaluation(run, ports_, nullptr, options_, clock_),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("no agent")));
  run.records = {Rec("a", "q1", "x"), Rec("a", "q2", "y")};
  EXPECT_THAT(RunEvaluation(run, ports_, nullptr, options_, clock_),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("appears twice")));
  EvalRecord not_object = Rec("z", "q", "x");
  not_object.inputs = Json::array({1, 2});
  run.records = {not_object};
  EXPECT_THAT(RunEvaluation(run, ports_, nullptr, options_, clock_),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("JSON object")));
  run.records = {Rec("a", "q1", "x")};
  run.scorers = {};
  EXPECT_THAT(RunEvaluation(run, ports_, nullptr, options_, clock_),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("at least one scorer")));
  ContainsGood twin("good");
  run.scorers = {&good_, &twin};
  EXPECT_THAT(RunEvaluation(run, ports_, nullptr, options_, clock_),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("two scorers")));
  EXPECT_TRUE(ports_.spans_.empty());
  EXPECT_TRUE(ports_.verdicts_.empty());
}

TEST(SummaryMetricsTest, MlflowNamesAndIntervals) {
  std::vector<RunVerdict> v = {
      {"a", "tr-1", "correctness", Verdict::kYes, "yes", "", ""},
      {"b", "tr-2", "correctness", Verdict::kNo, "no", "", ""},
      {"c", "tr-3", "correctness", Verdict::kUnknown, nullptr, "", "timeout"},
      {"a", "tr-1", "score", Verdict::kValue, 4, "", ""},
      {"b", "tr-2", "score", Verdict::kValue, 2, "", ""},
  };
  std::vector<ScorerSummary> s = SummarizeVerdicts(v, {"correctness", "score"});
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].pass.unknown, 1);
  EXPECT_DOUBLE_EQ(s[0].pass.rate, 0.5);
  EXPECT_DOUBLE_EQ(s[1].mean, 3.0);
  std::map<std::string, double> m;
  for (const auto& [k, val] : SummaryMetrics(s)) m[k] = val;
  EXPECT_DOUBLE_EQ(m["correctness/mean"], 0.5);
  EXPECT_DOUBLE_EQ(m["correctness/ci_low"], WilsonInterval(1, 2).low);
  EXPECT_DOUBLE_EQ(m["correctness/unknown"], 1);
  EXPECT_DOUBLE_EQ(m["score/mean"], 3.0);
}

TEST(CompareRunsTest, FindsChangedRecordsAndTestsTheChange) {
  std::vector<RunVerdict> a, b;
  for (int i = 0; i < 12; ++i) {
    const std::string key = "r" + std::to_string(10 + i);
    a.push_back({key, "tr-a" + key, "correct", Verdict::kYes, "yes", "", ""});
    // B regresses on the first 9 records.
    b.push_back({key, "tr-b" + key, "correct", i < 9 ? Verdict::kNo : Verdict::kYes,
                 i < 9 ? "no" : "yes", "", ""});
  }
  a.push_back({"only_a", "tr-x", "correct", Verdict::kYes, "yes", "", ""});
  // A per-span scorer: any no makes the record's verdict no.
  a.push_back({"r10", "tr-ar10", "grounded", Verdict::kYes, "yes", "", ""});
  a.push_back({"r10", "tr-ar10", "grounded", Verdict::kYes, "yes", "", ""});
  b.push_back({"r10", "tr-br10", "grounded", Verdict::kYes, "yes", "", ""});
  b.push_back({"r10", "tr-br10", "grounded", Verdict::kNo, "no", "", ""});
  std::vector<ScorerComparison> c = CompareRuns(a, b);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].name, "correct");
  EXPECT_EQ(c[0].paired.yes_to_no, 9);
  EXPECT_EQ(c[0].paired.both_yes, 3);
  EXPECT_EQ(c[0].only_in_a, 1);
  EXPECT_NEAR(c[0].paired.p_value, 2.0 / 512, 1e-12);  // McNemar exact, b = 9, c = 0
  EXPECT_TRUE(c[0].paired.Significant());
  ASSERT_EQ(c[0].changed.size(), 9u);
  EXPECT_EQ(c[0].changed[0].record_key, "r10");
  EXPECT_EQ(c[0].changed[0].trace_a, "tr-ar10");
  EXPECT_EQ(c[0].changed[0].trace_b, "tr-br10");
  EXPECT_EQ(c[1].name, "grounded");
  EXPECT_EQ(c[1].paired.yes_to_no, 1);
  EXPECT_FALSE(c[1].paired.Significant());
}

}  // namespace
}  // namespace tracelake::eval
