// Writing traces: StartTraceV3, the V2 StartTrace / EndTrace, delete-traces, tags, links.
#include <gtest/gtest.h>

#include "test_util.h"

namespace tracelake::server::testing {
namespace {

class TraceWritesApiTest : public MlflowApiTest {
 protected:
  void SetUp() override {
    MlflowApiTest::SetUp();
    exp_ = CreateExperiment("writes");
  }

  // What MLflow's Python client sends to StartTraceV3 at the end of a trace.
  Json StartTraceV3Body(const std::string& trace_id) const {
    return {{"trace",
             {{"trace_info",
               {{"trace_id", trace_id},
                {"client_request_id", "client-1"},
                {"trace_location",
                 {{"type", "MLFLOW_EXPERIMENT"}, {"mlflow_experiment", {{"experiment_id", exp_}}}}},
                {"request_preview", "{\"question\": \"hi\"}"},
                {"response_preview", "\"hello\""},
                {"request_time", "2025-01-02T03:04:05.250Z"},
                {"execution_duration", "0.750s"},
                {"state", "OK"},
                {"trace_metadata",
                 {{"mlflow.trace_schema.version", "3"}, {"mlflow.trace.user", "alice"}}},
                {"tags", {{"mlflow.traceName", "agent"}}}}}}}};
  }

