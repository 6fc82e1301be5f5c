// DatasetStore contract: MLflow evaluation datasets and their records, on every backend.
#include <nlohmann/json.hpp>

#include "common/sha256.h"
#include "trace_store_contract.h"

namespace tracelake::storage::testing {
namespace {

using Json = nlohmann::json;
using ::testing::ElementsAre;

template <typename B>
class DatasetContractTest : public StoreFixture<B> {
 protected:
  model::Dataset Create(const std::string& name, std::map<std::string, std::string> tags = {},
                        std::vector<std::string> experiments = {}) {
    CreateDatasetRequest req;
    req.name = name;
    req.tags = std::move(tags);
    req.experiment_ids = std::move(experiments);
    auto d = this->datasets().CreateDataset(req);
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    return d.ok() ? *d : model::Dataset();
  }
  static DatasetRecordInput Record(const Json& inputs, const Json& expectations = Json(),
                                   const Json& tags = Json()) {
    DatasetRecordInput r;
    r.inputs_json = inputs.dump();
    if (!expectations.is_null()) r.expectations_json = expectations.dump();
    if (!tags.is_null()) r.tags_json = tags.dump();
    return r;
  }
  std::vector<model::DatasetRecord> Records(const std::string& id) {
    auto page = this->datasets().GetRecords(id, 1000, "");
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    return page.ok() ? page->records : std::vector<model::DatasetRecord>{};
  }
  std::vector<std::string> Names(SearchDatasetsRequest req) {
    auto page = this->datasets().SearchDatasets(req);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    std::vector<std::string> out;
    if (page.ok())
      for (const auto& d : page->datasets) out.push_back(d.name);
    return out;
  }
};
TYPED_TEST_SUITE(DatasetContractTest, Backends, BackendNames);

TYPED_TEST(DatasetContractTest, CreateAndGetKeepEveryField) {
  model::Dataset d = this->Create("qa", {{"mlflow.user", "ann"}, {"team", "x"}}, {"0"});
  EXPECT_TRUE(d.dataset_id.starts_with("d-"));
  EXPECT_EQ(d.dataset_id.size(), 34u);
  EXPECT_EQ(d.created_by, "ann");
  EXPECT_EQ(d.digest, Sha256Hex("qa:" + std::to_string(d.created_time_ms)).substr(0, 8));
  EXPECT_TRUE(d.schema_json.empty());
  EXPECT_TRUE(d.profile_json.empty());
  auto got = this->datasets().GetDataset(d.dataset_id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->name, "qa");
  EXPECT_EQ(got->tags.at("team"), "x");
  EXPECT_THAT(got->experiment_ids, ElementsAre("0"));
}

TYPED_TEST(DatasetContractTest, UnknownIdsAndBadInputAreErrors) {
  EXPECT_THAT(this->datasets().GetDataset("d-nope"), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(this->datasets().DeleteDataset("d-nope"), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(this->datasets().UpsertRecords("d-nope", {this->Record({{"q", 1}})}),
              StatusIs(StatusCode::kNotFound));
  CreateDatasetRequest req;
  EXPECT_THAT(this->datasets().CreateDataset(req), StatusIs(StatusCode::kInvalidArgument));
  req.name = "x";
  req.experiment_ids = {"42"};
  EXPECT_THAT(this->datasets().CreateDataset(req), StatusIs(StatusCode::kNotFound));
  // Nothing was created by the failed call.
  EXPECT_TRUE(this->Names({}).empty());
}

TYPED_TEST(DatasetContractTest, UpsertDedupesOnCanonicalInputsAndMerges) {
  model::Dataset d = this->Create("qa");
  auto first = this->datasets().UpsertRecords(
      d.dataset_id, {this->Record({{"q", "hi"}, {"n", 1}}, {{"answer", "a"}}, {{"t1", "x"}}),
                     this->Record({{"q", "other"}})});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->inserted, 2);
  EXPECT_EQ(first->updated, 0);
  // Same inputs with other key order and spacing: merged into the first record.
  DatasetRecordInput again;
  again.inputs_json = R"({ "n" : 1, "q" : "hi" })";
  again.expectations_json = R"({"score": 5})";
  again.tags_json = R"({"t2": "y", "mlflow.user": "bob"})";
  again.outputs_json = R"("the answer")";
  auto second = this->datasets().UpsertRecords(d.dataset_id, {again});
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->inserted, 0);
  EXPECT_EQ(second->updated, 1);

  auto records = this->Records(d.dataset_id);
  ASSERT_EQ(records.size(), 2u);
  const model::DatasetRecord& r = records[0];
  EXPECT_TRUE(r.dataset_record_id.starts_with("dr-"));
  EXPECT_EQ(Json::parse(r.inputs_json), Json({{"q", "hi"}, {"n", 1}}));
  EXPECT_EQ(Json::parse(r.expectations_json), Json({{"answer", "a"}, {"score", 5}}));
  EXPECT_EQ(Json::parse(r.tags_json), Json({{"t1", "x"}, {"t2", "y"}, {"mlflow.user", "bob"}}));
  EXPECT_EQ(Json::parse(r.outputs_json), Json("the answer"));
  EXPECT_EQ(r.last_updated_by, "bob");
  EXPECT_TRUE(records[1].outputs_json.empty());

  auto got = this->datasets().GetDataset(d.dataset_id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(Json::parse(got->profile_json), Json({{"num_records", 2}}));
  Json schema = Json::parse(got->schema_json);
  EXPECT_EQ(schema["inputs"], Json({{"q", "string"}, {"n", "integer"}}));
  EXPECT_EQ(schema["expectations"], Json({{"answer", "string"}, {"score", "integer"}}));
  EXPECT_EQ(schema["outputs"], "string");
  EXPECT_EQ(got->digest, Sha256Hex("qa:" + std::to_string(got->last_update_time_ms)).substr(0, 8));
  EXPECT_EQ(got->last_updated_by, "bob");
}

TYPED_TEST(DatasetContractTest, ReplaceRecordEditsInPlaceAndRefusesAnotherRecordsInputs) {
  model::Dataset d = this->Create("edit");
  ASSERT_TRUE(
      this->datasets()
          .UpsertRecords(d.dataset_id,
                         {this->Record({{"q", "a"}}, {{"answer", "A"}, {"extra", 1}}, {{"t", "x"}}),
                          this->Record({{"q", "b"}})})
          .ok());
  auto before = this->Records(d.dataset_id);
  ASSERT_EQ(before.size(), 2u);
  const std::string id = before[0].dataset_record_id;

  // Expectations replaced whole (a key removed), inputs changed, tags and outputs kept.
  RecordReplacement rep;
  rep.inputs_json = R"({"q": "a2", "lang": "fr"})";
  rep.expectations_json = R"({"answer": "A2"})";
  auto r = this->datasets().ReplaceRecord(d.dataset_id, id, rep);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->dataset_record_id, id);
  EXPECT_EQ(Json::parse(r->inputs_json), Json({{"q", "a2"}, {"lang", "fr"}}));
  EXPECT_EQ(Json::parse(r->expectations_json), Json({{"answer", "A2"}}));
  EXPECT_EQ(Json::parse(r->tags_json), Json({{"t", "x"}}));
  EXPECT_EQ(r->created_time_ms, before[0].created_time_ms);
  auto after = this->Records(d.dataset_id);
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0].dataset_record_id, id);  // same place, same id

