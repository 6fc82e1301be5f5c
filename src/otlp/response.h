// OTLP export answers, read by clients (the SDK's exporters): the Export*ServiceResponse of a
// success (partial_success: items the receiver rejected) and the google.rpc.Status of a failure
// (its message, and the RetryInfo delay a throttling receiver may attach). Read by hand from the
// wire, without protobuf's generated classes: the SDK must register no descriptors (see
// wire_encode.cc).
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

}  // namespace tracelake::otlp
