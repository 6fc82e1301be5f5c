#include "ingest/otlp_ingestor.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "model/log_record.h"
#include "model/span.h"
#include "otlp/encode.h"
#include "storage/backend.h"

namespace tracelake::ingest {
namespace {

TraceId TestTraceId(uint8_t n) {
  TraceId id;
  id.bytes[0] = 0x1e;
  id.bytes[15] = n;
  return id;
}

// A root span and one child of trace `n`; `experiment_attr` (if any) goes on the resource as
// mlflow.experimentId.
std::vector<model::Span> TwoSpans(uint8_t n, const std::string& experiment_attr = "") {
  auto resource = std::make_shared<model::Resource>();
  resource->attributes = {{"service.name", "agent"}};
  if (!experiment_attr.empty())
    resource->attributes.push_back({"mlflow.experimentId", experiment_attr});
  std::vector<model::Span> spans(2);
  for (size_t i = 0; i < spans.size(); ++i) {
    model::Span& s = spans[i];
    s.trace_id = TestTraceId(n);
    s.span_id.bytes[0] = 0x5c;
    s.span_id.bytes[7] = static_cast<uint8_t>(i + 1);
    if (i > 0) s.parent_span_id = spans[0].span_id;
    s.name = i == 0 ? "agent" : "tool";
    s.start_time_unix_nano = 1700000000000000000ull + i * 1000;
    s.end_time_unix_nano = s.start_time_unix_nano + 5000000;
    s.resource = resource;
    s.scope = std::make_shared<const model::Scope>();
  }
  return spans;
}

class OtlpIngestorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = storage::OpenBackend("sqlite:///:memory:");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    ingestor_ = std::make_unique<OtlpIngestor>(store_->traces());
  }
  void TearDown() override {
    if (store_) store_->Shutdown(std::chrono::seconds(5)).IgnoreError();
  }

  std::string ExperimentOf(uint8_t trace) {
    auto info = store_->traces().GetTraceInfo(TestTraceId(trace));
    EXPECT_TRUE(info.ok()) << info.status().ToString();
    return info.ok() ? info->experiment_id : "";
  }

  std::unique_ptr<storage::Backend> store_;
  std::unique_ptr<OtlpIngestor> ingestor_;
};

TEST_F(OtlpIngestorTest, CommitsProtobufTracesToTheDefaultExperiment) {
  const std::string body = otlp::EncodeTracesRequestProtobuf(TwoSpans(1));
  OtlpOutcome out = ingestor_->Ingest(OtlpSignal::kTraces, OtlpEncoding::kProtobuf, body, nullptr);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(out.accepted, 2);
  EXPECT_EQ(out.rejected, 0);
  EXPECT_EQ(ExperimentOf(1), "0");
  auto trace = store_->traces().GetTrace(TestTraceId(1));
  ASSERT_TRUE(trace.ok());
  EXPECT_EQ(trace->spans.size(), 2u);
  const IngestCounters& c = ingestor_->counters();
  EXPECT_EQ(c.requests.load(), 1);
  EXPECT_EQ(c.spans_accepted.load(), 2);
  EXPECT_EQ(c.spans_rejected.load(), 0);
}

TEST_F(OtlpIngestorTest, CommitsJsonTraces) {
  const std::string body = otlp::EncodeTracesRequestJson(TwoSpans(2));
  OtlpOutcome out = ingestor_->Ingest(OtlpSignal::kTraces, OtlpEncoding::kJson, body, nullptr);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(out.accepted, 2);
  EXPECT_EQ(ExperimentOf(2), "0");
}

TEST_F(OtlpIngestorTest, RoutesByHeaderBeforeResourceAttribute) {
  auto a = store_->experiments().CreateExperiment("a", "", {});
  auto b = store_->experiments().CreateExperiment("b", "", {});
  ASSERT_TRUE(a.ok() && b.ok());
  const std::string body = otlp::EncodeTracesRequestProtobuf(TwoSpans(3, *b));
  OtlpOutcome out = ingestor_->Ingest(OtlpSignal::kTraces, OtlpEncoding::kProtobuf, body, &*a);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(ExperimentOf(3), *a);

  const std::string by_resource = otlp::EncodeTracesRequestProtobuf(TwoSpans(4, *b));
  const std::string empty_header;
  out = ingestor_->Ingest(OtlpSignal::kTraces, OtlpEncoding::kProtobuf, by_resource,
                          &empty_header);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(ExperimentOf(4), *b);
}

