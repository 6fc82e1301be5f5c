// The traces.json path of MLflow clients that do not send spans over OTLP: StartTraceV3, then
// PUT traces.json to the trace's artifact location; reads download it back.
#include <map>

#include <gtest/gtest.h>

#include "test_util.h"

namespace tracelake::server::testing {
namespace {

class ArtifactsApiTest : public MlflowApiTest {
 protected:
  void SetUp() override {
    MlflowApiTest::SetUp();
    exp_ = CreateExperiment("artifacts");
  }
  std::string ArtifactPath(const std::string& trace, const std::string& exp = "") const {
    return "/api/2.0/mlflow-artifacts/artifacts/" + (exp.empty() ? exp_ : exp) + "/traces/" +
           trace + "/artifacts/traces.json";
  }
  // StartTraceV3 as the Python client sends it; returns the artifact location tag.
  std::string StartTrace(const std::string& trace) {
    Json body = {
        {"trace",
         {{"trace_info",
           {{"trace_id", trace},
            {"trace_location",
             {{"type", "MLFLOW_EXPERIMENT"}, {"mlflow_experiment", {{"experiment_id", exp_}}}}},
            {"request_time", "2025-01-02T03:04:05Z"},
            {"execution_duration", "1.500s"},
            {"state", "OK"}}}}}};
    return Ok("POST", "/api/3.0/mlflow/traces",
              body)["trace"]["trace_info"]["tags"]["mlflow.artifactLocation"];
  }

