// OTLP protobuf encoding of logs requests, responses and google.rpc.Status, with the generated
// messages (trace requests and spans: wire_encode.cc, which the SDK uses).
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "otlp/encode.h"
#include "otlp/group.h"
#include "otlp/proto_convert.h"

namespace tracelake::otlp {
namespace {

namespace pb_collector_trace = ::opentelemetry::proto::collector::trace::v1;
namespace pb_collector_logs = ::opentelemetry::proto::collector::logs::v1;
using internal::ToProto;

}  // namespace

std::string EncodeLogsRequestProtobuf(const std::vector<model::LogRecord>& records) {
  pb_collector_logs::ExportLogsServiceRequest request;
  for (const auto& group : internal::GroupByResourceAndScope(records)) {
    auto* rl = request.add_resource_logs();
    if (group.resource != nullptr) {
      ToProto(*group.resource, rl->mutable_resource());
      rl->set_schema_url(group.resource->schema_url);
    }
    for (const auto& scope_group : group.scopes) {
      auto* sl = rl->add_scope_logs();
      if (scope_group.scope != nullptr) {
        ToProto(*scope_group.scope, sl->mutable_scope());
        sl->set_schema_url(scope_group.scope->schema_url);
      }
      for (const model::LogRecord* record : scope_group.items)
        ToProto(*record, sl->add_log_records());
    }
  }
  return request.SerializeAsString();
}

std::string EncodeTraceResponseProtobuf(int64_t rejected_spans, std::string_view error_message) {
  pb_collector_trace::ExportTraceServiceResponse response;
  if (rejected_spans > 0 || !error_message.empty()) {
    response.mutable_partial_success()->set_rejected_spans(rejected_spans);
    response.mutable_partial_success()->set_error_message(std::string(error_message));
  }
  return response.SerializeAsString();
}

std::string EncodeLogsResponseProtobuf(int64_t rejected_records, std::string_view error_message) {
  pb_collector_logs::ExportLogsServiceResponse response;
  if (rejected_records > 0 || !error_message.empty()) {
    response.mutable_partial_success()->set_rejected_log_records(rejected_records);
    response.mutable_partial_success()->set_error_message(std::string(error_message));
  }
  return response.SerializeAsString();
}

std::string EncodeRpcStatusProtobuf(int32_t code, std::string_view message) {
  google::rpc::Status status;
  status.set_code(code);
  status.set_message(std::string(message));
  return status.SerializeAsString();
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
