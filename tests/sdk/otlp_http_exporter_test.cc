// OtlpHttpExporter against a real in-process HTTP server: encoding, headers, gzip, and how each
// answer maps onto retry decisions.
#include "sdk/otlp_http_exporter.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <cstdlib>
#include <initializer_list>
#include <mutex>
#include <optional>
#include <thread>

#include <gtest/gtest.h>

#include "otlp/decode.h"
#include "otlp/encode.h"
#include "otlp/response.h"
#include "sdk/otlp_grpc_exporter.h"
#include "sdk/tracer.h"
#include "tracelake/span.h"
#include "tracelake/tracing.h"

namespace tracelake::sdk {
namespace {

using std::chrono::milliseconds;

std::string Gunzip(const std::string& in) {
  z_stream zs{};
  inflateInit2(&zs, 15 + 16);
  std::string out(1 << 20, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  inflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  inflateEnd(&zs);
  return out;
}

// Answers /v1/traces with a configurable status and records what arrived.
class FakeCollector {
 public:
  FakeCollector() {
    server_.Post("/v1/traces", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      ++requests_;
      // cpp-httplib may already have inflated a gzip body.
      const bool gzipped = req.body.size() > 2 && static_cast<uint8_t>(req.body[0]) == 0x1f &&
                           static_cast<uint8_t>(req.body[1]) == 0x8b;
      bodies_.push_back(gzipped ? Gunzip(req.body) : req.body);
      content_encoding_ = req.get_header_value("Content-Encoding");
      content_type_ = req.get_header_value("Content-Type");
      experiment_header_ = req.get_header_value("x-mlflow-experiment-id");
      auth_header_ = req.get_header_value("Authorization");
      res.status = status_;
      if (!retry_after_.empty()) res.set_header("Retry-After", retry_after_);
      if (fail_first_ > 0 && --fail_first_ == 0) {
        status_ = 200;
        retry_after_.clear();
      }
      res.set_content(body_, "application/x-protobuf");
    });
    // One request per connection: the exporter of a finished test may keep its connection,
    // and the server would wait for it to time out when stopping.
    server_.set_keep_alive_max_count(1);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::yield();
  }
  ~FakeCollector() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1/traces"; }
  void Answer(int status, std::string retry_after = "") {
    std::lock_guard<std::mutex> lock(mu_);
    status_ = status;
    retry_after_ = std::move(retry_after);
  }
  // Every answer carries body (an Export*ServiceResponse or a google.rpc.Status).
  void AnswerBody(int status, std::string body) {
    std::lock_guard<std::mutex> lock(mu_);
    status_ = status;
    body_ = std::move(body);
  }
  // The next n requests get status, then 200.
  void FailFirst(int n, int status, std::string retry_after) {
    Answer(status, std::move(retry_after));
    std::lock_guard<std::mutex> lock(mu_);
    fail_first_ = n;
  }

  std::mutex mu_;
  int requests_ = 0;
  std::vector<std::string> bodies_;
  std::string content_type_, content_encoding_, experiment_header_, auth_header_;

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  int status_ = 200;
  std::string retry_after_;
  std::string body_;
  int fail_first_ = 0;
};

std::vector<model::Span> OneSpan() {
  model::Span s;
  s.trace_id = NewTraceId();
  s.span_id = NewSpanId();
  s.name = "exported";
  s.start_time_unix_nano = 10;
  s.end_time_unix_nano = 20;
  s.attributes.push_back({"k", "v"});
  return {s};
}

TEST(OtlpHttpExporterTest, PostsProtobufThatDecodes) {
  FakeCollector collector;
  auto e = OtlpHttpExporter::Create(collector.url(), false, false, {{"Authorization", "Bearer x"}});
  ASSERT_TRUE(e.ok());
  ExportResult r = (*e)->Export(OneSpan(), milliseconds(10000));
  EXPECT_EQ(r.code, ExportResult::Code::kSuccess) << r.message;
  std::lock_guard<std::mutex> lock(collector.mu_);
  ASSERT_EQ(collector.bodies_.size(), 1u);
  EXPECT_EQ(collector.content_type_, "application/x-protobuf");
  EXPECT_EQ(collector.auth_header_, "Bearer x");
  auto decoded = otlp::DecodeTracesProtobuf(collector.bodies_[0]);
  ASSERT_TRUE(decoded.ok());
  ASSERT_EQ(decoded->spans.size(), 1u);
  EXPECT_EQ(decoded->spans[0].name, "exported");
}

TEST(OtlpHttpExporterTest, JsonAndGzip) {
  FakeCollector collector;
  auto e = OtlpHttpExporter::Create(collector.url(), true, true, {});
  ASSERT_TRUE(e.ok());
  EXPECT_EQ((*e)->Export(OneSpan(), milliseconds(10000)).code, ExportResult::Code::kSuccess);
  std::lock_guard<std::mutex> lock(collector.mu_);
  EXPECT_EQ(collector.content_type_, "application/json");
  EXPECT_EQ(collector.content_encoding_, "gzip");
  auto decoded = otlp::DecodeTracesJson(collector.bodies_.at(0));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->spans.at(0).name, "exported");
}

TEST(OtlpHttpExporterTest, ThrottlingIsRetryableWithRetryAfter) {
  FakeCollector collector;
  auto e = OtlpHttpExporter::Create(collector.url(), false, false, {});
  ASSERT_TRUE(e.ok());
  collector.Answer(429, "7");
  ExportResult r = (*e)->Export(OneSpan(), milliseconds(10000));
  EXPECT_EQ(r.code, ExportResult::Code::kRetryable);
  ASSERT_TRUE(r.retry_after.has_value());
  EXPECT_EQ(*r.retry_after, milliseconds(7000));
  for (int status : {502, 503, 504}) {
    collector.Answer(status);
    r = (*e)->Export(OneSpan(), milliseconds(10000));
    EXPECT_EQ(r.code, ExportResult::Code::kRetryable) << status;
    EXPECT_FALSE(r.retry_after.has_value());
  }
  for (int status : {400, 401, 404, 413, 500}) {
    collector.Answer(status);
    EXPECT_EQ((*e)->Export(OneSpan(), milliseconds(10000)).code,
              ExportResult::Code::kPermanentFailure)
        << status;
  }
}

TEST(OtlpHttpExporterTest, PartialSuccessIsASuccessThatCountsRejectedSpans) {
  FakeCollector collector;
  for (bool json : {false, true}) {
    auto e = OtlpHttpExporter::Create(collector.url(), json, false, {});
    ASSERT_TRUE(e.ok());
    collector.AnswerBody(200, json ? otlp::EncodeTraceResponseJson(3, "3 spans had no name")
                                   : otlp::EncodeTraceResponseProtobuf(3, "3 spans had no name"));
    ExportResult r = (*e)->Export(OneSpan(), milliseconds(10000));
    EXPECT_EQ(r.code, ExportResult::Code::kSuccess) << json;
    EXPECT_EQ(r.rejected, 3) << json;
    EXPECT_EQ(r.message, "3 spans had no name") << json;
    // A full success, and a body that is not an OTLP answer (a proxy's), are plain successes.
    for (std::string body : {otlp::EncodeTraceResponseProtobuf(0, ""), std::string("<html>ok"),
                             std::string("{}")}) {
      collector.AnswerBody(200, body);
      r = (*e)->Export(OneSpan(), milliseconds(10000));
      EXPECT_EQ(r.code, ExportResult::Code::kSuccess);
      EXPECT_EQ(r.rejected, 0);
    }
  }
}

TEST(OtlpHttpExporterTest, ErrorsCarryTheReceiversMessage) {
  FakeCollector collector;
  for (bool json : {false, true}) {
    auto e = OtlpHttpExporter::Create(collector.url(), json, false, {});
    ASSERT_TRUE(e.ok());
    collector.AnswerBody(400, json ? otlp::EncodeRpcStatusJson(3, "span 1: trace id is empty")
                                   : otlp::EncodeRpcStatusProtobuf(3, "span 1: trace id is empty"));
    ExportResult r = (*e)->Export(OneSpan(), milliseconds(10000));
    EXPECT_EQ(r.code, ExportResult::Code::kPermanentFailure);
    EXPECT_EQ(r.message, "HTTP 400: span 1: trace id is empty") << json;
  }
  // A RetryInfo in a 503's status counts like Retry-After when the header is missing.
  auto e = OtlpHttpExporter::Create(collector.url(), false, false, {});
  ASSERT_TRUE(e.ok());
  collector.AnswerBody(503, otlp::EncodeRpcStatusWithRetryProtobuf(14, "busy", milliseconds(2500)));
  ExportResult r = (*e)->Export(OneSpan(), milliseconds(10000));
  EXPECT_EQ(r.code, ExportResult::Code::kRetryable);
  EXPECT_EQ(r.retry_after, std::optional<milliseconds>(milliseconds(2500)));
  EXPECT_EQ(r.message, "HTTP 503: busy");
  collector.AnswerBody(500, "<html>Internal Server Error</html>");
  EXPECT_EQ((*e)->Export(OneSpan(), milliseconds(10000)).message, "HTTP 500");
}

TEST(OtlpHttpExporterTest, RefusedConnectionIsRetryable) {
  // A port that was free a moment ago, now closed: connections are refused.
  int port = 0;
  {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    socklen_t len = sizeof(addr);
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
    close(fd);
  }
  auto e = OtlpHttpExporter::Create("http://127.0.0.1:" + std::to_string(port) + "/v1/traces",
                                    false, false, {});
  ASSERT_TRUE(e.ok());
  EXPECT_EQ((*e)->Export(OneSpan(), milliseconds(5000)).code, ExportResult::Code::kRetryable);
  (*e)->Cancel();
  EXPECT_EQ((*e)->Export(OneSpan(), milliseconds(5000)).code,
            ExportResult::Code::kPermanentFailure);
}

TEST(OtlpHttpExporterTest, RejectsNonHttpEndpoints) {
  EXPECT_EQ(OtlpHttpExporter::Create("localhost:4318", false, false, {}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(OtlpGrpcExporter::Create("http://host:4317/v1/traces", false, {}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(OtlpGrpcExporter::Create("http://host:4317", false, {}).ok());
}

// StartTracing with the real HTTP exporter: the experiment travels as header and resource
// attribute, and a backend that answers 503 first still gets the spans.
TEST(TracingOverHttpTest, ExportsWithExperimentRoutingAndRetries) {
  FakeCollector collector;
  collector.FailFirst(1, 503, "0");
  TracingOptions options;
  options.service_name = "http-test";
  options.experiment_id = "42";
  options.exporter.endpoint = collector.url();
  options.exporter.initial_backoff = milliseconds(1);
  options.batch.schedule_delay = std::chrono::hours(1);
  ASSERT_TRUE(StartTracing(options).ok());
  {
    Span root("root", SpanType::kAgent);
    Span child("child", SpanType::kTool);
  }
  // The first attempt gets 503 with Retry-After: 0; the retry gets 200.
  EXPECT_TRUE(FlushTracing(std::chrono::seconds(60)).ok());
  EXPECT_TRUE(ShutdownTracing(std::chrono::seconds(60)).ok());
  std::lock_guard<std::mutex> lock(collector.mu_);
  EXPECT_EQ(collector.requests_, 2);
  EXPECT_EQ(collector.experiment_header_, "42");
  auto decoded = otlp::DecodeTracesProtobuf(collector.bodies_.back());
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->spans.size(), 2u);
  EXPECT_EQ(decoded->experiment_id, "42");
}

// Sets environment variables for a test's duration and restores them after.
class ScopedEnv {
 public:
  ScopedEnv(std::initializer_list<std::pair<const char*, const char*>> vars) {
    for (const auto& [name, value] : vars) {
      const char* old = std::getenv(name);
      saved_.emplace_back(name, old == nullptr ? std::nullopt : std::optional<std::string>(old));
      if (value == nullptr) unsetenv(name);
      else setenv(name, value, 1);
    }
  }
  ~ScopedEnv() {
    for (const auto& [name, old] : saved_) {
      if (old) setenv(name.c_str(), old->c_str(), 1);
      else unsetenv(name.c_str());
    }
  }

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

TEST(TracingOverHttpTest, DefaultScopedTracingIsConfiguredByTheEnvironment) {
  FakeCollector collector;
  const std::string url = collector.url();
  ScopedEnv env({{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", url.c_str()},
                 {"OTEL_SERVICE_NAME", "from-env"},
                 {"MLFLOW_EXPERIMENT_ID", "17"},
                 {"OTEL_EXPORTER_OTLP_ENDPOINT", nullptr},
                 {"OTEL_EXPORTER_OTLP_PROTOCOL", nullptr},
                 {"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", nullptr},
                 {"OTEL_SDK_DISABLED", nullptr},
                 {"MLFLOW_TRACKING_URI", nullptr}});
  {
    ScopedTracing tracing;
    EXPECT_TRUE(tracing.start_status().ok());
    EXPECT_TRUE(TracingActive());
    Span root("root", SpanType::kAgent);
  }  // shutdown exports the span
  EXPECT_FALSE(TracingActive());
  std::lock_guard<std::mutex> lock(collector.mu_);
  ASSERT_EQ(collector.bodies_.size(), 1u);
  EXPECT_EQ(collector.experiment_header_, "17");
  auto decoded = otlp::DecodeTracesProtobuf(collector.bodies_[0]);
  ASSERT_TRUE(decoded.ok());
  ASSERT_EQ(decoded->spans.size(), 1u);
  ASSERT_NE(decoded->spans[0].resource, nullptr);
  const model::AnyValue* service =
      model::FindAttribute(decoded->spans[0].resource->attributes, "service.name");
  ASSERT_NE(service, nullptr);
  EXPECT_EQ(service->as_string(), "from-env");
}

TEST(TracingOverHttpTest, DefaultScopedTracingHonoursSdkDisabled) {
  ScopedEnv env({{"OTEL_SDK_DISABLED", "true"}});
  ScopedTracing tracing;
  EXPECT_TRUE(tracing.start_status().ok());
  EXPECT_FALSE(TracingActive());
}

TEST(TracingOverHttpTest, RejectedSpansAreCountedNotRetried) {
  FakeCollector collector;
  collector.AnswerBody(200, otlp::EncodeTraceResponseProtobuf(1, "span name is empty"));
  TracingOptions options;
  options.service_name = "http-test";
  options.exporter.endpoint = collector.url();
  options.batch.schedule_delay = std::chrono::hours(1);
  const TracingStats before = GetTracingStats();
  ASSERT_TRUE(StartTracing(options).ok());
  {
    Span root("root", SpanType::kAgent);
    Span child("child", SpanType::kTool);
  }
  EXPECT_TRUE(FlushTracing(std::chrono::seconds(60)).ok());
  EXPECT_TRUE(ShutdownTracing(std::chrono::seconds(60)).ok());
  const TracingStats after = GetTracingStats();
  EXPECT_EQ(after.spans_rejected - before.spans_rejected, 1u);
  EXPECT_EQ(after.spans_exported - before.spans_exported, 1u);
  EXPECT_EQ(after.export_retries, before.export_retries);
  std::lock_guard<std::mutex> lock(collector.mu_);
  EXPECT_EQ(collector.requests_, 1);
}

}  // namespace
}  // namespace tracelake::sdk
