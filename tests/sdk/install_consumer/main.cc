// Uses the installed SDK's public headers only: spans, the macro with its answer recorded by
// Return, Traced, context, JSON, and tracing started from the environment by a default
// ScopedTracing, against an endpoint nobody listens on (must not hang or crash).
#include <tracelake/tracelake.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <utility>

namespace {

int Work(int n) {
  TRACELAKE_TRACE(tracelake::SpanType::kChain, n);
  tracelake::Span child("child", tracelake::SpanType::kTool);
  child.SetAttribute("n", n);
  return tracelake_span.Return(n * 2);
}

std::string Answer(const std::string& question) {
  TRACELAKE_TRACE(tracelake::SpanType::kAgent, question);
  std::string answer = "42 is the answer to " + question;
  return tracelake_span.Return(std::move(answer));
}

}  // namespace

int main() {
  setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://127.0.0.1:9/v1/traces", 1);  // refused
  setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "200", 1);
  setenv("OTEL_BSP_EXPORT_TIMEOUT", "300", 1);
  setenv("OTEL_SERVICE_NAME", "consumer", 1);
  unsetenv("OTEL_SDK_DISABLED");
  std::string traceparent;
  {
    tracelake::ScopedTracing tracing;  // TracingOptions::FromEnvironment()
    if (!tracing.start_status().ok() || !tracelake::TracingActive()) return 1;
    tracelake::Span root("consumer_root", tracelake::SpanType::kAgent);
    root.SetInputs(std::map<std::string, int>{{"x", 1}});
    traceparent = tracelake::CurrentTraceparent();
    if (Work(21) != 42) return 1;
    if (Answer("everything") != "42 is the answer to everything") return 1;
    auto add = tracelake::Traced("add", tracelake::SpanType::kTool,
                                 [](int a, int b) { return a + b; }, {"a", "b"});
    if (add(2, 3) != 5) return 1;
  }
  if (tracelake::TracingActive()) return 1;
  if (!tracelake::ParseTraceparent(traceparent).has_value()) return 1;
  if (tracelake::GetTracingStats().spans_ended != 5) return 1;
  std::printf("consumer ok %s\n", tracelake::ToJson(std::vector<int>{1, 2}).c_str());
  return 0;
}