  // The new inputs dedupe as any record's: an upsert of them merges into this record.
  auto merged = this->datasets().UpsertRecords(
      d.dataset_id, {this->Record({{"lang", "fr"}, {"q", "a2"}}, {{"more", true}})});
  ASSERT_TRUE(merged.ok());
  EXPECT_EQ(merged->updated, 1);
  // The schema has the new input key.
  EXPECT_TRUE(
      Json::parse(this->datasets().GetDataset(d.dataset_id)->schema_json)["inputs"].contains(
          "lang"));

  // Clearing expectations; another record's inputs are refused, naming it; nothing changes.
  rep = {};
  rep.expectations_json = "{}";
  ASSERT_TRUE(this->datasets().ReplaceRecord(d.dataset_id, id, rep).ok());
  EXPECT_TRUE(this->Records(d.dataset_id)[0].expectations_json.empty());
  rep = {};
  rep.inputs_json = R"({"q": "b"})";
  auto clash = this->datasets().ReplaceRecord(d.dataset_id, id, rep);
  EXPECT_THAT(clash, StatusIs(StatusCode::kAlreadyExists));
  EXPECT_THAT(clash.status().message(), ::testing::HasSubstr(before[1].dataset_record_id));
  EXPECT_EQ(Json::parse(this->Records(d.dataset_id)[0].inputs_json),
            Json({{"q", "a2"}, {"lang", "fr"}}));

