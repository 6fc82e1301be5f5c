#include "sdk/exporter_factory.h"

#include "sdk/mlflow_trace_info_exporter.h"
#include "sdk/otlp_grpc_exporter.h"
#include "sdk/otlp_http_exporter.h"

namespace tracelake::sdk {

namespace {

Result<std::unique_ptr<SpanExporter>> MakeOtlpExporter(const TracingOptions& options) {
  auto headers = options.exporter.headers;
  if (!options.experiment_id.empty()) headers.emplace_back("x-mlflow-experiment-id", options.experiment_id);
  if (options.exporter.protocol == OtlpProtocol::kGrpc) {
    ASSIGN_OR_RETURN(auto grpc, OtlpGrpcExporter::Create(options.exporter.endpoint,
                                                         options.exporter.gzip, std::move(headers)));
    return std::unique_ptr<SpanExporter>(std::move(grpc));
  }
  ASSIGN_OR_RETURN(auto http,
                   OtlpHttpExporter::Create(options.exporter.endpoint,
                                            options.exporter.protocol == OtlpProtocol::kHttpJson,
                                            options.exporter.gzip, std::move(headers)));
  return std::unique_ptr<SpanExporter>(std::move(http));
}

}  // namespace

Result<std::unique_ptr<SpanExporter>> MakeExporter(const TracingOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<SpanExporter> otlp, MakeOtlpExporter(options));
  if (options.mlflow_tracking_uri.empty()) return otlp;
  return std::unique_ptr<SpanExporter>(std::make_unique<MlflowTraceInfoExporter>(
      std::move(otlp), options.mlflow_tracking_uri, options.experiment_id, options.exporter.headers));
}

}  // namespace tracelake::sdk
