// MLflow's evaluation dataset routes and tracelake's dataset-from-traces route, through the
// router, with the JSON the MLflow client sends (rest_store.py).
#include <gtest/gtest.h>

#include "test_util.h"

namespace tracelake::server::testing {
namespace {

class DatasetsApiTest : public MlflowApiTest {
 protected:
  std::string CreateDataset(const std::string& name, const Json& extra = Json::object()) {
    Json body = {{"name", name}, {"experiment_ids", {"0"}}};
    body.update(extra);
    Json got = Ok("POST", "/api/3.0/mlflow/datasets/create", body);
    return got["dataset"].value("dataset_id", "");
  }
  static std::string Path(const std::string& id, const std::string& suffix = "") {
    return "/api/3.0/mlflow/datasets/" + id + suffix;
  }
  Json Upsert(const std::string& id, const Json& records) {
    return Ok("POST", Path(id, "/records"), {{"records", records.dump()}});
  }
  Json Records(const std::string& id, const Query& query = {}) {
    Json got = Ok("GET", Path(id, "/records"), Json(), query);
    return Json::parse(got.value("records", "[]"));
  }
};

TEST_F(DatasetsApiTest, CreateGetAndDeleteInMlflowShapes) {
  Json got = Ok("POST", "/api/3.0/mlflow/datasets/create",
                {{"name", "qa"}, {"experiment_ids", {"0"}}, {"tags", R"({"mlflow.user": "ann"})"}});
  const Json& d = got["dataset"];
  const std::string id = d["dataset_id"];
  EXPECT_EQ(id.size(), 34u);
  EXPECT_EQ(d["name"], "qa");
  EXPECT_EQ(Json::parse(d["tags"].get<std::string>()), Json({{"mlflow.user", "ann"}}));
  EXPECT_EQ(d["experiment_ids"], Json({"0"}));
  EXPECT_EQ(d["created_by"], "ann");
  EXPECT_TRUE(d["created_time"].is_number_integer());
  EXPECT_EQ(d["digest"].get<std::string>().size(), 8u);
  EXPECT_FALSE(d.contains("schema"));

  EXPECT_EQ(Ok("GET", Path(id))["dataset"]["name"], "qa");
  EXPECT_EQ(Ok("GET", "/ajax-api/3.0/mlflow/datasets/" + id)["dataset"]["dataset_id"], id);
  EXPECT_EQ(Ok("GET", Path(id, "/experiment-ids"))["experiment_ids"], Json({"0"}));
  EXPECT_EQ(Ok("DELETE", Path(id)), Json::object());
  Error(Call("GET", Path(id)), 404, "RESOURCE_DOES_NOT_EXIST");
  Error(Call("DELETE", Path(id)), 404, "RESOURCE_DOES_NOT_EXIST");
}

TEST_F(DatasetsApiTest, UpsertMergesAndReadsBackRecords) {
  const std::string id = CreateDataset("qa");
  Json first = Upsert(
      id, Json::array(
              {{{"inputs", {{"q", "hi"}}},
                {"expectations", {{"a", "hello"}}},
                {"source", {{"source_type", "HUMAN"}, {"source_data", {{"source_id", "ann"}}}}}},
               {{"inputs", {{"q", "bye"}}}, {"outputs", "ciao"}}}));
  EXPECT_EQ(first, Json({{"inserted_count", 2}, {"updated_count", 0}}));
  Json second = Upsert(
      id, Json::array(
              {{{"inputs", {{"q", "hi"}}}, {"expectations", {{"b", 2}}}, {"tags", {{"k", "v"}}}}}));
  EXPECT_EQ(second, Json({{"inserted_count", 0}, {"updated_count", 1}}));

  Json by_user = Ok("POST", Path(id, "/records"),
                    {{"records", R"([{"inputs": {"q": "bye"}}])"}, {"updated_by", "bob"}});
  EXPECT_EQ(by_user["updated_count"], 1);

  Json records = Records(id);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1]["last_updated_by"], "bob");
  EXPECT_EQ(Ok("GET", Path(id))["dataset"]["last_updated_by"], "bob");
  EXPECT_EQ(records[0]["inputs"], Json({{"q", "hi"}}));
  EXPECT_EQ(records[0]["expectations"], Json({{"a", "hello"}, {"b", 2}}));
  EXPECT_EQ(records[0]["tags"], Json({{"k", "v"}}));
  EXPECT_EQ(records[0]["source_type"], "HUMAN");
  EXPECT_EQ(records[0]["source_id"], "ann");
  EXPECT_EQ(records[0]["dataset_id"], id);
  EXPECT_TRUE(records[0]["dataset_record_id"].get<std::string>().starts_with("dr-"));
  EXPECT_EQ(records[1]["outputs"], "ciao");
  EXPECT_EQ(records[1]["tags"], Json({{"mlflow.user", "bob"}}));

