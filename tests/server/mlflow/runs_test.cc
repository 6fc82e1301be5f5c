// MLflow's runs REST (server/mlflow/runs.cc) through the router over a real in-memory store.
#include <gtest/gtest.h>

#include "test_util.h"

namespace tracelake::server::testing {
namespace {

class RunsApiTest : public MlflowApiTest {
 protected:
  std::string CreateRun(const std::string& experiment, const std::string& name = "") {
    Json body = {{"experiment_id", experiment}, {"user_id", "bob"}, {"start_time", 1000}};
    if (!name.empty()) body["run_name"] = name;
    Json out = Ok("POST", "/api/2.0/mlflow/runs/create", body);
    return out["run"]["info"]["run_id"].is_string()
               ? out["run"]["info"]["run_id"].get<std::string>()
               : "";
  }
};

TEST_F(RunsApiTest, CreateGetAndUpdateUseMlflowShapes) {
  const std::string exp = CreateExperiment("runs");
  Json created = Ok("POST", "/api/2.0/mlflow/runs/create",
                    {{"experiment_id", exp},
                     {"user_id", "bob"},
                     {"start_time", 1000},
                     {"tags", {{{"key", "team"}, {"value", "ml"}}}}});
  const Json& info = created["run"]["info"];
  const std::string id = info["run_id"];
  EXPECT_EQ(id.size(), 32u);
  EXPECT_EQ(info["run_uuid"], id);
  EXPECT_EQ(info["experiment_id"], exp);
  EXPECT_EQ(info["status"], "RUNNING");
  EXPECT_EQ(info["lifecycle_stage"], "active");
  EXPECT_EQ(info["start_time"], 1000);
  EXPECT_FALSE(info.contains("end_time"));
  EXPECT_EQ(info["artifact_uri"], "mlflow-artifacts:/" + exp + "/" + id + "/artifacts");
  const std::string name = info["run_name"];
  EXPECT_FALSE(name.empty());
  EXPECT_EQ(created["run"]["data"]["tags"],
            Json::parse(R"([{"key":"mlflow.runName","value":")" + name +
                        R"("},{"key":"team","value":"ml"}])"));

  Ok("POST", "/api/2.0/mlflow/runs/log-parameter",
     {{"run_id", id}, {"key", "lr"}, {"value", "0.1"}});
  Ok("POST", "/api/2.0/mlflow/runs/log-metric",
     {{"run_uuid", id}, {"key", "acc"}, {"value", 0.5}, {"timestamp", 10}, {"step", 1}});
  Ok("POST", "/api/2.0/mlflow/runs/log-metric",
     {{"run_id", id}, {"key", "bad"}, {"value", "NaN"}, {"timestamp", 10}});
  Ok("POST", "/api/2.0/mlflow/runs/set-tag", {{"run_id", id}, {"key", "env"}, {"value", "dev"}});
  Json upd = Ok("POST", "/api/2.0/mlflow/runs/update",
                {{"run_id", id}, {"status", "FINISHED"}, {"end_time", 2000}});
  EXPECT_EQ(upd["run_info"]["status"], "FINISHED");
  EXPECT_EQ(upd["run_info"]["end_time"], 2000);

  Json got = Ok("GET", "/ajax-api/2.0/mlflow/runs/get", Json(), {{"run_id", id}});
  const Json& data = got["run"]["data"];
  EXPECT_EQ(data["params"], Json::parse(R"([{"key":"lr","value":"0.1"}])"));
  EXPECT_EQ(data["metrics"], Json::parse(R"([{"key":"acc","value":0.5,"timestamp":10,"step":1},
                            {"key":"bad","value":"NaN","timestamp":10,"step":0}])"));
  EXPECT_EQ(got["run"]["info"]["status"], "FINISHED");
}

TEST_F(RunsApiTest, ErrorsUseMlflowCodes) {
  const std::string exp = CreateExperiment("errors");
  std::string msg = Error(
      Call("GET", "/api/2.0/mlflow/runs/get", "", {{"run_id", "0123456789abcdef0123456789abcdef"}}),
      404, "RESOURCE_DOES_NOT_EXIST");
  EXPECT_EQ(msg, "Run with id=0123456789abcdef0123456789abcdef not found");
  Error(Call("GET", "/api/2.0/mlflow/runs/get"), 400, "INVALID_PARAMETER_VALUE");
  msg = Error(Call("POST", "/api/2.0/mlflow/runs/create", R"({"experiment_id": "999"})"), 404,
              "RESOURCE_DOES_NOT_EXIST");
  EXPECT_EQ(msg, "No Experiment with id=999 exists");
  const std::string id = CreateRun(exp, "r");
  Ok("POST", "/api/2.0/mlflow/runs/log-parameter", {{"run_id", id}, {"key", "p"}, {"value", "1"}});
  msg = Error(Call("POST", "/api/2.0/mlflow/runs/log-parameter",
                   Json{{"run_id", id}, {"key", "p"}, {"value", "2"}}.dump()),
              400, "INVALID_PARAMETER_VALUE");
  EXPECT_NE(msg.find("Changing param values is not allowed"), std::string::npos) << msg;
  Error(Call("POST", "/api/2.0/mlflow/runs/log-metric",
             Json{{"run_id", id}, {"key", "m"}, {"value", "x"}, {"timestamp", 1}}.dump()),
        400, "INVALID_PARAMETER_VALUE");
  Error(
      Call("POST", "/api/2.0/mlflow/runs/update", Json{{"run_id", id}, {"status", "DONE"}}.dump()),
      400, "INVALID_PARAMETER_VALUE");
  Error(
      Call("POST", "/api/2.0/mlflow/runs/delete-tag", Json{{"run_id", id}, {"key", "nope"}}.dump()),
      404, "RESOURCE_DOES_NOT_EXIST");
  Error(Call("POST", "/api/2.0/mlflow/runs/search",
             Json{{"experiment_ids", {exp}}, {"filter", "metrics.m = 'x'"}}.dump()),
        400, "INVALID_PARAMETER_VALUE");
}

