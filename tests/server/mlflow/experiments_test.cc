#include <gtest/gtest.h>

#include "test_util.h"

namespace tracelake::server::testing {
namespace {

using ExperimentsApiTest = MlflowApiTest;

TEST_F(ExperimentsApiTest, CreateThenGetReturnsMlflowExperimentShape) {
  Json created = Ok("POST", "/api/2.0/mlflow/experiments/create",
                    {{"name", "agents"}, {"tags", {{{"key", "team"}, {"value", "ml"}}}}});
  ASSERT_TRUE(created["experiment_id"].is_string()) << created.dump();
  const std::string id = created["experiment_id"];
  Json got = Ok("GET", "/api/2.0/mlflow/experiments/get", Json(), {{"experiment_id", id}});
  const Json& e = got["experiment"];
  EXPECT_EQ(e["experiment_id"], id);
  EXPECT_EQ(e["name"], "agents");
  EXPECT_EQ(e["artifact_location"], "mlflow-artifacts:/" + id);
  EXPECT_EQ(e["lifecycle_stage"], "active");
  EXPECT_TRUE(e["creation_time"].is_number_integer()) << "int64 fields are JSON numbers";
  EXPECT_TRUE(e["last_update_time"].is_number_integer());
  EXPECT_EQ(e["tags"], Json::parse(R"([{"key": "team", "value": "ml"}])"));
}

TEST_F(ExperimentsApiTest, CreateAcceptsTagObjectsAsTheTypeScriptSdkSendsThem) {
  Json created =
      Ok("POST", "/api/2.0/mlflow/experiments/create", {{"name", "ts"}, {"tags", {{"a", "1"}}}});
  Json got = Ok("GET", "/api/2.0/mlflow/experiments/get", Json(),
                {{"experiment_id", created["experiment_id"]}});
  EXPECT_EQ(got["experiment"]["tags"], Json::parse(R"([{"key": "a", "value": "1"}])"));
}

TEST_F(ExperimentsApiTest, CreateRefusesDuplicatesAndMissingNames) {
  CreateExperiment("dup");
  std::string msg = Error(Call("POST", "/api/2.0/mlflow/experiments/create", R"({"name": "dup"})"),
                          400, "RESOURCE_ALREADY_EXISTS");
  EXPECT_NE(msg.find("dup"), std::string::npos);
  msg = Error(Call("POST", "/api/2.0/mlflow/experiments/create", "{}"), 400,
              "INVALID_PARAMETER_VALUE");
  EXPECT_EQ(msg,
            "Missing value for required parameter 'name'. See the API docs for more information "
            "about request parameters.");
  Error(Call("POST", "/api/2.0/mlflow/experiments/create", R"({"name": 5})"), 400,
        "INVALID_PARAMETER_VALUE");
  Error(Call("POST", "/api/2.0/mlflow/experiments/create", R"({"name": "x", "tags": "t"})"), 400,
        "INVALID_PARAMETER_VALUE");
}

TEST_F(ExperimentsApiTest, MalformedJsonIsInvalidParameterValue) {
  std::string msg = Error(Call("POST", "/api/2.0/mlflow/experiments/create", "{\"name\": "), 400,
                          "INVALID_PARAMETER_VALUE");
  EXPECT_NE(msg.find("Malformed JSON body"), std::string::npos) << msg;
}

TEST_F(ExperimentsApiTest, GetUnknownExperimentIs404WithMlflowMessage) {
  std::string msg =
      Error(Call("GET", "/api/2.0/mlflow/experiments/get", "", {{"experiment_id", "999"}}), 404,
            "RESOURCE_DOES_NOT_EXIST");
  EXPECT_EQ(msg, "No Experiment with id=999 exists");
  Error(Call("GET", "/api/2.0/mlflow/experiments/get"), 400, "INVALID_PARAMETER_VALUE");
}

TEST_F(ExperimentsApiTest, GetByNameFindsDefaultAnd404sBeforeCreation) {
  Json got = Ok("GET", "/api/2.0/mlflow/experiments/get-by-name", Json(),
                {{"experiment_name", "Default"}});
  EXPECT_EQ(got["experiment"]["experiment_id"], "0");
  std::string msg = Error(
      Call("GET", "/api/2.0/mlflow/experiments/get-by-name", "", {{"experiment_name", "nope"}}),
      404, "RESOURCE_DOES_NOT_EXIST");
  EXPECT_EQ(msg, "Could not find experiment with name 'nope'");
}

TEST_F(ExperimentsApiTest, SearchPostAndGetPageThroughExperiments) {
  for (int i = 0; i < 3; ++i) CreateExperiment("exp-" + std::to_string(i));
  Json page = Ok("POST", "/api/2.0/mlflow/experiments/search",
                 {{"max_results", 2}, {"order_by", {"name ASC"}}});
  ASSERT_EQ(page["experiments"].size(), 2u) << page.dump();
  ASSERT_TRUE(page.contains("next_page_token"));
  Json rest =
      Ok("GET", "/api/2.0/mlflow/experiments/search", Json(),
         {{"max_results", "2"}, {"order_by", "name ASC"}, {"page_token", page["next_page_token"]}});
  ASSERT_EQ(rest["experiments"].size(), 2u) << rest.dump();  // Default + one more
  EXPECT_FALSE(rest.contains("next_page_token"));
  Json filtered = Ok("POST", "/api/2.0/mlflow/experiments/search", {{"filter", "name = 'exp-1'"}});
  ASSERT_EQ(filtered["experiments"].size(), 1u);
  EXPECT_EQ(filtered["experiments"][0]["name"], "exp-1");
}

TEST_F(ExperimentsApiTest, SearchValidatesViewTypeAndMaxResults) {
  std::string id = CreateExperiment("gone");
  Ok("POST", "/api/2.0/mlflow/experiments/delete", {{"experiment_id", id}});
  Json deleted = Ok("POST", "/api/2.0/mlflow/experiments/search", {{"view_type", "DELETED_ONLY"}});
  ASSERT_EQ(deleted["experiments"].size(), 1u);
  EXPECT_EQ(deleted["experiments"][0]["lifecycle_stage"], "deleted");
  Json all = Ok("GET", "/api/2.0/mlflow/experiments/search", Json(), {{"view_type", "3"}});
  EXPECT_EQ(all["experiments"].size(), 2u);
  Error(Call("POST", "/api/2.0/mlflow/experiments/search", R"({"view_type": "SOME"})"), 400,
        "INVALID_PARAMETER_VALUE");
  Error(Call("POST", "/api/2.0/mlflow/experiments/search", R"({"max_results": 50001})"), 400,
        "INVALID_PARAMETER_VALUE");
  Error(Call("POST", "/api/2.0/mlflow/experiments/search", R"({"max_results": 0})"), 400,
        "INVALID_PARAMETER_VALUE");
  Error(Call("POST", "/api/2.0/mlflow/experiments/search", R"({"max_results": "many"})"), 400,
        "INVALID_PARAMETER_VALUE");
  Error(Call("POST", "/api/2.0/mlflow/experiments/search", R"({"page_token": "garbage!"})"), 400,
        "INVALID_PARAMETER_VALUE");
}

TEST_F(ExperimentsApiTest, UpdateRenamesAndRequiresNewName) {
  std::string id = CreateExperiment("old");
  EXPECT_EQ(Ok("POST", "/api/2.0/mlflow/experiments/update",
               {{"experiment_id", id}, {"new_name", "new"}}),
            Json::object());
  Json got =
      Ok("GET", "/api/2.0/mlflow/experiments/get-by-name", Json(), {{"experiment_name", "new"}});
  EXPECT_EQ(got["experiment"]["experiment_id"], id);
  std::string msg = Error(
      Call("POST", "/api/2.0/mlflow/experiments/update", Json({{"experiment_id", id}}).dump()), 400,
      "INVALID_PARAMETER_VALUE");
  EXPECT_NE(msg.find("'new_name'"), std::string::npos);
  msg = Error(Call("POST", "/api/2.0/mlflow/experiments/update",
                   R"({"experiment_id": "404", "new_name": "x"})"),
              404, "RESOURCE_DOES_NOT_EXIST");
  EXPECT_EQ(msg, "No Experiment with id=404 exists");
}

TEST_F(ExperimentsApiTest, DeleteAndRestoreChangeLifecycleStage) {
  std::string id = CreateExperiment("cycle");
  Ok("POST", "/api/2.0/mlflow/experiments/delete", {{"experiment_id", id}});
  EXPECT_EQ(Ok("GET", "/api/2.0/mlflow/experiments/get", Json(),
               {{"experiment_id", id}})["experiment"]["lifecycle_stage"],
            "deleted");
  Ok("POST", "/api/2.0/mlflow/experiments/restore",
     {{"experiment_id", std::stoi(id)}});  // numeric id accepted
  EXPECT_EQ(Ok("GET", "/api/2.0/mlflow/experiments/get", Json(),
               {{"experiment_id", id}})["experiment"]["lifecycle_stage"],
            "active");
  Error(Call("POST", "/api/2.0/mlflow/experiments/delete", R"({"experiment_id": "12345"})"), 404,
        "RESOURCE_DOES_NOT_EXIST");
}

TEST_F(ExperimentsApiTest, SetAndDeleteExperimentTags) {
  std::string id = CreateExperiment("tagged");
  Ok("POST", "/api/2.0/mlflow/experiments/set-experiment-tag",
     {{"experiment_id", id}, {"key", "k"}, {"value", "v"}});
  Json got = Ok("GET", "/api/2.0/mlflow/experiments/get", Json(), {{"experiment_id", id}});
  EXPECT_EQ(got["experiment"]["tags"], Json::parse(R"([{"key": "k", "value": "v"}])"));
  Ok("POST", "/api/2.0/mlflow/experiments/delete-experiment-tag",
     {{"experiment_id", id}, {"key", "k"}});
  got = Ok("GET", "/api/2.0/mlflow/experiments/get", Json(), {{"experiment_id", id}});
  EXPECT_FALSE(got["experiment"].contains("tags"));
  Error(Call("POST", "/api/2.0/mlflow/experiments/set-experiment-tag",
             Json({{"experiment_id", id}}).dump()),
        400, "INVALID_PARAMETER_VALUE");
  Error(Call("POST", "/api/2.0/mlflow/experiments/delete-experiment-tag",
             Json({{"experiment_id", id}, {"key", "never-set"}}).dump()),
        404, "RESOURCE_DOES_NOT_EXIST");
  Error(Call("POST", "/api/2.0/mlflow/experiments/set-experiment-tag",
             R"({"experiment_id": "777", "key": "k"})"),
        404, "RESOURCE_DOES_NOT_EXIST");
}

TEST_F(ExperimentsApiTest, ServedUnderAjaxApiPrefixToo) {
  Json created = Ok("POST", "/ajax-api/2.0/mlflow/experiments/create", {{"name", "ui"}});
  Json got = Ok("GET", "/ajax-api/2.0/mlflow/experiments/get", Json(),
                {{"experiment_id", created["experiment_id"]}});
  EXPECT_EQ(got["experiment"]["name"], "ui");
}

TEST_F(ExperimentsApiTest, ExperimentEndpointsExistOnlyUnderTheirMlflowVersion) {
  EXPECT_EQ(Call("POST", "/api/3.0/mlflow/experiments/create", R"({"name": "x"})").status, 404);
  EXPECT_EQ(Call("DELETE", "/api/2.0/mlflow/experiments/create").status, 405);
}

TEST_F(ExperimentsApiTest, VersionAndHealthArePlainText) {
  HttpResponse v = Call("GET", "/version");
  EXPECT_EQ(v.status, 200);
  EXPECT_EQ(v.content_type, "text/plain");
  EXPECT_EQ(v.body, "3.5.0");
  HttpResponse h = Call("GET", "/health");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.body, "OK");
}

}  // namespace
}  // namespace tracelake::server::testing
