// OTLP/gRPC receiver: opentelemetry.proto.collector.{trace,logs}.v1.{TraceService,LogsService}/
// Export on its own port. Requests are taken as raw bytes and decoded by the same code as
// OTLP/HTTP; the blocking part (commit) runs on a bounded worker pool so gRPC's threads never
// wait on the store. A full pool answers RESOURCE_EXHAUSTED at once.
#pragma once

#include <array>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "ingest/otlp_ingestor.h"
#include "server/http/scope.h"
#include "tracelake/status.h"

namespace tracelake::server {

// The gRPC methods this receiver serves. They are not in the Router, so their access scope is
// declared here, for the auth interceptor to enforce: Export only submits telemetry.
inline constexpr Scope kOtlpGrpcScope = Scope::kIngest;
inline constexpr std::array<std::string_view, 2> kOtlpGrpcMethods = {
    "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
    "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
};

struct GrpcServerOptions {
  std::string host = "127.0.0.1";
  int port = 4317;  // 0 picks a free port
  size_t max_request_bytes = 64 << 20;
  int workers = 4;
  int max_queued_requests = 64;
};

// Start() then Shutdown() from one thread.
class GrpcServer {
 public:
  GrpcServer(ingest::OtlpIngestor& ingestor, GrpcServerOptions options);
  ~GrpcServer();

  // Returns the bound port. kUnavailable if it cannot listen.
  Result<int> Start();
  // Stops accepting, waits for in-flight exports up to the deadline.
  void Shutdown(std::chrono::milliseconds deadline);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tracelake::server
