// TracingOptions from OTEL_* and MLFLOW_* environment variables.
#include "sdk/env_config.h"

#include <map>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tracelake::sdk {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;
using std::chrono::milliseconds;

class EnvConfigTest : public ::testing::Test {
 protected:
  TracingOptions Parse() {
    warnings_.clear();
    return TracingOptionsFromEnv(
        [this](const char* name) -> const char* {
          auto it = env_.find(name);
          return it == env_.end() ? nullptr : it->second.c_str();
        },
        &warnings_);
  }
  std::map<std::string, std::string> env_;
  std::vector<std::string> warnings_;
};

TEST_F(EnvConfigTest, DefaultsFollowTheOtelSpec) {
  TracingOptions o = Parse();
  EXPECT_TRUE(o.enabled);
  EXPECT_EQ(o.service_name, "unknown_service");
  EXPECT_EQ(o.exporter.endpoint, "http://localhost:4318/v1/traces");
  EXPECT_EQ(o.exporter.protocol, OtlpProtocol::kHttpProtobuf);
  EXPECT_EQ(o.exporter.timeout, milliseconds(10000));
  EXPECT_FALSE(o.exporter.gzip);
  EXPECT_EQ(o.batch.schedule_delay, milliseconds(5000));
  EXPECT_EQ(o.batch.export_timeout, milliseconds(30000));
  EXPECT_EQ(o.batch.max_queue_size, 2048u);
  EXPECT_EQ(o.batch.max_export_batch_size, 512u);
  EXPECT_THAT(warnings_, IsEmpty());
}