  std::string exp_;
  const std::string trace_ = "tr-ab000000000000000000000000000007";
};

class UploadFormatsTest : public ArtifactsApiTest,
                          public ::testing::WithParamInterface<const char*> {};

TEST_P(UploadFormatsTest, UploadedTraceDataBecomesSearchableSpans) {
  const std::string location = StartTrace(trace_);
  // mlflow-artifacts:/<exp>/traces/<id>/artifacts resolves to the proxy path below.
  EXPECT_EQ(location, "mlflow-artifacts:/" + exp_ + "/traces/" + trace_ + "/artifacts");
  Json doc = ReadTestData(GetParam());
  EXPECT_EQ(Ok("PUT", ArtifactPath(trace_), doc), Json::object());

  Json got = Ok("GET", "/api/3.0/mlflow/traces/get", Json(), {{"trace_id", trace_}});
  ASSERT_EQ(got["trace"]["spans"].size(), 2u);
  EXPECT_EQ(got["trace"]["spans"][0]["name"], "agent");
  EXPECT_EQ(got["trace"]["spans"][1]["status"]["code"], "STATUS_CODE_ERROR");
  const Json& info = got["trace"]["trace_info"];
  EXPECT_EQ(info["trace_metadata"]["tracelake.span_count"], "2");
  EXPECT_EQ(info["tags"]["mlflow.trace.spansLocation"], "TRACKING_STORE");
  EXPECT_EQ(Json::parse(info["request_preview"].get<std::string>()),
            Json({{"question", "What is MLflow?"}}));
  Json usage = Json::parse(info["trace_metadata"]["mlflow.trace.tokenUsage"].get<std::string>());
  EXPECT_EQ(usage["input_tokens"], 12);
  EXPECT_EQ(usage["output_tokens"], 5);

  Json found = Ok("POST", "/api/3.0/mlflow/traces/search",
                  {{"locations", {{{"mlflow_experiment", {{"experiment_id", exp_}}}}}},
                   {"filter", "span.type = 'CHAT_MODEL'"}});
  ASSERT_EQ(found["traces"].size(), 1u);
  EXPECT_EQ(found["traces"][0]["trace_id"], trace_);
}

INSTANTIATE_TEST_SUITE_P(AllClientForms, UploadFormatsTest,
                         ::testing::Values("traces_python_v3.json", "traces_python_v4.json",
                                           "traces_typescript.json", "traces_mlflow2.json"));

TEST_F(ArtifactsApiTest, UploadWithoutStartTraceLandsInThePathExperiment) {
  Ok("PUT", ArtifactPath(trace_), ReadTestData("traces_python_v4.json"));
  Json info = Ok("GET", "/api/3.0/mlflow/traces/" + trace_)["trace"]["trace_info"];
  EXPECT_EQ(info["trace_location"]["mlflow_experiment"]["experiment_id"], exp_);
}

TEST_F(ArtifactsApiTest, UploadIsIdempotent) {
  StartTrace(trace_);
  Ok("PUT", ArtifactPath(trace_), ReadTestData("traces_python_v4.json"));
  Ok("PUT", ArtifactPath(trace_), ReadTestData("traces_python_v4.json"));
  Json got = Ok("GET", "/api/3.0/mlflow/traces/get", Json(), {{"trace_id", trace_}});
  EXPECT_EQ(got["trace"]["spans"].size(), 2u);
  EXPECT_EQ(got["trace"]["trace_info"]["trace_metadata"]["tracelake.span_count"], "2");
}

// Issue 11: the values of an uploaded span dict come back from get_trace typed, as the OTLP copy
// of the same span would (MLflow's client reads span_type "CHAIN", not "\"CHAIN\"").
TEST_F(ArtifactsApiTest, UploadedAttributeValuesComeBackTyped) {
  StartTrace(trace_);
  Json doc = ReadTestData("traces_python_v3.json");
  doc["spans"] = Json::array({doc["spans"][0]});
  doc["spans"][0]["attributes"]["mlflow.spanType"] = "\"CHAIN\"";
  doc["spans"][0]["attributes"]["n"] = "5";
  Ok("PUT", ArtifactPath(trace_), doc);
  Json got = Ok("GET", "/api/3.0/mlflow/traces/get", Json(), {{"trace_id", trace_}});
  ASSERT_EQ(got["trace"]["spans"].size(), 1u);
  std::map<std::string, Json> attrs;
  for (const Json& kv : got["trace"]["spans"][0]["attributes"]) attrs[kv["key"]] = kv["value"];
  EXPECT_EQ(attrs["mlflow.spanType"], Json({{"string_value", "CHAIN"}}));
  EXPECT_EQ(attrs["n"], Json({{"int_value", 5}}));
  EXPECT_EQ(attrs["mlflow.spanInputs"]["kvlist_value"]["values"][0]["key"], "question");
  EXPECT_EQ(attrs["mlflow.traceRequestId"], Json({{"string_value", trace_}}));
}

// Issue 11: MLflow keeps traces.json as an artifact and serves the OTLP copy when it has one.
TEST_F(ArtifactsApiTest, UploadNeverReplacesSpansThatArrivedOverOtlp) {
  StartTrace(trace_);
  const TraceId t = TestTraceId(7);
  Ingest(exp_, {TestSpan(t, 1, 0, "agent over otlp", 0, 1500, {{"mlflow.spanType", "AGENT"}})});
  Ok("PUT", ArtifactPath(trace_), ReadTestData("traces_python_v3.json"));
  Json got = Ok("GET", "/api/3.0/mlflow/traces/get", Json(), {{"trace_id", trace_}});
  ASSERT_EQ(got["trace"]["spans"].size(), 2u);
  EXPECT_EQ(got["trace"]["spans"][0]["name"], "agent over otlp");
  EXPECT_EQ(got["trace"]["spans"][1]["name"], "ChatOpenAI") << "the missing span is filled in";
  // A later OTLP copy replaces the uploaded one.
  Ingest(exp_, {TestSpan(t, 2, 1, "chat over otlp", 100, 900)});
  got = Ok("GET", "/api/3.0/mlflow/traces/get", Json(), {{"trace_id", trace_}});
  ASSERT_EQ(got["trace"]["spans"].size(), 2u);
  EXPECT_EQ(got["trace"]["spans"][1]["name"], "chat over otlp");
  EXPECT_EQ(got["trace"]["trace_info"]["trace_metadata"]["tracelake.span_count"], "2");
  // Uploading again changes nothing.
  Ok("PUT", ArtifactPath(trace_), ReadTestData("traces_python_v3.json"));
  got = Ok("GET", "/api/3.0/mlflow/traces/get", Json(), {{"trace_id", trace_}});
  EXPECT_EQ(got["trace"]["spans"][0]["name"], "agent over otlp");
  EXPECT_EQ(got["trace"]["spans"][1]["name"], "chat over otlp");
}

TEST_F(ArtifactsApiTest, DownloadBuildsTraceDataFromStoredSpans) {
  IngestAgentTrace(exp_, 7);
  HttpResponse res = Call("GET", ArtifactPath(trace_));
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.content_type, "application/json");
  bool attachment = false;
  for (const auto& [k, v] : res.headers)
    attachment |= k == "Content-Disposition" && v == "attachment; filename=traces.json";
  EXPECT_TRUE(attachment);
  auto doc = ParseJsonBody(res.body);
  ASSERT_TRUE(doc.ok());
  ASSERT_EQ((*doc)["spans"].size(), 3u);
  EXPECT_EQ((*doc)["spans"][0]["span_id"], "XAAAAAAAAAE=");
  EXPECT_EQ((*doc)["spans"][0]["parent_span_id"], "");
  EXPECT_EQ((*doc)["spans"][0]["attributes"]["mlflow.spanType"], "\"AGENT\"");
  ExpectMatchesGolden(*doc, "download_traces.golden.json");
}

TEST_F(ArtifactsApiTest, UploadThenDownloadRoundTrips) {
  StartTrace(trace_);
  Ok("PUT", ArtifactPath(trace_), ReadTestData("traces_python_v3.json"));
  Json downloaded = Ok("GET", ArtifactPath(trace_));
  // Re-uploading what was downloaded changes nothing.
  Ok("PUT", ArtifactPath(trace_), downloaded);
  EXPECT_EQ(Ok("GET", ArtifactPath(trace_)), downloaded);
}

TEST_F(ArtifactsApiTest, DownloadOfUnknownOrEmptyTraceIs404) {
  Error(Call("GET", ArtifactPath(trace_)), 404, "RESOURCE_DOES_NOT_EXIST");
  StartTrace(trace_);  // info only, no spans yet
  Error(Call("GET", ArtifactPath(trace_)), 404, "RESOURCE_DOES_NOT_EXIST");
  Ok("PUT", ArtifactPath(trace_), ReadTestData("traces_python_v4.json"));
  Ok("GET", ArtifactPath(trace_));
  std::string other = CreateExperiment("other");
  Error(Call("GET", ArtifactPath(trace_, other)), 404, "RESOURCE_DOES_NOT_EXIST");
}

TEST_F(ArtifactsApiTest, UploadRejectsBadDocumentsAndPaths) {
  Error(Call("PUT", ArtifactPath(trace_), "{\"spans\": ["), 400, "INVALID_PARAMETER_VALUE");
  Error(Call("PUT", ArtifactPath(trace_), "{\"spans\": 3}"), 400, "INVALID_PARAMETER_VALUE");
  std::string msg = Error(Call("PUT", ArtifactPath("tr-ab000000000000000000000000000008"),
                               ReadTestData("traces_python_v4.json").dump()),
                          400, "INVALID_PARAMETER_VALUE");
  EXPECT_NE(msg.find("does not match the trace"), std::string::npos);
  Error(Call("PUT", ArtifactPath("nope"), ReadTestData("traces_python_v4.json").dump()), 400,
        "INVALID_PARAMETER_VALUE");
  Error(Call("PUT", ArtifactPath(trace_, "abc"), ReadTestData("traces_python_v4.json").dump()), 400,
        "INVALID_PARAMETER_VALUE");
  Error(Call("PUT", ArtifactPath(trace_, "4040"), ReadTestData("traces_python_v4.json").dump()),
        404, "RESOURCE_DOES_NOT_EXIST");
  Error(Call("PUT",
             "/api/2.0/mlflow-artifacts/artifacts/" + exp_ + "/traces/" + trace_ +
                 "/artifacts/model.pkl",
             "x"),
        404, "RESOURCE_DOES_NOT_EXIST");
  // An empty document is accepted and stores nothing.
  Ok("PUT", ArtifactPath(trace_), Json({{"spans", Json::array()}}));
}

TEST_F(ArtifactsApiTest, ListArtifactsShowsTracesJsonOnceSpansExist) {
  const std::string dir = exp_ + "/traces/" + trace_ + "/artifacts";
  EXPECT_EQ(Ok("GET", "/api/2.0/mlflow-artifacts/artifacts", Json(), {{"path", dir}}),
            Json::object());
  IngestAgentTrace(exp_, 7);
  Json listed = Ok("GET", "/api/2.0/mlflow-artifacts/artifacts", Json(), {{"path", dir}});
  ASSERT_EQ(listed["files"].size(), 1u);
  EXPECT_EQ(listed["files"][0]["path"], "traces.json");
  EXPECT_EQ(listed["files"][0]["is_dir"], false);
  EXPECT_EQ(listed["files"][0]["file_size"], Call("GET", ArtifactPath(trace_)).body.size());
  EXPECT_EQ(Ok("GET", "/api/2.0/mlflow-artifacts/artifacts", Json(), {{"path", "elsewhere"}}),
            Json::object());
}

TEST_F(ArtifactsApiTest, GetTraceArtifactServesTheUi) {
  IngestAgentTrace(exp_, 7);
  HttpResponse res =
      Call("GET", "/ajax-api/2.0/mlflow/get-trace-artifact", "", {{"request_id", trace_}});
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.content_type, "application/octet-stream");
  EXPECT_EQ(ParseJsonBody(res.body)->at("spans").size(), 3u);
  std::string msg =
      Error(Call("GET", "/ajax-api/2.0/mlflow/get-trace-artifact"), 400, "INVALID_PARAMETER_VALUE");
  EXPECT_EQ(msg, "Request must include the \"request_id\" query parameter.");
  Error(Call("GET", "/ajax-api/2.0/mlflow/get-trace-artifact", "",
             {{"request_id", "tr-ab000000000000000000000000000099"}}),
        404, "RESOURCE_DOES_NOT_EXIST");
}

TEST_F(ArtifactsApiTest, ArtifactProxyIsServedUnderAjaxApi) {
  StartTrace(trace_);
  Ok("PUT",
     "/ajax-api/2.0/mlflow-artifacts/artifacts/" + exp_ + "/traces/" + trace_ +
         "/artifacts/traces.json",
     ReadTestData("traces_python_v4.json"));
  Ok("GET", "/ajax-api/2.0/mlflow-artifacts/artifacts/" + exp_ + "/traces/" + trace_ +
                "/artifacts/traces.json");
}

}  // namespace
}  // namespace tracelake::server::testing