  Json d = Ok("GET", Path(id))["dataset"];
  EXPECT_EQ(Json::parse(d["profile"].get<std::string>()), Json({{"num_records", 2}}));
  EXPECT_EQ(Json::parse(d["schema"].get<std::string>())["inputs"], Json({{"q", "string"}}));

  Json deleted = Ok("DELETE", Path(id, "/records"),
                    {{"dataset_record_ids", {records[1]["dataset_record_id"]}}});
  EXPECT_EQ(deleted["deleted_count"], 1);
  EXPECT_EQ(Records(id).size(), 1u);
}

TEST_F(DatasetsApiTest, RecordsPage) {
  const std::string id = CreateDataset("qa");
  Json list = Json::array();
  for (int i = 0; i < 5; ++i) list.push_back({{"inputs", {{"i", i}}}});
  Upsert(id, list);
  Json page = Ok("GET", Path(id, "/records"), Json(), {{"max_results", "2"}});
  EXPECT_EQ(Json::parse(page["records"].get<std::string>()).size(), 2u);
  ASSERT_TRUE(page.contains("next_page_token"));
  int seen = 2;
  while (page.contains("next_page_token")) {
    page = Ok("GET", Path(id, "/records"), Json(),
              {{"max_results", "2"}, {"page_token", page["next_page_token"]}});
    seen += static_cast<int>(Json::parse(page["records"].get<std::string>()).size());
  }
  EXPECT_EQ(seen, 5);
}

TEST_F(DatasetsApiTest, BadRecordsAreInvalidAndChangeNothing) {
  const std::string id = CreateDataset("qa");
  Error(Call("POST", Path(id, "/records"),
             Json({{"records", R"([{"inputs": {"q": 1}}, {"inputs": "text"}])"}}).dump()),
        400, "INVALID_PARAMETER_VALUE");
  Error(Call("POST", Path(id, "/records"), Json({{"records", "not json"}}).dump()), 400,
        "INVALID_PARAMETER_VALUE");
  Error(Call("POST", Path(id, "/records"), "{}"), 400, "INVALID_PARAMETER_VALUE");
  Error(
      Call("POST", Path(id, "/records"),
           Json({{"records", R"([{"inputs": {"q": 1}, "source": {"source_type": "X"}}])"}}).dump()),
      400, "INVALID_PARAMETER_VALUE");
  // Nesting past the body's depth limit, inside the records text.
  const std::string deep =
      "[{\"inputs\": {\"q\": " + std::string(5000, '[') + std::string(5000, ']') + "}}]";
  Error(Call("POST", Path(id, "/records"), Json({{"records", deep}}).dump()), 400,
        "INVALID_PARAMETER_VALUE");
  EXPECT_TRUE(Records(id).empty());
  Error(Call("POST", Path("d-unknown", "/records"),
             Json({{"records", R"([{"inputs": {"q": 1}}])"}}).dump()),
        404, "RESOURCE_DOES_NOT_EXIST");
  Error(Call("POST", "/api/3.0/mlflow/datasets/create", "{}"), 400, "INVALID_PARAMETER_VALUE");
}

