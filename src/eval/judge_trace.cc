#include "eval/judge_trace.h"

#include <memory>
#include <nlohmann/json.hpp>
#include <utility>

namespace tracelake::eval {

model::Span JudgeTraceSpan(const JudgeExchange& exchange, const std::string& scorer,
                           const TraceId& trace_id, const SpanId& span_id) {
  model::Span s;
  s.trace_id = trace_id;
  s.span_id = span_id;
  s.name = "judge: " + scorer;
  s.kind = model::SpanKind::kClient;
  s.start_time_unix_nano = static_cast<uint64_t>(exchange.start_unix_nanos);
  s.end_time_unix_nano = static_cast<uint64_t>(exchange.end_unix_nanos);

  // The request as an OpenAI-compatible chat body, whichever provider answered, so the trace
  // view shows it as a conversation.
  Json messages = Json::array();
  if (!exchange.system.empty())
    messages.push_back({{"role", "system"}, {"content", exchange.system}});
  messages.push_back({{"role", "user"}, {"content", exchange.user}});
  const Json inputs = {{"model", exchange.model_uri}, {"messages", std::move(messages)}};

  auto add = [&s](const char* key, model::AnyValue v) {
    s.attributes.push_back({key, std::move(v)});
  };
  add("mlflow.spanType", "\"CHAT_MODEL\"");
  add("mlflow.spanInputs", inputs.dump());
  if (exchange.error.empty()) {
    Json choice = {{"index", 0},
                   {"message", {{"role", "assistant"}, {"content", exchange.answer}}}};
    if (!exchange.finish_reason.empty()) choice["finish_reason"] = exchange.finish_reason;
    add("mlflow.spanOutputs", Json{{"choices", Json::array({std::move(choice)})}}.dump());
  }
  add("mlflow.llm.model", Json(exchange.model_uri).dump());
  add("gen_ai.request.model", exchange.model_uri);
  // A cached answer spent nothing now: its tokens were counted when it was first asked.
  if (!exchange.from_cache) {
    model::TokenUsage usage;
    usage.input_tokens = exchange.input_tokens;
    usage.output_tokens = exchange.output_tokens;
    usage.Complete();
    if (!usage.empty()) add("mlflow.chat.tokenUsage", usage.ToMlflowJson());
  }
  add("tracelake.judge.scorer", scorer);
  add("tracelake.judge.cached", exchange.from_cache);
  add("tracelake.judge.attempts", static_cast<int64_t>(exchange.attempts));
  if (!exchange.finish_reason.empty()) add("tracelake.judge.finish_reason", exchange.finish_reason);

  s.status_code =
      exchange.error.empty() ? model::SpanStatusCode::kOk : model::SpanStatusCode::kError;
  s.status_message = exchange.error;
  auto resource = std::make_shared<model::Resource>();
  resource->attributes.push_back({"service.name", model::AnyValue("tracelake-judge")});
  s.resource = std::move(resource);
  return s;
}

Status LinkJudgeTraces(std::vector<Feedback>& feedbacks, const JudgeTraceWriter& write) {
  Status first;
  for (Feedback& f : feedbacks) {
    if (!f.judge_call) continue;
    const TraceId trace_id = RandomTraceId();
    Status st = write(f.name, JudgeTraceSpan(*f.judge_call, f.name, trace_id, RandomSpanId()));
    if (st.ok()) {
      f.metadata[kScorerTraceIdKey] = MlflowTraceId(trace_id);
    } else if (first.ok()) {
      first = std::move(st);
    }
  }
  return first;
}

}  // namespace tracelake::eval
