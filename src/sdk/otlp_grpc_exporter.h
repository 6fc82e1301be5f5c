// OtlpGrpcExporter: OTLP/gRPC TraceService/Export as a raw-bytes unary call (the request is
// encoded by src/otlp, so no protobuf types appear here).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/mutex.h"
#include "sdk/span_exporter.h"
#include "tracelake/status.h"

namespace grpc {
class Channel;
class ClientContext;
}  // namespace grpc

namespace tracelake::sdk {

// Export on one thread at a time; Cancel from any thread.
class OtlpGrpcExporter final : public SpanExporter {
 public:
  // endpoint: "host:port", "http://host:port" (plaintext) or "https://host:port" (TLS).
  static Result<std::unique_ptr<OtlpGrpcExporter>> Create(
      std::string_view endpoint, bool gzip,
      std::vector<std::pair<std::string, std::string>> metadata);
  ~OtlpGrpcExporter() override;

  ExportResult Export(const std::vector<model::Span>& spans,
                      std::chrono::milliseconds timeout) noexcept override TL_EXCLUDES(mu_);
  void Cancel() noexcept override TL_EXCLUDES(mu_);

 private:
  OtlpGrpcExporter() = default;

  std::shared_ptr<grpc::Channel> channel_;  // shared: gRPC's own ownership model
  bool gzip_ = false;
  std::vector<std::pair<std::string, std::string>> metadata_;
  Mutex mu_;
  bool cancelled_ TL_GUARDED_BY(mu_) = false;
  grpc::ClientContext* active_ TL_GUARDED_BY(mu_) = nullptr;  // the call to cancel, if any
};

}  // namespace tracelake::sdk
