// OtlpGrpcExporter against an in-process gRPC TraceService: partial success, the receiver's
// message, and RetryInfo deciding whether and when RESOURCE_EXHAUSTED is retried (OTLP spec).
#include "sdk/otlp_grpc_exporter.h"

#include <grpcpp/grpcpp.h>

#include <mutex>

#include <gtest/gtest.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "otlp/encode.h"
#include "sdk/tracer.h"

namespace tracelake::sdk {
namespace {

using std::chrono::milliseconds;
namespace trace_v1 = opentelemetry::proto::collector::trace::v1;

// Answers Export with the status and partial success it was told to.
class FakeTraceService final : public trace_v1::TraceService::Service {
 public:
  grpc::Status Export(grpc::ServerContext*, const trace_v1::ExportTraceServiceRequest* request,
                      trace_v1::ExportTraceServiceResponse* response) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& rs : request->resource_spans())
      for (const auto& ss : rs.scope_spans()) spans_ += ss.spans_size();
    if (rejected_ > 0) {
      response->mutable_partial_success()->set_rejected_spans(rejected_);
      response->mutable_partial_success()->set_error_message("span name is empty");
    }
    return status_;
  }
  void Answer(grpc::Status status, int64_t rejected = 0) {
    std::lock_guard<std::mutex> lock(mu_);
    status_ = std::move(status);
    rejected_ = rejected;
  }
  int spans() {
    std::lock_guard<std::mutex> lock(mu_);
    return spans_;
  }

 private:
  std::mutex mu_;
  grpc::Status status_ = grpc::Status::OK;
  int64_t rejected_ = 0;
  int spans_ = 0;
};

class OtlpGrpcExporterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    auto e = OtlpGrpcExporter::Create("127.0.0.1:" + std::to_string(port_), false, {});
    ASSERT_TRUE(e.ok());
    exporter_ = std::move(*e);
  }
  void TearDown() override {
    if (server_) server_->Shutdown(std::chrono::system_clock::now());
  }
  ExportResult Export() {
    model::Span s;
    s.trace_id = NewTraceId();
    s.span_id = NewSpanId();
    s.name = "exported";
    s.start_time_unix_nano = 10;
    s.end_time_unix_nano = 20;
    return exporter_->Export({s}, milliseconds(10000));
  }

  FakeTraceService service_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<OtlpGrpcExporter> exporter_;
};

TEST_F(OtlpGrpcExporterTest, SuccessAndPartialSuccess) {
  ExportResult r = Export();
  EXPECT_EQ(r.code, ExportResult::Code::kSuccess);
  EXPECT_EQ(r.rejected, 0);
  EXPECT_EQ(service_.spans(), 1);
  service_.Answer(grpc::Status::OK, 1);
  r = Export();
  EXPECT_EQ(r.code, ExportResult::Code::kSuccess);
  EXPECT_EQ(r.rejected, 1);
  EXPECT_EQ(r.message, "span name is empty");
}

TEST_F(OtlpGrpcExporterTest, ResourceExhaustedIsRetriedOnlyWithRetryInfo) {
  const std::string details = otlp::EncodeRpcStatusWithRetryProtobuf(
      grpc::StatusCode::RESOURCE_EXHAUSTED, "overloaded", milliseconds(1500));
  service_.Answer(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "overloaded", details));
  ExportResult r = Export();
  EXPECT_EQ(r.code, ExportResult::Code::kRetryable);
  EXPECT_EQ(r.retry_after, std::optional<milliseconds>(milliseconds(1500)));
  EXPECT_EQ(r.message, "gRPC 8: overloaded");
  // Without RetryInfo the receiver cannot recover (a quota): retrying would not help.
  service_.Answer(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "quota exceeded"));
  EXPECT_EQ(Export().code, ExportResult::Code::kPermanentFailure);
  // UNAVAILABLE is retried, at the RetryInfo delay when there is one.
  service_.Answer(grpc::Status(grpc::StatusCode::UNAVAILABLE, "restarting"));
  r = Export();
  EXPECT_EQ(r.code, ExportResult::Code::kRetryable);
  EXPECT_FALSE(r.retry_after.has_value());
  service_.Answer(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "span 1: bad trace id"));
  r = Export();
  EXPECT_EQ(r.code, ExportResult::Code::kPermanentFailure);
  EXPECT_EQ(r.message, "gRPC 3: span 1: bad trace id");
}

}  // namespace
}  // namespace tracelake::sdk
