// An application that links libtracelake.so and its own copy of the OTLP protos, with
// descriptors (as every opentelemetry-cpp OTLP exporter does), must start and trace. Before the
// SDK wrote OTLP by hand it aborted at start: "File already exists in database:
// opentelemetry/proto/common/v1/common.proto".
#include <cstdio>
#include <string>

#include "google/rpc/status.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "tracelake/span.h"
#include "tracelake/tracing.h"

int main() {
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest request;
  request.add_resource_spans()->add_scope_spans()->add_spans()->set_name("app's own");
  const std::string name = request.GetDescriptor()->full_name();
  if (name != "opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest") {
    std::fprintf(stderr, "unexpected descriptor %s\n", name.c_str());
    return 1;
  }
  google::rpc::Status status;
  status.set_message(status.GetDescriptor()->full_name());

  tracelake::TracingOptions options;
  options.service_name = "coexistence";
  options.exporter.endpoint = "http://127.0.0.1:9/v1/traces";  // nobody listens: dropped
  if (!tracelake::StartTracing(options).ok()) return 1;
  {
    tracelake::Span span("coexisting", tracelake::SpanType::kAgent);
    span.SetAttribute("k", "v");
  }
  tracelake::ShutdownTracing(std::chrono::milliseconds(100)).IgnoreError();
  std::printf("ok: %s and tracelake in one process\n", name.c_str());
  return 0;
}
