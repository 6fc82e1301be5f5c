// Uses the installed SDK's public headers only: spans, the macro, context, JSON, tracing
// start/shutdown against an endpoint nobody listens on (must not hang or crash).
#include <tracelake/tracelake.h>

#include <cstdio>
#include <map>
#include <string>

namespace {

int Work(int n) {
  TRACELAKE_TRACE(tracelake::SpanType::kChain, n);
  tracelake::Span child("child", tracelake::SpanType::kTool);
  child.SetAttribute("n", n);
  return n * 2;
}

}  // namespace

int main() {
  tracelake::TracingOptions options;
  options.service_name = "consumer";
  options.exporter.endpoint = "http://127.0.0.1:9/v1/traces";  // discard port: refused
  options.exporter.timeout = std::chrono::milliseconds(200);
  options.batch.export_timeout = std::chrono::milliseconds(300);
  if (!tracelake::StartTracing(options).ok()) return 1;
  std::string traceparent;
  {
    tracelake::Span root("consumer_root", tracelake::SpanType::kAgent);
    root.SetInputs(std::map<std::string, int>{{"x", 1}});
    traceparent = tracelake::CurrentTraceparent();
    if (Work(21) != 42) return 1;
  }
  tracelake::ShutdownTracing(std::chrono::seconds(5)).IgnoreError();
  if (!tracelake::ParseTraceparent(traceparent).has_value()) return 1;
  if (tracelake::GetTracingStats().spans_ended != 3) return 1;
  std::printf("consumer ok %s\n", tracelake::ToJson(std::vector<int>{1, 2}).c_str());
  return 0;
}
