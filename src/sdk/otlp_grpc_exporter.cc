#include "sdk/otlp_grpc_exporter.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include "otlp/encode.h"
#include "otlp/response.h"

namespace tracelake::sdk {
namespace {

constexpr char kExportMethod[] = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

std::string Lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

}  // namespace

Result<std::unique_ptr<OtlpGrpcExporter>> OtlpGrpcExporter::Create(
    std::string_view endpoint, bool gzip,
    std::vector<std::pair<std::string, std::string>> metadata) {
  bool tls = false;
  if (endpoint.rfind("https://", 0) == 0) {
    tls = true;
    endpoint.remove_prefix(8);
  } else if (endpoint.rfind("http://", 0) == 0) {
    endpoint.remove_prefix(7);
  }
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.remove_suffix(1);
  if (endpoint.empty() || endpoint.find('/') != std::string_view::npos)
    return InvalidArgumentError("OTLP/gRPC endpoint must be host:port");
  std::unique_ptr<OtlpGrpcExporter> e(new OtlpGrpcExporter());
  auto creds = tls ? grpc::SslCredentials(grpc::SslCredentialsOptions())
                   : grpc::InsecureChannelCredentials();
  e->channel_ = grpc::CreateChannel(std::string(endpoint), creds);
  e->gzip_ = gzip;
  // gRPC wants lowercase keys.
  for (auto& kv : metadata) {
    e->metadata_.emplace_back(Lower(std::move(kv.first)), std::move(kv.second));
  }
  return e;
}

OtlpGrpcExporter::~OtlpGrpcExporter() = default;

void OtlpGrpcExporter::Cancel() noexcept {
  MutexLock lock(mu_);
  cancelled_ = true;
  if (active_ != nullptr) active_->TryCancel();
}

ExportResult OtlpGrpcExporter::Export(const std::vector<model::Span>& spans,
                                      std::chrono::milliseconds timeout) noexcept {
  try {
    const std::string body = otlp::EncodeTracesRequestProtobuf(spans);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + timeout);
    if (gzip_) ctx.set_compression_algorithm(GRPC_COMPRESS_GZIP);
    for (const auto& [k, v] : metadata_) ctx.AddMetadata(k, v);
    {
      MutexLock lock(mu_);
      if (cancelled_) return ExportResult::Permanent("cancelled");
      active_ = &ctx;
    }
    grpc::GenericStub stub(channel_);
    grpc::CompletionQueue cq;
    grpc::Slice slice(body);
    grpc::ByteBuffer request(&slice, 1);
    grpc::ByteBuffer response;
    grpc::Status status;
    auto call = stub.PrepareUnaryCall(&ctx, kExportMethod, request, &cq);
    call->StartCall();
    call->Finish(&response, &status, reinterpret_cast<void*>(1));
    void* tag = nullptr;
    bool ok = false;
    cq.Next(&tag, &ok);
    {
      MutexLock lock(mu_);
      active_ = nullptr;
    }
    cq.Shutdown();
    while (cq.Next(&tag, &ok)) {
    }
    if (status.ok()) {
      grpc::Slice flat;
      std::string bytes;
      if (response.TrySingleSlice(&flat).ok()) {
        bytes.assign(reinterpret_cast<const char*>(flat.begin()), flat.size());
      } else {
        std::vector<grpc::Slice> slices;
        if (response.Dump(&slices).ok())
          for (const auto& s : slices)
            bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
      }
      auto partial = otlp::DecodeTraceResponse(bytes, otlp::WireFormat::kProtobuf);
      if (partial.ok() && (partial->rejected > 0 || !partial->error_message.empty()))
        return ExportResult::PartialSuccess(partial->rejected, std::move(partial->error_message));
      return ExportResult::Success();
    }
    std::string message = "gRPC " + std::to_string(static_cast<int>(status.error_code()));
    if (!status.error_message().empty()) message += ": " + status.error_message();
    // A throttling receiver says when to come back in a google.rpc.RetryInfo detail.
    std::optional<std::chrono::milliseconds> retry_delay;
    if (!status.error_details().empty()) {
      auto rpc = otlp::DecodeRpcStatus(status.error_details(), otlp::WireFormat::kProtobuf);
      if (rpc.ok()) retry_delay = rpc->retry_delay;
    }
    switch (status.error_code()) {
      case grpc::StatusCode::CANCELLED: {
        MutexLock lock(mu_);
        if (cancelled_) return ExportResult::Permanent("cancelled");
        return ExportResult::Retryable(message);
      }
      case grpc::StatusCode::RESOURCE_EXHAUSTED:
        // OTLP: retryable only when the receiver signals it can recover (RetryInfo).
        if (!retry_delay) return ExportResult::Permanent(message);
        return ExportResult::Retryable(message, retry_delay);
      case grpc::StatusCode::UNAVAILABLE:
        return ExportResult::Retryable(message, retry_delay);
      case grpc::StatusCode::DEADLINE_EXCEEDED:
      case grpc::StatusCode::ABORTED:
      case grpc::StatusCode::OUT_OF_RANGE:
      case grpc::StatusCode::DATA_LOSS:
        return ExportResult::Retryable(message);
      default:
        return ExportResult::Permanent(message);
    }
  } catch (const std::exception& e) {
    return ExportResult::Permanent(std::string("export failed: ") + e.what());
  }
}

}  // namespace tracelake::sdk
