// Reading traces: info (V3 and V2), get with spans, batchGet, batchGetInfos, search (V3, V2).
#include <gtest/gtest.h>

#include "test_util.h"

namespace tracelake::server::testing {
namespace {

class TracesApiTest : public MlflowApiTest {
 protected:
  void SetUp() override {
    MlflowApiTest::SetUp();
    exp_ = CreateExperiment("traces");
    trace_ = IngestAgentTrace(exp_, 7);
  }
  std::string TraceIdText() const { return MlflowTraceId(trace_); }

  std::string exp_;
  TraceId trace_;
};

TEST_F(TracesApiTest, GetTraceInfoV3MatchesGolden) {
  Json got = Ok("GET", "/api/3.0/mlflow/traces/" + TraceIdText());
  ASSERT_TRUE(got.contains("trace"));
  const Json& info = got["trace"]["trace_info"];
  // The parts MLflow's client parses, field by field.
  EXPECT_EQ(info["trace_id"], "tr-ab000000000000000000000000000007");
  EXPECT_EQ(info["trace_location"]["type"], "MLFLOW_EXPERIMENT");
  EXPECT_EQ(info["trace_location"]["mlflow_experiment"]["experiment_id"], exp_);
  EXPECT_EQ(info["request_time"], "2025-01-02T03:04:05Z");
  EXPECT_EQ(info["execution_duration"], "1.500s");
  EXPECT_EQ(info["state"], "OK");
  EXPECT_EQ(info["request_preview"], "{\"question\":\"What is MLflow?\"}");
  EXPECT_EQ(info["response_preview"], "\"An ML platform.\"");
  EXPECT_EQ(info["tags"]["mlflow.trace.spansLocation"], "TRACKING_STORE");
  EXPECT_EQ(info["tags"]["mlflow.artifactLocation"],
            "mlflow-artifacts:/" + exp_ + "/traces/tr-ab000000000000000000000000000007/artifacts");
  EXPECT_EQ(info["trace_metadata"]["tracelake.span_count"], "3");
  ExpectMatchesGolden(got, "get_trace_info_v3.golden.json");
}

TEST_F(TracesApiTest, GetTraceInfoRejectsBadIdsAndUnknownTraces) {
  std::string msg =
      Error(Call("GET", "/api/3.0/mlflow/traces/tr-nothex"), 400, "INVALID_PARAMETER_VALUE");
  EXPECT_NE(msg.find("32 hex digits"), std::string::npos);
  msg = Error(Call("GET", "/api/3.0/mlflow/traces/tr-00000000000000000000000000000099"), 404,
              "RESOURCE_DOES_NOT_EXIST");
  EXPECT_NE(msg.find("tr-00000000000000000000000000000099"), std::string::npos);
}

TEST_F(TracesApiTest, GetTraceInfoV2UsesTheOldShape) {
  Json got = Ok("GET", "/api/2.0/mlflow/traces/" + TraceIdText() + "/info");
  const Json& info = got["trace_info"];
  EXPECT_EQ(info["request_id"], TraceIdText());
  EXPECT_EQ(info["experiment_id"], exp_);
  EXPECT_EQ(info["timestamp_ms"], kT0 / kMs);
  EXPECT_EQ(info["execution_time_ms"], 1500);
  EXPECT_EQ(info["status"], "OK");
  ASSERT_TRUE(info["request_metadata"].is_array());
  ASSERT_TRUE(info["tags"].is_array());
  bool has_artifact_location = false;
  for (const auto& kv : info["tags"])
    has_artifact_location |= kv["key"] == "mlflow.artifactLocation";
  EXPECT_TRUE(has_artifact_location) << "old clients read trace data from this location";
  // V2 info exists only under 2.0; V3 only under 3.0.
  EXPECT_EQ(Call("GET", "/api/3.0/mlflow/traces/" + TraceIdText() + "/info").status, 404);
  EXPECT_EQ(Call("GET", "/api/2.0/mlflow/traces/" + TraceIdText()).status, 405);
}

TEST_F(TracesApiTest, GetTraceReturnsInfoAndOtlpSpansMatchingGolden) {
  Json got = Ok("GET", "/api/3.0/mlflow/traces/get", Json(),
                {{"trace_id", TraceIdText()}, {"allow_partial", "True"}});
  const Json& spans = got["trace"]["spans"];
  ASSERT_EQ(spans.size(), 3u);
  EXPECT_EQ(spans[0]["name"], "agent");
  EXPECT_EQ(spans[0]["trace_id"], "qwAAAAAAAAAAAAAAAAAABw==") << "bytes fields are base64";
  EXPECT_FALSE(spans[0].contains("parent_span_id"));
  EXPECT_EQ(spans[1]["parent_span_id"], "XAAAAAAAAAE=");
  EXPECT_TRUE(spans[0]["start_time_unix_nano"].is_number_unsigned());
  EXPECT_EQ(spans[0]["status"]["code"], "STATUS_CODE_OK");
  ExpectMatchesGolden(got, "get_trace.golden.json");
}

TEST_F(TracesApiTest, GetTraceValidatesParameters) {
  Error(Call("GET", "/api/3.0/mlflow/traces/get"), 400, "INVALID_PARAMETER_VALUE");
  Error(Call("GET", "/api/3.0/mlflow/traces/get", "", {{"trace_id", "bad"}}), 400,
        "INVALID_PARAMETER_VALUE");
  Error(Call("GET", "/api/3.0/mlflow/traces/get", "",
             {{"trace_id", TraceIdText()}, {"allow_partial", "sure"}}),
        400, "INVALID_PARAMETER_VALUE");
  Error(Call("GET", "/api/3.0/mlflow/traces/get", "",
             {{"trace_id", "tr-ab000000000000000000000000000099"}}),
        404, "RESOURCE_DOES_NOT_EXIST");
}

TEST_F(TracesApiTest, BatchGetReturnsKnownTracesAndSkipsUnknownOnes) {
  TraceId second = IngestAgentTrace(exp_, 8);
  Json got = Ok("GET", "/api/3.0/mlflow/traces/batchGet", Json(),
                {{"trace_ids", TraceIdText()},
                 {"trace_ids", "tr-ab000000000000000000000000000099"},
                 {"trace_ids", MlflowTraceId(second)}});
  ASSERT_EQ(got["traces"].size(), 2u);
  EXPECT_EQ(got["traces"][0]["trace_info"]["trace_id"], TraceIdText());
  EXPECT_EQ(got["traces"][1]["trace_info"]["trace_id"], MlflowTraceId(second));
  EXPECT_EQ(got["traces"][1]["spans"].size(), 3u);
}

TEST_F(TracesApiTest, BatchGetHonoursExperimentScopeAndLimits) {
  std::string other = CreateExperiment("other");
  IngestAgentTrace(other, 9);
  Json got = Ok("GET", "/api/3.0/mlflow/traces/batchGet", Json(),
                {{"trace_ids", TraceIdText()},
                 {"trace_ids", "tr-ab000000000000000000000000000009"},
                 {"experiment_ids", other}});
  ASSERT_EQ(got["traces"].size(), 1u);
  EXPECT_EQ(got["traces"][0]["trace_info"]["trace_id"], "tr-ab000000000000000000000000000009");
  Error(Call("GET", "/api/3.0/mlflow/traces/batchGet"), 400, "INVALID_PARAMETER_VALUE");
  Error(Call("GET", "/api/3.0/mlflow/traces/batchGet", "", {{"trace_ids", "nope"}}), 400,
        "INVALID_PARAMETER_VALUE");
  Query many;
  for (int i = 0; i < 1001; ++i) many.emplace_back("trace_ids", TraceIdText());
  std::string msg = Error(Call("GET", "/api/3.0/mlflow/traces/batchGet", "", many), 400,
                          "INVALID_PARAMETER_VALUE");
  EXPECT_NE(msg.find("at most 1000"), std::string::npos);
}

TEST_F(TracesApiTest, BatchGetInfosReturnsTraceInfosWithoutSpans) {
  Json got = Ok("POST", "/api/3.0/mlflow/traces/batchGetInfos", {{"trace_ids", {TraceIdText()}}});
  ASSERT_EQ(got["trace_infos"].size(), 1u);
  EXPECT_EQ(got["trace_infos"][0]["trace_id"], TraceIdText());
  EXPECT_FALSE(got["trace_infos"][0].contains("spans"));
  Error(Call("POST", "/api/3.0/mlflow/traces/batchGetInfos", R"({"trace_ids": "x"})"), 400,
        "INVALID_PARAMETER_VALUE");
  Error(Call("POST", "/api/3.0/mlflow/traces/batchGetInfos", R"({"trace_ids": [1]})"), 400,
        "INVALID_PARAMETER_VALUE");
}

TEST_F(TracesApiTest, SearchV3ByLocationsWithFilterOrderAndPaging) {
  IngestAgentTrace(exp_, 8);
  Ingest(exp_, {TestSpan(TestTraceId(10), 1, 0, "failing", 5000, 5100)});
  Json locations = {
      {{"type", "MLFLOW_EXPERIMENT"}, {"mlflow_experiment", {{"experiment_id", exp_}}}}};
  Json page1 =
      Ok("POST", "/api/3.0/mlflow/traces/search",
         {{"locations", locations}, {"max_results", 2}, {"order_by", {"timestamp_ms DESC"}}});
  ASSERT_EQ(page1["traces"].size(), 2u) << page1.dump();
  EXPECT_EQ(page1["traces"][0]["trace_id"], "tr-ab00000000000000000000000000000a")
      << "newest first";
  ASSERT_TRUE(page1["next_page_token"].is_string());
  Json page2 = Ok("POST", "/api/3.0/mlflow/traces/search",
                  {{"locations", locations},
                   {"max_results", 2},
                   {"order_by", {"timestamp_ms DESC"}},
                   {"page_token", page1["next_page_token"]}});
  ASSERT_EQ(page2["traces"].size(), 1u);
  EXPECT_FALSE(page2.contains("next_page_token"));

  Json filtered = Ok("POST", "/api/3.0/mlflow/traces/search",
                     {{"locations", locations}, {"filter", "trace.name = 'failing'"}});
  ASSERT_EQ(filtered["traces"].size(), 1u);
  EXPECT_EQ(filtered["traces"][0]["trace_id"], "tr-ab00000000000000000000000000000a");
}

TEST_F(TracesApiTest, SearchV3OverUnknownExperimentFindsNothing) {
  Json got = Ok("POST", "/api/3.0/mlflow/traces/search",
                {{"locations", {{{"mlflow_experiment", {{"experiment_id", "4242"}}}}}}});
  EXPECT_EQ(got["traces"], Json::array());
}

TEST_F(TracesApiTest, SearchV3RejectsBadRequests) {
  Json loc = {{{"mlflow_experiment", {{"experiment_id", exp_}}}}};
  std::string msg =
      Error(Call("POST", "/api/3.0/mlflow/traces/search", "{}"), 400, "INVALID_PARAMETER_VALUE");
  EXPECT_NE(msg.find("'locations'"), std::string::npos);
  Error(Call("POST", "/api/3.0/mlflow/traces/search",
             R"({"locations": [{"type": "INFERENCE_TABLE"}]})"),
        400, "INVALID_PARAMETER_VALUE");
  Error(Call("POST", "/api/3.0/mlflow/traces/search", R"({"locations": "1"})"), 400,
        "INVALID_PARAMETER_VALUE");
  Error(Call("POST", "/api/3.0/mlflow/traces/search",
             Json({{"locations", loc}, {"max_results", 501}}).dump()),
        400, "INVALID_PARAMETER_VALUE");
  Error(Call("POST", "/api/3.0/mlflow/traces/search",
             Json({{"locations", loc}, {"filter", "name = "}}).dump()),
        400, "INVALID_PARAMETER_VALUE");
  Error(Call("POST", "/api/3.0/mlflow/traces/search",
             Json({{"locations", loc}, {"order_by", {"bogus DESC"}}}).dump()),
        400, "INVALID_PARAMETER_VALUE");
  Error(Call("POST", "/api/3.0/mlflow/traces/search",
             Json({{"locations", loc}, {"page_token", "%%%"}}).dump()),
        400, "INVALID_PARAMETER_VALUE");
  Error(Call("POST", "/api/3.0/mlflow/traces/search",
             Json({{"locations", loc}, {"order_by", "x"}, {"filter", 3}}).dump()),
        400, "INVALID_PARAMETER_VALUE");
}

TEST_F(TracesApiTest, SearchV2TakesExperimentIdsFromTheQueryString) {
  Json got =
      Ok("GET", "/api/2.0/mlflow/traces", Json(),
         {{"experiment_ids", exp_}, {"max_results", "10"}, {"filter", "attributes.status = 'OK'"}});
  ASSERT_EQ(got["traces"].size(), 1u);
  EXPECT_EQ(got["traces"][0]["request_id"], TraceIdText());
  EXPECT_EQ(got["traces"][0]["status"], "OK");
  Error(Call("GET", "/api/2.0/mlflow/traces"), 400, "INVALID_PARAMETER_VALUE");
  Error(Call("GET", "/api/2.0/mlflow/traces", "",
             {{"experiment_ids", exp_}, {"max_results", "1000"}}),
        400, "INVALID_PARAMETER_VALUE");
}

TEST_F(TracesApiTest, ReadEndpointsAreServedUnderAjaxApi) {
  Ok("GET", "/ajax-api/3.0/mlflow/traces/" + TraceIdText());
  Ok("GET", "/ajax-api/3.0/mlflow/traces/get", Json(), {{"trace_id", TraceIdText()}});
  Ok("POST", "/ajax-api/3.0/mlflow/traces/search",
     {{"locations", {{{"mlflow_experiment", {{"experiment_id", exp_}}}}}}});
  Ok("GET", "/ajax-api/2.0/mlflow/traces/" + TraceIdText() + "/info");
}

}  // namespace
}  // namespace tracelake::server::testing
