#include <gtest/gtest.h>

#include "test_util.h"

namespace tracelake::server::testing {
namespace {

class AssessmentsApiTest : public MlflowApiTest {
 protected:
  void SetUp() override {
    MlflowApiTest::SetUp();
    exp_ = CreateExperiment("assess");
    IngestAgentTrace(exp_, 0x11);
  }
  std::string Path(const std::string& suffix = "") const {
    return "/api/3.0/mlflow/traces/" + id_ + "/assessments" + suffix;
  }
  // What mlflow.log_feedback sends.
  Json Feedback(const Json& value) const {
    return {{"assessment",
             {{"assessment_name", "relevance"},
              {"trace_id", id_},
              {"source", {{"source_type", "LLM_JUDGE"}, {"source_id", "gpt-4o"}}},
              {"feedback", {{"value", value}}},
              {"rationale", "on topic"},
              {"metadata", {{"judge_cost", "0.001"}}},
              {"span_id", "5c00000000000002"}}}};
  }

  std::string exp_;
  std::string id_ = "tr-ab000000000000000000000000000011";
};

TEST_F(AssessmentsApiTest, CreateFeedbackReturnsStoredAssessment) {
  Json got = Ok("POST", Path(), Feedback(Json({{"score", 0.9}, {"labels", {"a", "b"}}})));
  const Json& a = got["assessment"];
  EXPECT_TRUE(a["assessment_id"].is_string());
  EXPECT_FALSE(a["assessment_id"].get<std::string>().empty());
  EXPECT_EQ(a["assessment_name"], "relevance");
  EXPECT_EQ(a["trace_id"], id_);
  EXPECT_EQ(a["span_id"], "5c00000000000002");
  EXPECT_EQ(a["source"], Json({{"source_type", "LLM_JUDGE"}, {"source_id", "gpt-4o"}}));
  EXPECT_EQ(a["feedback"]["value"], Json({{"score", 0.9}, {"labels", {"a", "b"}}}));
  EXPECT_EQ(a["rationale"], "on topic");
  EXPECT_EQ(a["metadata"], Json({{"judge_cost", "0.001"}}));
  EXPECT_EQ(a["valid"], true);
  EXPECT_TRUE(a["create_time"].is_string());
  EXPECT_TRUE(a["last_update_time"].is_string());
  ExpectMatchesGolden(WithoutVolatileFields(got), "create_assessment.golden.json");

  // Assessments come back with the trace info.
  Json info = Ok("GET", "/api/3.0/mlflow/traces/" + id_)["trace"]["trace_info"];
  ASSERT_EQ(info["assessments"].size(), 1u);
  EXPECT_EQ(info["assessments"][0]["assessment_id"], a["assessment_id"]);
}

TEST_F(AssessmentsApiTest, FeedbackValuesOfEveryJsonType) {
  for (const Json& v : {Json(true), Json(3), Json(0.25), Json("yes"), Json({"x"}), Json(nullptr)}) {
    Json body = Feedback(v);
    if (v.is_null())
      body["assessment"]["feedback"]["error"] = {{"error_code", "TIMEOUT"},
                                                 {"error_message", "judge"}};
    Json got = Ok("POST", Path(), body);
    EXPECT_EQ(got["assessment"]["feedback"]["value"], v) << v.dump();
  }
}

TEST_F(AssessmentsApiTest, CreateExpectationFromHuman) {
  Json body = {{"assessment",
                {{"assessment_name", "expected_answer"},
                 {"source", {{"source_type", "HUMAN"}, {"source_id", "bob@example.com"}}},
                 {"expectation", {{"value", {"MLflow", "platform"}}}}}}};
  Json got = Ok("POST", Path(), body);
  EXPECT_EQ(got["assessment"]["expectation"], Json({{"value", {"MLflow", "platform"}}}));
  EXPECT_FALSE(got["assessment"].contains("feedback"));
  Json serialized = {{"assessment",
                      {{"assessment_name", "expected_obj"},
                       {"source", {{"source_type", "CODE"}}},
                       {"expectation",
                        {{"serialized_value",
                          {{"serialization_format", "JSON_FORMAT"}, {"value", "{\"a\":1}"}}}}}}}};
  got = Ok("POST", Path(), serialized);
  EXPECT_EQ(got["assessment"]["expectation"]["serialized_value"],
            Json({{"serialization_format", "JSON_FORMAT"}, {"value", "{\"a\":1}"}}));
}

TEST_F(AssessmentsApiTest, PathTraceWinsOverBodyTraceId) {
  Json body = Feedback(true);
  body["assessment"]["trace_id"] = "tr-ab0000000000000000000000000000ff";
  Json got = Ok("POST", Path(), body);
  EXPECT_EQ(got["assessment"]["trace_id"], id_);
}

TEST_F(AssessmentsApiTest, CreateRejectsInvalidAssessments) {
  auto msg = [&](const Json& body, int status = 400, const char* code = "INVALID_PARAMETER_VALUE",
                 const std::string& path = "") {
    return Error(Call("POST", path.empty() ? Path() : path, body.dump()), status, code);
  };
  EXPECT_NE(msg(Json::object()).find("'assessment'"), std::string::npos);
  Json body = Feedback(true);
  body["assessment"].erase("assessment_name");
  EXPECT_NE(msg(body).find("'assessment.assessment_name'"), std::string::npos);
  body = Feedback(true);
  body["assessment"].erase("feedback");
  EXPECT_EQ(msg(body), "Exactly one of `expectation` or `feedback` should be specified.");
  body = Feedback(true);
  body["assessment"]["expectation"] = {{"value", 1}};
  EXPECT_EQ(msg(body), "Exactly one of `expectation` or `feedback` should be specified.");
  body = Feedback(true);
  body["assessment"].erase("source");
  EXPECT_NE(msg(body).find("'assessment.source'"), std::string::npos);
  body = Feedback(true);
  body["assessment"]["source"]["source_type"] = "ROBOT";
  EXPECT_NE(msg(body).find("HUMAN, LLM_JUDGE, CODE"), std::string::npos);
  body = Feedback(true);
  body["assessment"]["span_id"] = "not-a-span";
  msg(body);
  EXPECT_NE(msg(Feedback(true), 404, "RESOURCE_DOES_NOT_EXIST",
                "/api/3.0/mlflow/traces/tr-ab000000000000000000000000000012/assessments")
                .size(),
            0u);
  msg(Feedback(true), 400, "INVALID_PARAMETER_VALUE", "/api/3.0/mlflow/traces/bad/assessments");
}

TEST_F(AssessmentsApiTest, GetAndDeleteAssessment) {
  const std::string aid = Ok("POST", Path(), Feedback(1))["assessment"]["assessment_id"];
  Json got = Ok("GET", Path("/" + aid));
  EXPECT_EQ(got["assessment"]["assessment_id"], aid);
  EXPECT_EQ(Ok("DELETE", Path("/" + aid)), Json::object());
  Error(Call("GET", Path("/" + aid)), 404, "RESOURCE_DOES_NOT_EXIST");
  Error(Call("DELETE", Path("/a-doesnotexist")), 404, "RESOURCE_DOES_NOT_EXIST");
}

TEST_F(AssessmentsApiTest, UpdateChangesOnlyMaskedFields) {
  const std::string aid = Ok("POST", Path(), Feedback(0.5))["assessment"]["assessment_id"];
  // FieldMask JSON: comma-separated lowerCamelCase, as MLflow's client serializes it.
  Json update = {{"assessment",
                  {{"assessment_name", "renamed"},
                   {"feedback", {{"value", 0.8}}},
                   {"rationale", "ignored: not in the mask"}}},
                 {"update_mask", "assessmentName,feedback"}};
  Json got = Ok("PATCH", Path("/" + aid), update);
  EXPECT_EQ(got["assessment"]["assessment_name"], "renamed");
  EXPECT_EQ(got["assessment"]["feedback"]["value"], 0.8);
  EXPECT_EQ(got["assessment"]["rationale"], "on topic");

  Json snake = {
      {"assessment", {{"rationale", "new reason"}, {"metadata", {{"k", "v"}}}, {"valid", false}}},
      {"update_mask", {{"paths", {"rationale", "metadata", "valid"}}}}};
  got = Ok("PATCH", Path("/" + aid), snake);
  EXPECT_EQ(got["assessment"]["rationale"], "new reason");
  // Metadata in the mask is merged into what is there, as MLflow's store does.
  EXPECT_EQ(got["assessment"]["metadata"], Json({{"judge_cost", "0.001"}, {"k", "v"}}));
  EXPECT_EQ(got["assessment"]["valid"], false);
  EXPECT_EQ(got["assessment"]["feedback"]["value"], 0.8);
}

TEST_F(AssessmentsApiTest, UpdateErrors) {
  const std::string aid = Ok("POST", Path(), Feedback(0.5))["assessment"]["assessment_id"];
  auto msg = [&](const Json& body, const std::string& id, int status = 400,
                 const char* code = "INVALID_PARAMETER_VALUE") {
    return Error(Call("PATCH", Path("/" + id), body.dump()), status, code);
  };
  EXPECT_NE(msg({{"assessment", {{"rationale", "x"}}}}, aid).find("'update_mask'"),
            std::string::npos);
  EXPECT_NE(msg({{"update_mask", "rationale"}}, aid).find("'assessment'"), std::string::npos);
  EXPECT_NE(msg({{"assessment", {{"rationale", "x"}}}, {"update_mask", "feedback"}}, aid)
                .find("'assessment.feedback'"),
            std::string::npos);
  msg({{"assessment", {{"rationale", "x"}}}, {"update_mask", 5}}, aid);
  msg({{"assessment", {{"rationale", "x"}}}, {"update_mask", "rationale"}}, "a-missing", 404,
      "RESOURCE_DOES_NOT_EXIST");
}

TEST_F(AssessmentsApiTest, ServedUnderAjaxApiAndOnlyUnderVersion3) {
  Ok("POST", "/ajax-api/3.0/mlflow/traces/" + id_ + "/assessments", Feedback(true));
  EXPECT_EQ(
      Call("POST", "/api/2.0/mlflow/traces/" + id_ + "/assessments", Feedback(true).dump()).status,
      404);
}

}  // namespace
}  // namespace tracelake::server::testing