  std::string exp_;
};

TEST_F(TraceWritesApiTest, StartTraceV3StoresInfoAndAnswersTheTraceBack) {
  Json got =
      Ok("POST", "/api/3.0/mlflow/traces", StartTraceV3Body("tr-ab000000000000000000000000000021"));
  const Json& info = got["trace"]["trace_info"];
  EXPECT_EQ(info["trace_id"], "tr-ab000000000000000000000000000021");
  EXPECT_EQ(info["client_request_id"], "client-1");
  EXPECT_EQ(info["trace_location"]["mlflow_experiment"]["experiment_id"], exp_);
  EXPECT_EQ(info["request_time"], "2025-01-02T03:04:05.250Z");
  EXPECT_EQ(info["execution_duration"], "0.750s");
  EXPECT_EQ(info["state"], "OK");
  EXPECT_EQ(info["request_preview"], "{\"question\": \"hi\"}");
  EXPECT_EQ(info["trace_metadata"]["mlflow.trace.user"], "alice");
  EXPECT_EQ(info["tags"]["mlflow.traceName"], "agent");
  // No spans yet: clients must upload traces.json to the artifact location.
  EXPECT_FALSE(info["tags"].contains("mlflow.trace.spansLocation"));
  EXPECT_EQ(info["tags"]["mlflow.artifactLocation"],
            "mlflow-artifacts:/" + exp_ + "/traces/tr-ab000000000000000000000000000021/artifacts");
  Json again = Ok("GET", "/api/3.0/mlflow/traces/tr-ab000000000000000000000000000021");
  EXPECT_EQ(again["trace"]["trace_info"], info);
}

TEST_F(TraceWritesApiTest, StartTraceV3AfterOtlpSpansTellsClientsSpansAreStored) {
  IngestAgentTrace(exp_, 0x22);
  Json got =
      Ok("POST", "/api/3.0/mlflow/traces", StartTraceV3Body("tr-ab000000000000000000000000000022"));
  const Json& info = got["trace"]["trace_info"];
  EXPECT_EQ(info["tags"]["mlflow.trace.spansLocation"], "TRACKING_STORE");
  EXPECT_EQ(info["client_request_id"], "client-1");
  EXPECT_EQ(info["trace_metadata"]["tracelake.span_count"], "3");
  // Times come from the root span once it arrived.
  EXPECT_EQ(info["request_time"], "2025-01-02T03:04:05Z");
}

TEST_F(TraceWritesApiTest, StartTraceV3RefusesBadBodies) {
  auto error_of = [&](const Json& body, int status, const char* code) {
    return Error(Call("POST", "/api/3.0/mlflow/traces", body.dump()), status, code);
  };
  EXPECT_NE(error_of(Json::object(), 400, "INVALID_PARAMETER_VALUE").find("'trace'"),
            std::string::npos);
  EXPECT_NE(error_of({{"trace", Json::object()}}, 400, "INVALID_PARAMETER_VALUE")
                .find("'trace.trace_info'"),
            std::string::npos);
  Json body = StartTraceV3Body("tr-123");
  EXPECT_NE(error_of(body, 400, "INVALID_PARAMETER_VALUE").find("'trace.trace_info.trace_id'"),
            std::string::npos);
  body = StartTraceV3Body("tr-ab000000000000000000000000000023");
  body["trace"]["trace_info"]["trace_location"]["mlflow_experiment"]["experiment_id"] = "9999";
  EXPECT_EQ(error_of(body, 404, "RESOURCE_DOES_NOT_EXIST"), "No Experiment with id=9999 exists");
  body = StartTraceV3Body("tr-ab000000000000000000000000000023");
  body["trace"]["trace_info"]["request_time"] = "yesterday";
  EXPECT_NE(error_of(body, 400, "INVALID_PARAMETER_VALUE").find("trace.trace_info.request_time"),
            std::string::npos);
  body = StartTraceV3Body("tr-ab000000000000000000000000000023");
  body["trace"]["trace_info"]["tags"] = "x";
  error_of(body, 400, "INVALID_PARAMETER_VALUE");
  Error(Call("POST", "/api/3.0/mlflow/traces", "{\"trace\": {"), 400, "INVALID_PARAMETER_VALUE");
}

TEST_F(TraceWritesApiTest, StartTraceIntoDeletedExperimentIsRefused) {
  Ok("POST", "/api/2.0/mlflow/experiments/delete", {{"experiment_id", exp_}});
  std::string msg = Error(Call("POST", "/api/3.0/mlflow/traces",
                               StartTraceV3Body("tr-ab000000000000000000000000000024").dump()),
                          400, "INVALID_PARAMETER_VALUE");
  EXPECT_EQ(msg,
            "The experiment " + exp_ + " must be in the 'active' state. Current state is deleted.");
}

TEST_F(TraceWritesApiTest, V2StartAndEndTraceLifecycle) {
  Json started = Ok("POST", "/api/2.0/mlflow/traces",
                    {{"experiment_id", exp_},
                     {"timestamp_ms", kT0 / kMs},
                     {"request_metadata", {{{"key", "mlflow.traceInputs"}, {"value", "{}"}}}},
                     {"tags", {{{"key", "env"}, {"value", "dev"}}}}});
  const Json& info = started["trace_info"];
  EXPECT_EQ(info["request_id"], "tr-ab0000000000000000000000000000c8")
      << "from the injected id generator";
  EXPECT_EQ(info["experiment_id"], exp_);
  EXPECT_EQ(info["timestamp_ms"], kT0 / kMs);
  EXPECT_EQ(info["status"], "IN_PROGRESS");
  EXPECT_FALSE(info.contains("execution_time_ms"));

  const std::string id = info["request_id"];
  Json ended = Ok("PATCH", "/api/2.0/mlflow/traces/" + id,
                  {{"timestamp_ms", kT0 / kMs + 420},
                   {"status", "OK"},
                   {"request_metadata", {{{"key", "mlflow.traceOutputs"}, {"value", "\"done\""}}}},
                   {"tags", {{{"key", "env"}, {"value", "prod"}}}}});
  const Json& end = ended["trace_info"];
  EXPECT_EQ(end["status"], "OK");
  EXPECT_EQ(end["execution_time_ms"], 420);
  bool saw_env = false, saw_outputs = false;
  for (const auto& kv : end["tags"]) saw_env |= kv["key"] == "env" && kv["value"] == "prod";
  for (const auto& kv : end["request_metadata"]) saw_outputs |= kv["key"] == "mlflow.traceOutputs";
  EXPECT_TRUE(saw_env);
  EXPECT_TRUE(saw_outputs);
}

TEST_F(TraceWritesApiTest, V2StartTraceWithoutTimestampUsesTheClock) {
  Json started = Ok("POST", "/api/2.0/mlflow/traces", {{"experiment_id", std::stoi(exp_)}});
  EXPECT_EQ(started["trace_info"]["timestamp_ms"], clock_.NowUnixMillis());
}

TEST_F(TraceWritesApiTest, V2TraceCallsRefuseBadInput) {
  Error(Call("POST", "/api/2.0/mlflow/traces", "{}"), 400, "INVALID_PARAMETER_VALUE");
  Error(Call("POST", "/api/2.0/mlflow/traces", R"({"experiment_id": "555"})"), 404,
        "RESOURCE_DOES_NOT_EXIST");
  Error(Call("POST", "/api/2.0/mlflow/traces",
             Json({{"experiment_id", exp_}, {"timestamp_ms", -1}}).dump()),
        400, "INVALID_PARAMETER_VALUE");
  Error(Call("PATCH", "/api/2.0/mlflow/traces/tr-ab000000000000000000000000000077",
             R"({"status": "OK"})"),
        404, "RESOURCE_DOES_NOT_EXIST");
  Error(Call("PATCH", "/api/2.0/mlflow/traces/not-an-id", R"({"status": "OK"})"), 400,
        "INVALID_PARAMETER_VALUE");
  IngestAgentTrace(exp_, 0x30);
  Error(Call("PATCH", "/api/2.0/mlflow/traces/tr-ab000000000000000000000000000030",
             R"({"status": "DONE"})"),
        400, "INVALID_PARAMETER_VALUE");
}

TEST_F(TraceWritesApiTest, V3BodyOnTheV2PathIsAccepted) {
  Json got =
      Ok("POST", "/api/2.0/mlflow/traces", StartTraceV3Body("tr-ab000000000000000000000000000025"));
  EXPECT_EQ(got["trace"]["trace_info"]["trace_id"], "tr-ab000000000000000000000000000025");
}

TEST_F(TraceWritesApiTest, DeleteTracesByIdsV3AndV2) {
  IngestAgentTrace(exp_, 0x40);
  IngestAgentTrace(exp_, 0x41);
  Json v3 = Ok("POST", "/api/3.0/mlflow/traces/delete-traces",
               {{"experiment_id", exp_}, {"trace_ids", {"tr-ab000000000000000000000000000040"}}});
  EXPECT_EQ(v3["traces_deleted"], 1);
  Json v2 = Ok("POST", "/api/2.0/mlflow/traces/delete-traces",
               {{"experiment_id", exp_},
                {"request_ids",
                 {"tr-ab000000000000000000000000000041", "tr-ab000000000000000000000000000040"}}});
  EXPECT_EQ(v2["traces_deleted"], 1) << "already deleted traces are not counted";
  Error(Call("GET", "/api/3.0/mlflow/traces/tr-ab000000000000000000000000000041"), 404,
        "RESOURCE_DOES_NOT_EXIST");
}

TEST_F(TraceWritesApiTest, DeleteTracesByTimestampOldestFirst) {
  for (uint8_t n = 0x50; n < 0x53; ++n) {
    Ingest(exp_, {TestSpan(TestTraceId(n), 1, 0, "t", (n - 0x50) * 1000, (n - 0x50) * 1000 + 10)});
  }
  Json got =
      Ok("POST", "/api/3.0/mlflow/traces/delete-traces",
         {{"experiment_id", exp_}, {"max_timestamp_millis", kT0 / kMs + 1500}, {"max_traces", 1}});
  EXPECT_EQ(got["traces_deleted"], 1);
  Error(Call("GET", "/api/3.0/mlflow/traces/tr-ab000000000000000000000000000050"), 404,
        "RESOURCE_DOES_NOT_EXIST");
  Ok("GET", "/api/3.0/mlflow/traces/tr-ab000000000000000000000000000051");
}

TEST_F(TraceWritesApiTest, DeleteTracesEnforcesMlflowArgumentRules) {
  auto msg = [&](const Json& body, int status = 400, const char* code = "INVALID_PARAMETER_VALUE") {
    return Error(Call("POST", "/api/3.0/mlflow/traces/delete-traces", body.dump()), status, code);
  };
  EXPECT_EQ(msg({{"experiment_id", exp_}}),
            "Either `max_timestamp_millis` or `trace_ids` must be specified.");
  EXPECT_EQ(msg({{"experiment_id", exp_},
                 {"max_timestamp_millis", 1},
                 {"trace_ids", {"tr-ab000000000000000000000000000040"}}}),
            "Only one of `max_timestamp_millis` and `trace_ids` can be specified.");
  EXPECT_EQ(msg({{"experiment_id", exp_},
                 {"max_traces", 2},
                 {"trace_ids", {"tr-ab000000000000000000000000000040"}}}),
            "`max_traces` can't be specified if `trace_ids` is specified.");
  EXPECT_EQ(msg({{"experiment_id", exp_}, {"max_timestamp_millis", 1}, {"max_traces", 0}}),
            "`max_traces` must be a positive integer, received 0.");
  EXPECT_NE(msg({{"max_timestamp_millis", 1}}).find("'experiment_id'"), std::string::npos);
  EXPECT_NE(msg({{"experiment_id", exp_}, {"trace_ids", {"bogus"}}}).find("32 hex digits"),
            std::string::npos);
  EXPECT_EQ(
      msg({{"experiment_id", "8888"}, {"max_timestamp_millis", 1}}, 404, "RESOURCE_DOES_NOT_EXIST"),
      "No Experiment with id=8888 exists");
}

TEST_F(TraceWritesApiTest, TraceTagsSetAndDeleteThroughV3AndV2Paths) {
  IngestAgentTrace(exp_, 0x60);
  const std::string id = "tr-ab000000000000000000000000000060";
  EXPECT_EQ(Ok("PATCH", "/api/3.0/mlflow/traces/" + id + "/tags",
               {{"key", "reviewed"}, {"value", "yes"}}),
            Json::object());
  Ok("PATCH", "/api/2.0/mlflow/traces/" + id + "/tags", {{"key", "v2"}, {"value", "1"}});
  Json info = Ok("GET", "/api/3.0/mlflow/traces/" + id)["trace"]["trace_info"];
  EXPECT_EQ(info["tags"]["reviewed"], "yes");
  EXPECT_EQ(info["tags"]["v2"], "1");
  // The key in the JSON body (MLflow's clients) or the query string.
  Ok("DELETE", "/api/3.0/mlflow/traces/" + id + "/tags", {{"key", "reviewed"}});
  Ok("DELETE", "/api/2.0/mlflow/traces/" + id + "/tags", Json(), {{"key", "v2"}});
  info = Ok("GET", "/api/3.0/mlflow/traces/" + id)["trace"]["trace_info"];
  EXPECT_FALSE(info["tags"].contains("reviewed"));
  EXPECT_FALSE(info["tags"].contains("v2"));
}

TEST_F(TraceWritesApiTest, TraceTagErrors) {
  IngestAgentTrace(exp_, 0x61);
  const std::string id = "tr-ab000000000000000000000000000061";
  Error(Call("PATCH", "/api/3.0/mlflow/traces/" + id + "/tags", R"({"value": "v"})"), 400,
        "INVALID_PARAMETER_VALUE");
  Error(Call("PATCH", "/api/3.0/mlflow/traces/" + id + "/tags", R"({"key": "k", "value": 3})"), 400,
        "INVALID_PARAMETER_VALUE");
  Error(Call("PATCH", "/api/3.0/mlflow/traces/tr-ab000000000000000000000000000062/tags",
             R"({"key": "k"})"),
        404, "RESOURCE_DOES_NOT_EXIST");
  Error(Call("DELETE", "/api/3.0/mlflow/traces/" + id + "/tags", R"({"key": "never"})"), 404,
        "RESOURCE_DOES_NOT_EXIST");
  Error(Call("DELETE", "/api/3.0/mlflow/traces/xyz/tags", R"({"key": "k"})"), 400,
        "INVALID_PARAMETER_VALUE");
}

TEST_F(TraceWritesApiTest, LinkToRunRecordsSourceRunForRunIdSearch) {
  IngestAgentTrace(exp_, 0x70);
  const std::string id = "tr-ab000000000000000000000000000070";
  auto new_run = [&] {
    Json run = Ok("POST", "/api/2.0/mlflow/runs/create", {{"experiment_id", exp_}});
    return run["run"]["info"]["run_id"].get<std::string>();
  };
  const std::string run1 = new_run();
  const std::string run2 = new_run();
  EXPECT_EQ(
      Ok("POST", "/api/2.0/mlflow/traces/link-to-run", {{"trace_ids", {id}}, {"run_id", run1}}),
      Json::object());
  Json info = Ok("GET", "/api/3.0/mlflow/traces/" + id)["trace"]["trace_info"];
  EXPECT_EQ(info["trace_metadata"]["mlflow.sourceRun"], run1);
  // A second link keeps the first run as the trace's source.
  Ok("POST", "/api/2.0/mlflow/traces/link-to-run", {{"trace_ids", {id}}, {"run_id", run2}});
  info = Ok("GET", "/api/3.0/mlflow/traces/" + id)["trace"]["trace_info"];
  EXPECT_EQ(info["trace_metadata"]["mlflow.sourceRun"], run1);
  for (const std::string& filter :
       {"metadata.`mlflow.sourceRun` = '" + run1 + "'", "run_id = '" + run1 + "'"}) {
    Json found = Ok(
        "POST", "/api/3.0/mlflow/traces/search",
        {{"locations", {{{"mlflow_experiment", {{"experiment_id", exp_}}}}}}, {"filter", filter}});
    EXPECT_EQ(found["traces"].size(), 1u) << filter;
  }
  // Only real runs: an unknown one is MLflow's RESOURCE_DOES_NOT_EXIST.
  std::string msg = Error(Call("POST", "/api/2.0/mlflow/traces/link-to-run",
                               Json{{"trace_ids", {id}}, {"run_id", "0123456789abcdef"}}.dump()),
                          404, "RESOURCE_DOES_NOT_EXIST");
  EXPECT_EQ(msg, "Run with id=0123456789abcdef not found");
}

TEST_F(TraceWritesApiTest, LinkToRunErrors) {
  Error(Call("POST", "/api/2.0/mlflow/traces/link-to-run",
             R"({"trace_ids": ["tr-ab000000000000000000000000000070"]})"),
        400, "INVALID_PARAMETER_VALUE");
  Error(Call("POST", "/api/2.0/mlflow/traces/link-to-run", R"({"run_id": "r"})"), 400,
        "INVALID_PARAMETER_VALUE");
  Error(Call("POST", "/api/2.0/mlflow/traces/link-to-run",
             R"({"run_id": "r", "trace_ids": ["tr-ab000000000000000000000000000071"]})"),
        404, "RESOURCE_DOES_NOT_EXIST");
  Json many = {{"run_id", "r"}, {"trace_ids", Json::array()}};
  for (int i = 0; i < 101; ++i) many["trace_ids"].push_back("tr-ab000000000000000000000000000071");
  std::string msg = Error(Call("POST", "/api/2.0/mlflow/traces/link-to-run", many.dump()), 400,
                          "INVALID_PARAMETER_VALUE");
  EXPECT_NE(msg.find("more than 100"), std::string::npos);
}

TEST_F(TraceWritesApiTest, LinkPromptsMergesIntoTheLinkedPromptsTag) {
  IngestAgentTrace(exp_, 0x72);
  const std::string id = "tr-ab000000000000000000000000000072";
  Ok("POST", "/api/2.0/mlflow/traces/link-prompts",
     {{"trace_id", id}, {"prompt_versions", {{{"name", "qa"}, {"version", "1"}}}}});
  Ok("POST", "/api/2.0/mlflow/traces/link-prompts",
     {{"trace_id", id},
      {"prompt_versions", {{{"name", "qa"}, {"version", "1"}}, {{"name", "qa"}, {"version", 2}}}}});
  Json info = Ok("GET", "/api/3.0/mlflow/traces/" + id)["trace"]["trace_info"];
  EXPECT_EQ(Json::parse(info["tags"]["mlflow.linkedPrompts"].get<std::string>()),
            Json::parse(R"([{"name": "qa", "version": "1"}, {"name": "qa", "version": "2"}])"));
  Error(Call("POST", "/api/2.0/mlflow/traces/link-prompts", Json({{"trace_id", id}}).dump()), 400,
        "INVALID_PARAMETER_VALUE");
  Error(Call("POST", "/api/2.0/mlflow/traces/link-prompts",
             Json({{"trace_id", id}, {"prompt_versions", {{{"name", "qa"}}}}}).dump()),
        400, "INVALID_PARAMETER_VALUE");
}

TEST_F(TraceWritesApiTest, WriteEndpointsAreServedUnderAjaxApi) {
  Ok("POST", "/ajax-api/3.0/mlflow/traces",
     StartTraceV3Body("tr-ab000000000000000000000000000026"));
  Ok("PATCH", "/ajax-api/3.0/mlflow/traces/tr-ab000000000000000000000000000026/tags",
     {{"key", "k"}});
  Ok("POST", "/ajax-api/3.0/mlflow/traces/delete-traces",
     {{"experiment_id", exp_}, {"trace_ids", {"tr-ab000000000000000000000000000026"}}});
}

}  // namespace
}  // namespace tracelake::server::testing
