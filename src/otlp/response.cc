// Decoding of OTLP export answers (protobuf with the generated messages, JSON with simdjson) and
// the throttling status details of the gRPC receiver.
#include "otlp/response.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace tracelake::otlp {
namespace {

constexpr std::string_view kRetryInfoType = "type.googleapis.com/google.rpc.RetryInfo";
// A receiver's answer is small; a larger body is not an OTLP answer.
constexpr size_t kMaxAnswerBytes = 1 << 20;

std::chrono::milliseconds ToMillis(int64_t seconds, int64_t nanos) {
  if (seconds < 0 || (seconds == 0 && nanos < 0)) return std::chrono::milliseconds(0);
  seconds = std::min<int64_t>(seconds, int64_t{1} << 40);
  return std::chrono::milliseconds(seconds * 1000 + nanos / 1'000'000);
}

// proto3 JSON Duration: "<seconds>[.<fraction>]s".
std::optional<std::chrono::milliseconds> ParseJsonDuration(std::string_view text) {
  if (text.size() < 2 || text.back() != 's') return std::nullopt;
  text.remove_suffix(1);
  double seconds = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(seconds))
    return std::nullopt;
  if (seconds <= 0) return std::chrono::milliseconds(0);
  return std::chrono::milliseconds(static_cast<int64_t>(std::min(seconds, 1e9) * 1000));
}

// An int64 in OTLP/JSON: a number or a decimal string.
std::optional<int64_t> JsonInt(simdjson::dom::element e) {
  int64_t v = 0;
  if (e.get_int64().get(v) == simdjson::SUCCESS) return v;
  std::string_view s;
  if (e.get_string().get(s) == simdjson::SUCCESS) {
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc() && end == s.data() + s.size()) return v;
  }
  return std::nullopt;
}

simdjson::simdjson_result<simdjson::dom::element> Field(simdjson::dom::object o,
                                                       std::string_view camel,
                                                       std::string_view snake) {
  auto v = o.at_key(camel);
  return v.error() == simdjson::SUCCESS ? v : o.at_key(snake);
}

Result<simdjson::dom::object> ParseJsonObject(simdjson::dom::parser& parser,
                                              std::string_view body, std::string_view what) {
  simdjson::dom::element root;
  simdjson::dom::object object;
  if (parser.parse(body.data(), body.size()).get(root) != simdjson::SUCCESS ||
      root.get_object().get(object) != simdjson::SUCCESS) {
    return InvalidArgumentError(std::string(what) + " is not a JSON object");
  }
  return object;
}

}  // namespace

Result<PartialSuccess> DecodeTraceResponse(std::string_view body, WireFormat format) {
  PartialSuccess out;
  if (body.empty()) return out;
  if (body.size() > kMaxAnswerBytes) return InvalidArgumentError("export response is too large");
  if (format == WireFormat::kProtobuf) {
    ::opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse response;
    if (!response.ParseFromArray(body.data(), static_cast<int>(body.size())))
      return InvalidArgumentError("export response is not an ExportTraceServiceResponse");
    out.rejected = std::max<int64_t>(0, response.partial_success().rejected_spans());
    out.error_message = response.partial_success().error_message();
    return out;
  }
  simdjson::dom::parser parser;
  ASSIGN_OR_RETURN(simdjson::dom::object root, ParseJsonObject(parser, body, "export response"));
  simdjson::dom::object partial;
  if (Field(root, "partialSuccess", "partial_success").get_object().get(partial) !=
      simdjson::SUCCESS) {
    return out;  // absent or null: everything was accepted
  }
  simdjson::dom::element e;
  if (Field(partial, "rejectedSpans", "rejected_spans").get(e) == simdjson::SUCCESS)
    out.rejected = std::max<int64_t>(0, JsonInt(e).value_or(0));
  std::string_view message;
  if (Field(partial, "errorMessage", "error_message").get_string().get(message) ==
      simdjson::SUCCESS) {
    out.error_message = std::string(message);
  }
  return out;
}

Result<RpcStatus> DecodeRpcStatus(std::string_view body, WireFormat format) {
  RpcStatus out;
  if (body.size() > kMaxAnswerBytes) return InvalidArgumentError("error body is too large");
  if (format == WireFormat::kProtobuf) {
    google::rpc::Status status;
    if (!status.ParseFromArray(body.data(), static_cast<int>(body.size())))
      return InvalidArgumentError("error body is not a google.rpc.Status");
    out.code = status.code();
    out.message = status.message();
    for (const auto& detail : status.details()) {
      google::rpc::RetryInfo retry;
      if (detail.type_url() == kRetryInfoType && detail.UnpackTo(&retry) &&
          retry.has_retry_delay()) {
        out.retry_delay = ToMillis(retry.retry_delay().seconds(), retry.retry_delay().nanos());
      }
    }
    return out;
  }
  simdjson::dom::parser parser;
  ASSIGN_OR_RETURN(simdjson::dom::object root, ParseJsonObject(parser, body, "error body"));
  simdjson::dom::element e;
  if (root.at_key("code").get(e) == simdjson::SUCCESS) {
    const auto code = JsonInt(e);
    if (code && *code >= INT32_MIN && *code <= INT32_MAX) out.code = static_cast<int32_t>(*code);
  }
  std::string_view message;
  if (root.at_key("message").get_string().get(message) == simdjson::SUCCESS)
    out.message = std::string(message);
  simdjson::dom::array details;
  if (root.at_key("details").get_array().get(details) == simdjson::SUCCESS) {
    for (simdjson::dom::element d : details) {
      simdjson::dom::object detail;
      std::string_view type, delay;
      if (d.get_object().get(detail) != simdjson::SUCCESS ||
          detail.at_key("@type").get_string().get(type) != simdjson::SUCCESS ||
          type != kRetryInfoType ||
          Field(detail, "retryDelay", "retry_delay").get_string().get(delay) !=
              simdjson::SUCCESS) {
        continue;
      }
      if (auto ms = ParseJsonDuration(delay)) out.retry_delay = ms;
    }
  }
  return out;
}

std::string EncodeRpcStatusWithRetryProtobuf(int32_t code, std::string_view message,
                                             std::chrono::milliseconds retry_delay) {
  google::rpc::Status status;
  status.set_code(code);
  status.set_message(std::string(message));
  google::rpc::RetryInfo retry;
  retry.mutable_retry_delay()->set_seconds(retry_delay.count() / 1000);
  retry.mutable_retry_delay()->set_nanos(static_cast<int32_t>(retry_delay.count() % 1000) *
                                         1'000'000);
  status.add_details()->PackFrom(retry);
  return status.SerializeAsString();
}

}  // namespace tracelake::otlp