  rep = {};
  rep.inputs_json = "[1]";
  EXPECT_THAT(this->datasets().ReplaceRecord(d.dataset_id, id, rep),
              StatusIs(StatusCode::kInvalidArgument));
  rep.inputs_json = R"({"q": "z"})";
  EXPECT_THAT(this->datasets().ReplaceRecord(d.dataset_id, "dr-unknown", rep),
              StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(this->datasets().ReplaceRecord("d-unknown", id, rep),
              StatusIs(StatusCode::kNotFound));
}

TYPED_TEST(DatasetContractTest, BadRecordChangesNothing) {
  model::Dataset d = this->Create("qa");
  DatasetRecordInput not_object;
  not_object.inputs_json = "[1, 2]";
  auto st = this->datasets().UpsertRecords(d.dataset_id, {this->Record({{"q", 1}}), not_object});
  EXPECT_THAT(st, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_NE(st.status().message().find("records[1].inputs"), std::string::npos);
  DatasetRecordInput bad_source = this->Record({{"q", 2}});
  bad_source.source_json = R"({"source_type": "ROBOT"})";
  EXPECT_THAT(this->datasets().UpsertRecords(d.dataset_id, {bad_source}),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_TRUE(this->Records(d.dataset_id).empty());
  auto got = this->datasets().GetDataset(d.dataset_id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->digest, d.digest);
}

TYPED_TEST(DatasetContractTest, TraceSourceSetsSourceId) {
  model::Dataset d = this->Create("qa");
  DatasetRecordInput r = this->Record({{"q", 1}});
  r.source_json = R"({"source_type": "TRACE", "source_data": {"trace_id": "tr-1"}})";
  ASSERT_TRUE(this->datasets().UpsertRecords(d.dataset_id, {r}).ok());
  auto records = this->Records(d.dataset_id);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].source_type, "TRACE");
  EXPECT_EQ(records[0].source_id, "tr-1");
}

TYPED_TEST(DatasetContractTest, RecordsPageInInsertionOrder) {
  model::Dataset d = this->Create("qa");
  std::vector<DatasetRecordInput> in;
  for (int i = 0; i < 7; ++i) in.push_back(this->Record({{"i", i}}));
  ASSERT_TRUE(this->datasets().UpsertRecords(d.dataset_id, in).ok());
  std::vector<int> seen;
  std::string token;
  int pages = 0;
  do {
    auto page = this->datasets().GetRecords(d.dataset_id, 3, token);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    for (const auto& r : page->records) seen.push_back(Json::parse(r.inputs_json)["i"]);
    token = page->next_page_token;
    ++pages;
  } while (!token.empty());
  EXPECT_EQ(pages, 3);
  EXPECT_THAT(seen, ElementsAre(0, 1, 2, 3, 4, 5, 6));
  EXPECT_THAT(this->datasets().GetRecords(d.dataset_id, 3, "garbage"),
              StatusIs(StatusCode::kInvalidArgument));
}

TYPED_TEST(DatasetContractTest, DeleteRecordsUpdatesProfile) {
  model::Dataset d = this->Create("qa");
  ASSERT_TRUE(this->datasets()
                  .UpsertRecords(d.dataset_id, {this->Record({{"i", 1}}), this->Record({{"i", 2}})})
                  .ok());
  auto records = this->Records(d.dataset_id);
  ASSERT_EQ(records.size(), 2u);
  auto deleted =
      this->datasets().DeleteRecords(d.dataset_id, {records[0].dataset_record_id, "dr-unknown"});
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(*deleted, 1);
  EXPECT_EQ(Json::parse(this->datasets().GetDataset(d.dataset_id)->profile_json),
            Json({{"num_records", 1}}));
  ASSERT_TRUE(this->datasets().DeleteRecords(d.dataset_id, {records[1].dataset_record_id}).ok());
  EXPECT_TRUE(this->datasets().GetDataset(d.dataset_id)->profile_json.empty());
}

TYPED_TEST(DatasetContractTest, TagsAndExperimentLinks) {
  model::Dataset d = this->Create("qa", {{"a", "1"}});
  auto tagged = this->datasets().SetDatasetTags(d.dataset_id, {{"a", "2"}, {"b", "3"}});
  ASSERT_TRUE(tagged.ok());
  EXPECT_EQ(tagged->tags, (std::map<std::string, std::string>{{"a", "2"}, {"b", "3"}}));
  ASSERT_TRUE(this->datasets().DeleteDatasetTag(d.dataset_id, "a").ok());
  ASSERT_TRUE(this->datasets().DeleteDatasetTag(d.dataset_id, "never").ok());
  EXPECT_EQ(this->datasets().GetDataset(d.dataset_id)->tags.size(), 1u);

  auto e1 = this->experiments().CreateExperiment("e1", "", {});
  ASSERT_TRUE(e1.ok());
  auto linked = this->datasets().AddExperiments(d.dataset_id, {"0", *e1, *e1});
  ASSERT_TRUE(linked.ok()) << linked.status().ToString();
  EXPECT_THAT(linked->experiment_ids, ElementsAre("0", *e1));
  EXPECT_THAT(this->datasets().AddExperiments(d.dataset_id, {"99"}),
              StatusIs(StatusCode::kNotFound));
  auto unlinked = this->datasets().RemoveExperiments(d.dataset_id, {"0"});
  ASSERT_TRUE(unlinked.ok());
  EXPECT_THAT(unlinked->experiment_ids, ElementsAre(*e1));
}

TYPED_TEST(DatasetContractTest, SearchFiltersOrdersAndPages) {
  auto e1 = this->experiments().CreateExperiment("e1", "", {});
  ASSERT_TRUE(e1.ok());
  this->Create("alpha", {{"env", "prod"}}, {*e1});
  this->Create("beta", {{"env", "dev"}});
  this->Create("Gamma", {{"mlflow.user", "ann"}}, {*e1});
  SearchDatasetsRequest req;
  req.order_by = {"name ASC"};
  EXPECT_THAT(this->Names(req), ElementsAre("Gamma", "alpha", "beta"));
  req.filter = "name LIKE '%a'";
  EXPECT_THAT(this->Names(req), ElementsAre("Gamma", "alpha", "beta"));
  req.filter = "name ILIKE 'g%' ";
  EXPECT_THAT(this->Names(req), ElementsAre("Gamma"));
  req.filter = "tags.env = 'prod'";
  EXPECT_THAT(this->Names(req), ElementsAre("alpha"));
  req.filter = "created_by = 'ann' AND name != 'x'";
  EXPECT_THAT(this->Names(req), ElementsAre("Gamma"));
  req.filter = "";
  req.experiment_ids = {*e1};
  EXPECT_THAT(this->Names(req), ElementsAre("Gamma", "alpha"));
  req.experiment_ids = {};
  req.max_results = 2;
  auto first = this->datasets().SearchDatasets(req);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->datasets.size(), 2u);
  ASSERT_FALSE(first->next_page_token.empty());
  req.page_token = first->next_page_token;
  EXPECT_THAT(this->Names(req), ElementsAre("beta"));
  req.page_token = "";
  req.filter = "color = 'red'";
  EXPECT_THAT(this->datasets().SearchDatasets(req), StatusIs(StatusCode::kInvalidArgument));
  req.filter = "";
  req.order_by = {"size DESC"};
  EXPECT_THAT(this->datasets().SearchDatasets(req), StatusIs(StatusCode::kInvalidArgument));
}

TYPED_TEST(DatasetContractTest, DeleteRemovesDatasetAndRecords) {
  model::Dataset d = this->Create("qa", {{"a", "1"}}, {"0"});
  ASSERT_TRUE(this->datasets().UpsertRecords(d.dataset_id, {this->Record({{"q", 1}})}).ok());
  ASSERT_TRUE(this->datasets().DeleteDataset(d.dataset_id).ok());
  EXPECT_THAT(this->datasets().GetDataset(d.dataset_id), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(this->datasets().GetRecords(d.dataset_id, 10, ""), StatusIs(StatusCode::kNotFound));
  EXPECT_TRUE(this->Names({}).empty());
}

}  // namespace
}  // namespace tracelake::storage::testing
