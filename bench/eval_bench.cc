// Scoring throughput without a model: the code scorers on one record / trace, the judge prompt
// rendering (built-in judge data, instruction templates, the span tree) and reading a judge's
// answer. Judge calls themselves are bound by the provider and the concurrency limit.
//
//   ninja -C build eval_bench && build/bench/eval_bench
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "eval/code_scorers.h"
#include "eval/instructions_judge.h"
#include "eval/judge_answer.h"
#include "eval/trace_render.h"

namespace {

using tracelake::FakeClock;
using tracelake::eval::EvalInput;
using tracelake::eval::Json;
using tracelake::eval::ScoreContext;

// An agent trace: a root, then `n` children alternating LLM, TOOL and RETRIEVER spans with
// 1 KiB inputs and outputs.
tracelake::model::Trace MakeTrace(int n) {
  tracelake::model::Trace t;
  auto add = [&t](uint64_t id, uint64_t parent, const std::string& type) {
    tracelake::model::Span s;
    s.span_id.bytes[7] = static_cast<uint8_t>(id);
    s.span_id.bytes[6] = static_cast<uint8_t>(id >> 8);
    if (parent != 0) s.parent_span_id.bytes[7] = static_cast<uint8_t>(parent);
    s.name = type + "_" + std::to_string(id);
    s.view.span_type = type;
    s.view.inputs_json = "\"" + std::string(1024, 'i') + "\"";
    s.view.outputs_json = "\"" + std::string(1024, 'o') + "\"";
    s.start_time_unix_nano = id * 1000;
    s.end_time_unix_nano = id * 1000 + 500;
    s.view.usage.input_tokens = 100;
    s.view.usage.output_tokens = 20;
    t.spans.push_back(std::move(s));
  };
  add(1, 0, "AGENT");
  const char* types[] = {"CHAT_MODEL", "TOOL", "RETRIEVER"};
  for (int i = 0; i < n; ++i) add(static_cast<uint64_t>(i) + 2, 1, types[i % 3]);
  return t;
}

void BM_CodeScorers(benchmark::State& state) {
  std::vector<std::unique_ptr<tracelake::eval::Scorer>> scorers;
  scorers.push_back(tracelake::eval::ExactMatch());
  scorers.push_back(
      *tracelake::eval::MakeCodeScorer("contains_keywords", {{"keywords", {"Paris", "France"}}}));
  scorers.push_back(tracelake::eval::JsonValidity());
  scorers.push_back(*tracelake::eval::MakeCodeScorer("length_bound", {{"max_length", 2000}}));
  scorers.push_back(tracelake::eval::IsNotEmpty());
  scorers.push_back(tracelake::eval::NoErrorSpans());
  scorers.push_back(*tracelake::eval::MakeCodeScorer("token_budget", {{"max_total_tokens", 1e6}}));
  scorers.push_back(
      *tracelake::eval::MakeCodeScorer("tool_call_order", {{"tool_names", {"TOOL_3", "TOOL_6"}}}));
  const tracelake::model::Trace trace = MakeTrace(30);
  EvalInput in;
  in.inputs = {{"question", "What is the capital of France?"}};
  in.outputs = "Paris is the capital of France. " + std::string(500, 'x');
  in.expectations = {{"expected_response", "Paris"}};
  in.trace = &trace;
  FakeClock clock;
  ScoreContext ctx(tracelake::llm::Deadline::AtUnixNanos(INT64_MAX), clock);
  for (auto _ : state) {
    for (const auto& s : scorers) benchmark::DoNotOptimize(s->Score(in, ctx));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(scorers.size()));
}
BENCHMARK(BM_CodeScorers);

void BM_PiiDetection(benchmark::State& state) {
  auto s = tracelake::eval::PiiDetection();
  EvalInput in;
  in.outputs = std::string(static_cast<size_t>(state.range(0)), 'a') + " mail me at a@b.co";
  FakeClock clock;
  ScoreContext ctx(tracelake::llm::Deadline::AtUnixNanos(INT64_MAX), clock);
  for (auto _ : state) benchmark::DoNotOptimize(s->Score(in, ctx));
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_PiiDetection)->Arg(1024)->Arg(16384);

void BM_RenderTrace(benchmark::State& state) {
  const tracelake::model::Trace trace = MakeTrace(static_cast<int>(state.range(0)));
  for (auto _ : state)
    benchmark::DoNotOptimize(tracelake::eval::RenderTraceForJudge(trace, {.token_budget = 8000}));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_RenderTrace)->Arg(10)->Arg(100)->Arg(1000);

void BM_RenderInstructions(benchmark::State& state) {
  auto judge = tracelake::eval::InstructionsJudge::Create(
      {.name = "j",
       .instructions = "Question: {{ inputs }}\nAnswer: {{ outputs }}\nExpected: "
                       "{{ expectations }}\nDoes the answer match?"});
  EvalInput in;
  in.inputs = {{"question", std::string(2000, 'q')}};
  in.outputs = std::string(2000, 'a');
  in.expectations = {{"expected_response", std::string(500, 'e')}};
  for (auto _ : state) benchmark::DoNotOptimize((*judge)->Render(in));
}
BENCHMARK(BM_RenderInstructions);

void BM_ReadJudgeAnswer(benchmark::State& state) {
  tracelake::eval::JudgeReply reply;
  reply.text = R"({"rationale": ")" + std::string(400, 'r') + R"(", "result": "yes"})";
  reply.finish_reason = "stop";
  const auto type = tracelake::eval::FeedbackValueType::PassFail();
  const auto source = tracelake::eval::FeedbackSource::Judge("openai:/gpt-4o-mini");
  for (auto _ : state)
    benchmark::DoNotOptimize(tracelake::eval::FeedbackFromReply("j", source, type, reply));
}
BENCHMARK(BM_ReadJudgeAnswer);

}  // namespace

BENCHMARK_MAIN();
