// MLflow's registered scorers REST (server/mlflow/scorers.cc) through the router over a real
// in-memory store.
#include <gtest/gtest.h>

#include "test_util.h"

namespace tracelake::server::testing {
namespace {

using ScorersApiTest = MlflowApiTest;

TEST_F(ScorersApiTest, RegisterListGetDelete) {
  const std::string exp = CreateExperiment("scorers");
  const std::string serialized = R"({"name":"safety","builtin_scorer_class":"Safety"})";
  Json v1 = Ok("POST", "/api/3.0/mlflow/scorers/register",
               {{"experiment_id", exp}, {"name", "safety"}, {"serialized_scorer", serialized}});
  EXPECT_EQ(v1["version"], 1);
  EXPECT_EQ(v1["experiment_id"], exp);
  EXPECT_EQ(v1["name"], "safety");
  EXPECT_EQ(v1["serialized_scorer"], serialized);
  EXPECT_TRUE(v1["scorer_id"].is_string());
  EXPECT_TRUE(v1["creation_time"].is_number_integer());
  Json v2 = Ok("POST", "/api/3.0/mlflow/scorers/register",
               {{"experiment_id", exp}, {"name", "safety"}, {"serialized_scorer", "{}"}});
  EXPECT_EQ(v2["version"], 2);

  Json list = Ok("GET", "/api/3.0/mlflow/scorers/list", Json(), {{"experiment_id", exp}});
  ASSERT_EQ(list["scorers"].size(), 1u);
  EXPECT_EQ(list["scorers"][0]["scorer_name"], "safety");
  EXPECT_EQ(list["scorers"][0]["scorer_version"], 2);
  EXPECT_EQ(list["scorers"][0]["experiment_id"], std::stoi(exp));
  Json versions = Ok("GET", "/api/3.0/mlflow/scorers/versions", Json(),
                     {{"experiment_id", exp}, {"name", "safety"}});
  EXPECT_EQ(versions["scorers"].size(), 2u);
  Json one = Ok("GET", "/ajax-api/3.0/mlflow/scorers/get", Json(),
                {{"experiment_id", exp}, {"name", "safety"}, {"version", "1"}});
  EXPECT_EQ(one["scorer"]["serialized_scorer"], serialized);

  Ok("DELETE", "/api/3.0/mlflow/scorers/delete",
     {{"experiment_id", exp}, {"name", "safety"}, {"version", 2}});
  std::string msg = Error(Call("GET", "/api/3.0/mlflow/scorers/get", "",
                               {{"experiment_id", exp}, {"name", "safety"}, {"version", "2"}}),
                          404, "RESOURCE_DOES_NOT_EXIST");
  EXPECT_EQ(msg, "Scorer with name 'safety' and version 2 not found for experiment " + exp + ".");
  Ok("DELETE", "/api/3.0/mlflow/scorers/delete", {{"experiment_id", exp}, {"name", "safety"}});
  Error(Call("GET", "/api/3.0/mlflow/scorers/versions", "",
             {{"experiment_id", exp}, {"name", "safety"}}),
        404, "RESOURCE_DOES_NOT_EXIST");
  Error(Call("POST", "/api/3.0/mlflow/scorers/register",
             Json{{"experiment_id", exp}, {"name", "x"}, {"serialized_scorer", "nope"}}.dump()),
        400, "INVALID_PARAMETER_VALUE");
  msg = Error(Call("GET", "/api/3.0/mlflow/scorers/list", "", {{"experiment_id", "999"}}), 404,
              "RESOURCE_DOES_NOT_EXIST");
  EXPECT_EQ(msg, "No Experiment with id=999 exists");
}

TEST_F(ScorersApiTest, OnlineConfigsAsMlflowsInternalRoutes) {
  const std::string exp = CreateExperiment("online");
  Json v = Ok("POST", "/api/3.0/mlflow/scorers/register",
              {{"experiment_id", exp}, {"name", "s"}, {"serialized_scorer", "{}"}});
  Json put = Ok("PUT", "/api/3.0/mlflow/scorers/online-config",
                {{"experiment_id", exp},
                 {"name", "s"},
                 {"sample_rate", 0.5},
                 {"filter_string", "trace.status = 'OK'"}});
  EXPECT_EQ(put["config"]["scorer_id"], v["scorer_id"]);
  EXPECT_EQ(put["config"]["sample_rate"], 0.5);
  EXPECT_EQ(put["config"]["experiment_id"], exp);
  EXPECT_EQ(put["config"]["filter_string"], "trace.status = 'OK'");
  Json got = Ok("GET", "/ajax-api/3.0/mlflow/scorers/online-configs", Json(),
                {{"scorer_ids", v["scorer_id"]}, {"scorer_ids", "other"}});
  ASSERT_EQ(got["configs"].size(), 1u);
  EXPECT_EQ(got["configs"][0], put["config"]);
  Error(Call("PUT", "/api/3.0/mlflow/scorers/online-config",
             Json{{"experiment_id", exp}, {"name", "s"}, {"sample_rate", 2}}.dump()),
        400, "INVALID_PARAMETER_VALUE");
  Error(Call("PUT", "/api/3.0/mlflow/scorers/online-config",
             Json{{"experiment_id", exp}, {"name", "nope"}, {"sample_rate", 0}}.dump()),
        404, "RESOURCE_DOES_NOT_EXIST");
  Error(Call("GET", "/api/3.0/mlflow/scorers/online-configs"), 400, "INVALID_PARAMETER_VALUE");
}

}  // namespace
}  // namespace tracelake::server::testing