TEST_F(RunsApiTest, LogBatchLimitsAndAtomicity) {
  const std::string exp = CreateExperiment("batch");
  const std::string id = CreateRun(exp);
  Json params = Json::array();
  for (int i = 0; i < 101; ++i)
    params.push_back({{"key", "p" + std::to_string(i)}, {"value", "v"}});
  std::string msg = Error(Call("POST", "/api/2.0/mlflow/runs/log-batch",
                               Json{{"run_id", id}, {"params", params}}.dump()),
                          400, "INVALID_PARAMETER_VALUE");
  EXPECT_NE(msg.find("at most 100 params"), std::string::npos) << msg;
  Ok("POST", "/api/2.0/mlflow/runs/log-batch",
     {{"run_id", id},
      {"metrics",
       {{{"key", "m"}, {"value", 1}, {"timestamp", 5}, {"step", 0}},
        {{"key", "m"}, {"value", 2}, {"timestamp", 6}, {"step", 1}}}},
      {"params", {{{"key", "a"}, {"value", "1"}}}},
      {"tags", {{{"key", "t"}, {"value", "x"}}}}});
  Json history = Ok("GET", "/api/2.0/mlflow/metrics/get-history", Json(),
                    {{"run_id", id}, {"metric_key", "m"}});
  EXPECT_EQ(history["metrics"], Json::parse(R"([{"key":"m","value":1.0,"timestamp":5,"step":0},
                            {"key":"m","value":2.0,"timestamp":6,"step":1}])"));
}

TEST_F(RunsApiTest, SearchDeleteAndRestore) {
  const std::string exp = CreateExperiment("search");
  const std::string a = CreateRun(exp, "a");
  const std::string b = CreateRun(exp, "b");
  Ok("POST", "/api/2.0/mlflow/runs/log-metric",
     {{"run_id", a}, {"key", "acc"}, {"value", 0.9}, {"timestamp", 1}});
  Ok("POST", "/api/2.0/mlflow/runs/log-metric",
     {{"run_id", b}, {"key", "acc"}, {"value", 0.1}, {"timestamp", 1}});
  Json found = Ok("POST", "/api/2.0/mlflow/runs/search",
                  {{"experiment_ids", {exp}},
                   {"filter", "metrics.acc > 0.5"},
                   {"order_by", {"attributes.run_name DESC"}}});
  ASSERT_EQ(found["runs"].size(), 1u);
  EXPECT_EQ(found["runs"][0]["info"]["run_name"], "a");
  Json paged = Ok("POST", "/api/2.0/mlflow/runs/search",
                  {{"experiment_ids", {exp}}, {"max_results", 1}, {"order_by", {"metrics.acc"}}});
  ASSERT_EQ(paged["runs"].size(), 1u);
  EXPECT_EQ(paged["runs"][0]["info"]["run_name"], "b");
  EXPECT_TRUE(paged["next_page_token"].is_string());

  Ok("POST", "/api/2.0/mlflow/runs/delete", {{"run_id", a}});
  Json active = Ok("POST", "/api/2.0/mlflow/runs/search", {{"experiment_ids", {exp}}});
  EXPECT_EQ(active["runs"].size(), 1u);
  Json deleted = Ok("POST", "/api/2.0/mlflow/runs/search",
                    {{"experiment_ids", {exp}}, {"run_view_type", "DELETED_ONLY"}});
  ASSERT_EQ(deleted["runs"].size(), 1u);
  EXPECT_EQ(deleted["runs"][0]["info"]["lifecycle_stage"], "deleted");
  std::string msg = Error(Call("POST", "/api/2.0/mlflow/runs/set-tag",
                               Json{{"run_id", a}, {"key", "k"}, {"value", "v"}}.dump()),
                          400, "INVALID_PARAMETER_VALUE");
  EXPECT_EQ(msg, "The run " + a + " must be in the 'active' state. Current state is deleted.");
  Ok("POST", "/api/2.0/mlflow/runs/restore", {{"run_id", a}});
  EXPECT_EQ(Ok("POST", "/api/2.0/mlflow/runs/search", {{"experiment_ids", {exp}}})["runs"].size(),
            2u);
}

TEST_F(RunsApiTest, LogInputsAreReturnedWithTheRun) {
  const std::string exp = CreateExperiment("inputs");
  const std::string id = CreateRun(exp);
  Ok("POST", "/api/2.0/mlflow/runs/log-inputs",
     {{"run_id", id},
      {"datasets",
       {{{"tags", {{{"key", "mlflow.data.context"}, {"value", "eval"}}}},
         {"dataset",
          {{"name", "ds"}, {"digest", "abc"}, {"source_type", "code"}, {"source", "{}"}}}}}}});
  Json got = Ok("GET", "/api/2.0/mlflow/runs/get", Json(), {{"run_id", id}});
  const Json& inputs = got["run"]["inputs"]["dataset_inputs"];
  ASSERT_EQ(inputs.size(), 1u);
  EXPECT_EQ(inputs[0]["dataset"]["name"], "ds");
  EXPECT_EQ(inputs[0]["tags"][0]["value"], "eval");
}

}  // namespace
}  // namespace tracelake::server::testing