TEST_F(OtlpIngestorTest, RefusesNonNumericExperimentIds) {
  const std::string header = "1; DROP TABLE";
  OtlpOutcome out = ingestor_->Ingest(OtlpSignal::kTraces, OtlpEncoding::kProtobuf,
                                      otlp::EncodeTracesRequestProtobuf(TwoSpans(5)), &header);
  EXPECT_EQ(out.status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(out.status.message(), "Header x-mlflow-experiment-id must be a numeric experiment id");
  EXPECT_FALSE(store_->traces().GetTraceInfo(TestTraceId(5)).ok());

  out = ingestor_->Ingest(OtlpSignal::kTraces, OtlpEncoding::kProtobuf,
                          otlp::EncodeTracesRequestProtobuf(TwoSpans(6, "abc")), nullptr);
  EXPECT_EQ(out.status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(out.status.message(),
            "Resource attribute mlflow.experimentId must be a numeric experiment id");
  EXPECT_FALSE(store_->traces().GetTraceInfo(TestTraceId(6)).ok());
  EXPECT_EQ(ingestor_->counters().spans_accepted.load(), 0);
}

TEST_F(OtlpIngestorTest, CountsMalformedBodies) {
  OtlpOutcome out =
      ingestor_->Ingest(OtlpSignal::kTraces, OtlpEncoding::kJson, "{not json", nullptr);
  EXPECT_EQ(out.status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(out.accepted, 0);
  EXPECT_EQ(ingestor_->counters().malformed_requests.load(), 1);
  EXPECT_EQ(ingestor_->counters().requests.load(), 1);
}

TEST_F(OtlpIngestorTest, ReportsRejectedSpansAndCommitsTheRest) {
  auto spans = TwoSpans(7);
  spans[1].span_id = SpanId();  // an all-zero span id is invalid
  OtlpOutcome out = ingestor_->Ingest(OtlpSignal::kTraces, OtlpEncoding::kProtobuf,
                                      otlp::EncodeTracesRequestProtobuf(spans), nullptr);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(out.accepted, 1);
  EXPECT_EQ(out.rejected, 1);
  EXPECT_FALSE(out.rejection_message.empty());
  EXPECT_EQ(ingestor_->counters().spans_rejected.load(), 1);
  EXPECT_EQ(ingestor_->counters().spans_accepted.load(), 1);
}

TEST_F(OtlpIngestorTest, StoreRefusalIsReturnedAndCounted) {
  const std::string header = "424242";  // numeric, but no such experiment
  OtlpOutcome out = ingestor_->Ingest(OtlpSignal::kTraces, OtlpEncoding::kProtobuf,
                                      otlp::EncodeTracesRequestProtobuf(TwoSpans(8)), &header);
  EXPECT_EQ(out.status.code(), StatusCode::kNotFound);
  EXPECT_EQ(out.accepted, 0);
  EXPECT_EQ(ingestor_->counters().spans_store_failed.load(), 2);
  EXPECT_EQ(ingestor_->counters().spans_accepted.load(), 0);
  EXPECT_EQ(ingestor_->counters().throttled_requests.load(), 0);
}

TEST_F(OtlpIngestorTest, CommitsLogRecordsLinkedToSpans) {
  ASSERT_TRUE(ingestor_
                  ->Ingest(OtlpSignal::kTraces, OtlpEncoding::kProtobuf,
                           otlp::EncodeTracesRequestProtobuf(TwoSpans(9)), nullptr)
                  .status.ok());
  model::LogRecord r;
  r.time_unix_nano = 1700000000000001000ull;
  r.trace_id = TestTraceId(9);
  r.span_id.bytes[0] = 0x5c;
  r.span_id.bytes[7] = 1;
  r.event_name = "gen_ai.user.message";
  r.resource = std::make_shared<const model::Resource>();
  r.scope = std::make_shared<const model::Scope>();
  OtlpOutcome out = ingestor_->Ingest(OtlpSignal::kLogs, OtlpEncoding::kJson,
                                      otlp::EncodeLogsRequestJson({r}), nullptr);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(out.accepted, 1);
  EXPECT_EQ(ingestor_->counters().logs_accepted.load(), 1);
  EXPECT_EQ(ingestor_->counters().spans_accepted.load(), 2);
}

TEST(IsValidExperimentIdTest, AcceptsUpTo18Digits) {
  EXPECT_TRUE(IsValidExperimentId("0"));
  EXPECT_TRUE(IsValidExperimentId("123456789012345678"));
  EXPECT_FALSE(IsValidExperimentId(""));
  EXPECT_FALSE(IsValidExperimentId("1234567890123456789"));
  EXPECT_FALSE(IsValidExperimentId("12a"));
  EXPECT_FALSE(IsValidExperimentId("-1"));
}

}  // namespace
}  // namespace tracelake::ingest
