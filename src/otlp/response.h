// OTLP export answers, read by clients (the SDK's exporters): the Export*ServiceResponse of a
// success (partial_success: items the receiver rejected) and the google.rpc.Status of a failure
// (its message, and the RetryInfo delay a throttling receiver may attach). Also the server's
// gRPC throttling status details.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tracelake/status.h"

namespace tracelake::otlp {

enum class WireFormat { kProtobuf, kJson };

// ExportTracePartialSuccess; rejected == 0 and an empty message for a full success.
struct PartialSuccess {
  int64_t rejected = 0;
  std::string error_message;
};

// An ExportTraceServiceResponse body. An empty body is a full success (protobuf encodes an
// unset partial_success as nothing; some receivers answer JSON with no body).
Result<PartialSuccess> DecodeTraceResponse(std::string_view body, WireFormat format);

// google.rpc.Status: code, message and, from a google.rpc.RetryInfo in details, the delay.
struct RpcStatus {
  int32_t code = 0;
  std::string message;
  std::optional<std::chrono::milliseconds> retry_delay;
};
Result<RpcStatus> DecodeRpcStatus(std::string_view body, WireFormat format);

// google.rpc.Status protobuf with a RetryInfo detail: what grpc::Status's error_details carries
// (the grpc-status-details-bin trailer) when a receiver throttles.
std::string EncodeRpcStatusWithRetryProtobuf(int32_t code, std::string_view message,
                                             std::chrono::milliseconds retry_delay);

}  // namespace tracelake::otlp