TEST_F(EnvConfigTest, BaseEndpointGetsTheTracesPathAppended) {
  env_["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://collector:4318/";
  EXPECT_EQ(Parse().exporter.endpoint, "http://collector:4318/v1/traces");
}

TEST_F(EnvConfigTest, TracesEndpointIsUsedAsIs) {
  env_["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://ignored:4318";
  env_["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = "https://x.example/custom/path";
  EXPECT_EQ(Parse().exporter.endpoint, "https://x.example/custom/path");
}

TEST_F(EnvConfigTest, GrpcProtocolUsesTheEndpointAsTarget) {
  env_["OTEL_EXPORTER_OTLP_PROTOCOL"] = "grpc";
  TracingOptions o = Parse();
  EXPECT_EQ(o.exporter.protocol, OtlpProtocol::kGrpc);
  EXPECT_EQ(o.exporter.endpoint, "http://localhost:4317");
  env_["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://collector:4317";
  EXPECT_EQ(Parse().exporter.endpoint, "http://collector:4317");
  env_["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"] = "http/json";  // the signal-specific one wins
  EXPECT_EQ(Parse().exporter.protocol, OtlpProtocol::kHttpJson);
}

TEST_F(EnvConfigTest, HeadersArePercentDecodedAndTracesHeadersOverride) {
  env_["OTEL_EXPORTER_OTLP_HEADERS"] = "Authorization=Bearer%20abc, x-a = 1 ,broken,=nokey";
  env_["OTEL_EXPORTER_OTLP_TRACES_HEADERS"] = "x-a=2,x-b=3";
  TracingOptions o = Parse();
  EXPECT_THAT(o.exporter.headers,
              ElementsAre(Pair("Authorization", "Bearer abc"), Pair("x-a", "2"), Pair("x-b", "3")));
  EXPECT_EQ(warnings_.size(), 2u);
}

TEST_F(EnvConfigTest, ServiceNameAndResourceAttributes) {
  env_["OTEL_RESOURCE_ATTRIBUTES"] = "service.name=from-resource,deployment.environment=prod";
  EXPECT_EQ(Parse().service_name, "from-resource");
  env_["OTEL_SERVICE_NAME"] = "agent";
  TracingOptions o = Parse();
  EXPECT_EQ(o.service_name, "agent");
  EXPECT_THAT(o.resource_attributes, ElementsAre(Pair("service.name", "from-resource"),
                                                 Pair("deployment.environment", "prod")));
}

TEST_F(EnvConfigTest, BatchProcessorVariables) {
  env_["OTEL_BSP_SCHEDULE_DELAY"] = "200";
  env_["OTEL_BSP_EXPORT_TIMEOUT"] = "1500";
  env_["OTEL_BSP_MAX_QUEUE_SIZE"] = "100";
  env_["OTEL_BSP_MAX_EXPORT_BATCH_SIZE"] = "50";
  env_["OTEL_EXPORTER_OTLP_TIMEOUT"] = "2500";
  env_["OTEL_EXPORTER_OTLP_COMPRESSION"] = "gzip";
  TracingOptions o = Parse();
  EXPECT_EQ(o.batch.schedule_delay, milliseconds(200));
  EXPECT_EQ(o.batch.export_timeout, milliseconds(1500));
  EXPECT_EQ(o.batch.max_queue_size, 100u);
  EXPECT_EQ(o.batch.max_export_batch_size, 50u);
  EXPECT_EQ(o.exporter.timeout, milliseconds(2500));
  EXPECT_TRUE(o.exporter.gzip);
  EXPECT_THAT(warnings_, IsEmpty());
}

TEST_F(EnvConfigTest, InvalidValuesKeepDefaultsAndWarn) {
  env_["OTEL_BSP_SCHEDULE_DELAY"] = "soon";
  env_["OTEL_BSP_MAX_QUEUE_SIZE"] = "0";
  env_["OTEL_BSP_MAX_EXPORT_BATCH_SIZE"] = "-3";
  env_["OTEL_EXPORTER_OTLP_PROTOCOL"] = "carrier-pigeon";
  env_["OTEL_EXPORTER_OTLP_TIMEOUT"] = "10s";
  env_["OTEL_EXPORTER_OTLP_COMPRESSION"] = "zstd";
  TracingOptions o = Parse();
  EXPECT_EQ(o.batch.schedule_delay, milliseconds(5000));
  EXPECT_EQ(o.batch.max_queue_size, 2048u);
  EXPECT_EQ(o.batch.max_export_batch_size, 512u);
  EXPECT_EQ(o.exporter.protocol, OtlpProtocol::kHttpProtobuf);
  EXPECT_EQ(o.exporter.timeout, milliseconds(10000));
  EXPECT_FALSE(o.exporter.gzip);
  EXPECT_EQ(warnings_.size(), 6u);
}

TEST_F(EnvConfigTest, BatchLargerThanQueueIsClamped) {
  env_["OTEL_BSP_MAX_QUEUE_SIZE"] = "10";
  env_["OTEL_BSP_MAX_EXPORT_BATCH_SIZE"] = "64";
  TracingOptions o = Parse();
  EXPECT_EQ(o.batch.max_export_batch_size, 10u);
  EXPECT_EQ(warnings_.size(), 1u);
}

TEST_F(EnvConfigTest, SdkDisabled) {
  env_["OTEL_SDK_DISABLED"] = "TRUE";
  EXPECT_FALSE(Parse().enabled);
  env_["OTEL_SDK_DISABLED"] = "false";
  EXPECT_TRUE(Parse().enabled);
}

TEST_F(EnvConfigTest, MlflowTrackingUriRoutesWhenNoOtlpEndpointIsSet) {
  env_["MLFLOW_TRACKING_URI"] = "http://mlflow:5000/";
  env_["MLFLOW_EXPERIMENT_ID"] = "12";
  env_["MLFLOW_TRACKING_TOKEN"] = "t0k";
  TracingOptions o = Parse();
  EXPECT_EQ(o.exporter.endpoint, "http://mlflow:5000/v1/traces");
  EXPECT_EQ(o.mlflow_tracking_uri, "http://mlflow:5000");
  EXPECT_EQ(o.experiment_id, "12");
  EXPECT_THAT(o.exporter.headers, ElementsAre(Pair("authorization", "Bearer t0k")));
  env_["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://collector:4318";
  EXPECT_EQ(Parse().exporter.endpoint, "http://collector:4318/v1/traces");
}

TEST_F(EnvConfigTest, NonHttpTrackingUriIsIgnored) {
  env_["MLFLOW_TRACKING_URI"] = "databricks";
  TracingOptions o = Parse();
  EXPECT_EQ(o.exporter.endpoint, "http://localhost:4318/v1/traces");
  EXPECT_EQ(o.mlflow_tracking_uri, "");
  EXPECT_EQ(warnings_.size(), 1u);
}

TEST(ParseKeyValueListTest, TrimsAndDecodes) {
  EXPECT_THAT(ParseKeyValueList(" a=1 , b = x%2Cy ,, c=", nullptr),
              ElementsAre(Pair("a", "1"), Pair("b", "x,y"), Pair("c", "")));
}

}  // namespace
}  // namespace tracelake::sdk