TEST_F(DatasetsApiTest, SearchTagsAndExperimentLinks) {
  const std::string exp = CreateExperiment("other");
  const std::string a = CreateDataset("alpha");
  CreateDataset("beta");
  Json found = Ok("POST", "/api/3.0/mlflow/datasets/search",
                  {{"filter_string", "name = \"alpha\""}, {"order_by", {"created_time DESC"}}});
  ASSERT_EQ(found["datasets"].size(), 1u);
  EXPECT_EQ(found["datasets"][0]["dataset_id"], a);
  Json paged = Ok("POST", "/api/3.0/mlflow/datasets/search", {{"max_results", 1}});
  EXPECT_EQ(paged["datasets"].size(), 1u);
  EXPECT_TRUE(paged.contains("next_page_token"));
  Error(Call("POST", "/api/3.0/mlflow/datasets/search", R"({"filter_string": "bogus > 1"})"), 400,
        "INVALID_PARAMETER_VALUE");

  Json tagged = Ok("PATCH", Path(a, "/tags"), {{"tags", R"({"env": "prod"})"}});
  EXPECT_EQ(Json::parse(tagged["dataset"]["tags"].get<std::string>()), Json({{"env", "prod"}}));
  EXPECT_EQ(Ok("DELETE", Path(a, "/tags/env")), Json::object());

  Json added = Ok("POST", Path(a, "/add-experiments"), {{"experiment_ids", {exp}}});
  EXPECT_EQ(added["dataset"]["experiment_ids"], Json({"0", exp}));
  Json by_exp = Ok("POST", "/api/3.0/mlflow/datasets/search", {{"experiment_ids", {exp}}});
  ASSERT_EQ(by_exp["datasets"].size(), 1u);
  Json removed = Ok("POST", Path(a, "/remove-experiments"), {{"experiment_ids", {"0"}}});
  EXPECT_EQ(removed["dataset"]["experiment_ids"], Json({exp}));
}

TEST_F(DatasetsApiTest, RecordsFromTracesTakeRootSpanAndExpectations) {
  const std::string exp = CreateExperiment("agents");
  TraceId t1 = IngestAgentTrace(exp, 0x31);
  const TraceId t2 = TestTraceId(0x32);
  Ingest(exp, {TestSpan(t2, 1, 0, "agent", 0, 100,
                        {{"mlflow.spanInputs", "{\"question\":\"Capital of France?\"}"}})});
  const std::string tr1 = MlflowTraceId(t1);
  Ok("POST", "/api/3.0/mlflow/traces/" + tr1 + "/assessments",
     {{"assessment",
       {{"assessment_name", "expected_answer"},
        {"trace_id", tr1},
        {"source", {{"source_type", "HUMAN"}, {"source_id", "ann"}}},
        {"expectation", {{"value", "Paris"}}}}}});
  const std::string id = CreateDataset("from-traces");
  Json out = Ok("POST", "/api/2.0/tracelake/datasets/" + id + "/records/from-traces",
                {{"experiment_ids", {exp}}, {"max_results", 10}});
  EXPECT_EQ(out["trace_count"], 2);
  EXPECT_EQ(out["inserted_count"], 2);
  Json records = Records(id);
  ASSERT_EQ(records.size(), 2u);
  const Json* r1 = nullptr;
  for (const Json& r : records)
    if (r["source_id"] == tr1) r1 = &r;
  ASSERT_NE(r1, nullptr);
  EXPECT_EQ((*r1)["source_type"], "TRACE");
  EXPECT_EQ((*r1)["source"]["source_data"]["trace_id"], tr1);
  EXPECT_EQ((*r1)["expectations"], Json({{"expected_answer", "Paris"}}));
  EXPECT_EQ((*r1)["inputs"], Json({{"question", "What is MLflow?"}}));
  EXPECT_EQ((*r1)["outputs"], "An ML platform.");

  // The same traces again, by id: merged, not duplicated.
  Json again = Ok("POST", "/api/2.0/tracelake/datasets/" + id + "/records/from-traces",
                  {{"trace_ids", {tr1}}});
  EXPECT_EQ(again["updated_count"], 1);
  EXPECT_EQ(Records(id).size(), 2u);
  Error(Call("POST", "/api/2.0/tracelake/datasets/d-none/records/from-traces",
             Json({{"trace_ids", {tr1}}}).dump()),
        404, "RESOURCE_DOES_NOT_EXIST");
  Error(Call("POST", "/api/2.0/tracelake/datasets/" + id + "/records/from-traces", "{}"), 400,
        "INVALID_PARAMETER_VALUE");
}

}  // namespace
}  // namespace tracelake::server::testing
