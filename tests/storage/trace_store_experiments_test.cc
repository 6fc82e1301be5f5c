// TraceStore contract, experiments and assessments.
#include <regex>
#include <set>

#include "trace_store_contract.h"

namespace tracelake::storage::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

template <typename B>
class ExperimentContractTest : public StoreFixture<B> {
 protected:
  std::vector<std::string> Names(SearchExperimentsRequest req) {
    auto page = this->experiments().SearchExperiments(req);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    std::vector<std::string> out;
    if (page.ok())
      for (const auto& e : page->experiments) out.push_back(e.name);
    return out;
  }
  std::vector<std::string> Filter(const std::string& filter) {
    SearchExperimentsRequest req;
    req.filter = filter;
    req.order_by = {"name"};
    return Names(req);
  }
};
TYPED_TEST_SUITE(ExperimentContractTest, Backends, BackendNames);

template <typename B>
using AssessmentContractTest = StoreFixture<B>;
TYPED_TEST_SUITE(AssessmentContractTest, Backends, BackendNames);

TYPED_TEST(ExperimentContractTest, DefaultExperimentExists) {
  auto e = this->experiments().GetExperiment("0");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->name, "Default");
  EXPECT_EQ(e->artifact_location, "mlflow-artifacts:/0");
  EXPECT_EQ(e->lifecycle_stage, model::LifecycleStage::kActive);
  EXPECT_GT(e->creation_time_ms, 0);
  EXPECT_EQ(this->experiments().GetExperimentByName("Default")->experiment_id, "0");
}

TYPED_TEST(ExperimentContractTest, CreateAssignsIncreasingIdsAndUniqueNames) {
  auto a = this->experiments().CreateExperiment("a", "", {{"owner", "me"}});
  auto b = this->experiments().CreateExperiment("b", "s3://bucket/b", {});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, "1");
  EXPECT_EQ(*b, "2");
  auto got = this->experiments().GetExperiment(*a);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->artifact_location, "mlflow-artifacts:/1");
  EXPECT_THAT(got->tags, ElementsAre(Pair("owner", "me")));
  EXPECT_EQ(this->experiments().GetExperiment(*b)->artifact_location, "s3://bucket/b");
  EXPECT_THAT(this->experiments().CreateExperiment("a", "", {}),
              StatusIs(StatusCode::kAlreadyExists));
  ASSERT_TRUE(this->experiments().DeleteExperiment(*a).ok());
  EXPECT_THAT(this->experiments().CreateExperiment("a", "", {}),
              StatusIs(StatusCode::kAlreadyExists));
  EXPECT_THAT(this->experiments().CreateExperiment("", "", {}),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(this->experiments().CreateExperiment(std::string(501, 'x'), "", {}),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_EQ(*this->experiments().CreateExperiment("c", "", {}), "3");
}

TYPED_TEST(ExperimentContractTest, GetUnknownOrMalformedIds) {
  EXPECT_THAT(this->experiments().GetExperiment("99"), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(this->experiments().GetExperiment("abc"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(this->experiments().GetExperiment(""), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(this->experiments().GetExperimentByName("nope"), StatusIs(StatusCode::kNotFound));
}

TYPED_TEST(ExperimentContractTest, RenameDeleteRestoreLifecycle) {
  const std::string a = this->NewExperiment("a");
  this->NewExperiment("b");
  const int64_t before = this->experiments().GetExperiment(a)->last_update_time_ms;
  ASSERT_TRUE(this->experiments().RenameExperiment(a, "a2").ok());
  EXPECT_EQ(this->experiments().GetExperiment(a)->name, "a2");
  EXPECT_GE(this->experiments().GetExperiment(a)->last_update_time_ms, before);
  EXPECT_TRUE(this->experiments().RenameExperiment(a, "a2").ok());  // its own name
  EXPECT_THAT(this->experiments().RenameExperiment(a, "b"), StatusIs(StatusCode::kAlreadyExists));
  EXPECT_THAT(this->experiments().RenameExperiment(a, ""), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(this->experiments().RenameExperiment("77", "z"), StatusIs(StatusCode::kNotFound));

  ASSERT_TRUE(this->experiments().DeleteExperiment(a).ok());
  EXPECT_EQ(this->experiments().GetExperiment(a)->lifecycle_stage, model::LifecycleStage::kDeleted);
  EXPECT_THAT(this->experiments().DeleteExperiment(a), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(this->experiments().RenameExperiment(a, "a3"),
              StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(this->experiments().SetExperimentTag(a, "k", "v"),
              StatusIs(StatusCode::kInvalidArgument));
  ASSERT_TRUE(this->experiments().RestoreExperiment(a).ok());
  EXPECT_THAT(this->experiments().RestoreExperiment(a), StatusIs(StatusCode::kNotFound));
  EXPECT_EQ(this->experiments().GetExperiment(a)->lifecycle_stage, model::LifecycleStage::kActive);
  EXPECT_THAT(this->experiments().DeleteExperiment("0"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(this->experiments().DeleteExperiment("404"), StatusIs(StatusCode::kNotFound));
}

TYPED_TEST(ExperimentContractTest, TagsAreSetAndDeleted) {
  const std::string a = this->NewExperiment("a");
  ASSERT_TRUE(this->experiments().SetExperimentTag(a, "k", "v1").ok());
  ASSERT_TRUE(this->experiments().SetExperimentTag(a, "k", "v2").ok());
  EXPECT_THAT(this->experiments().GetExperiment(a)->tags, ElementsAre(Pair("k", "v2")));
  ASSERT_TRUE(this->experiments().DeleteExperimentTag(a, "k").ok());
  EXPECT_TRUE(this->experiments().GetExperiment(a)->tags.empty());
  EXPECT_THAT(this->experiments().DeleteExperimentTag(a, "k"), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(this->experiments().SetExperimentTag(a, "", "v"),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(this->experiments().SetExperimentTag("55", "k", "v"),
              StatusIs(StatusCode::kNotFound));
}

TYPED_TEST(ExperimentContractTest, SearchFiltersOnNameTagsAndTimes) {
  ASSERT_TRUE(this->experiments().CreateExperiment("alpha-prod", "", {{"env", "prod"}}).ok());
  ASSERT_TRUE(this->experiments().CreateExperiment("Alpha-dev", "", {{"env", "dev"}}).ok());
  ASSERT_TRUE(this->experiments().CreateExperiment("beta", "", {{"env.region", "eu"}}).ok());
  using V = std::vector<std::string>;
  EXPECT_EQ(this->Filter("name = 'beta'"), V({"beta"}));
  EXPECT_EQ(this->Filter("attributes.name != 'beta'"), V({"Alpha-dev", "Default", "alpha-prod"}));
  EXPECT_EQ(this->Filter("name LIKE 'alpha%'"), V({"alpha-prod"}));
  EXPECT_EQ(this->Filter("name ILIKE 'alpha%'"), V({"Alpha-dev", "alpha-prod"}));
  EXPECT_EQ(this->Filter("tags.env = 'prod'"), V({"alpha-prod"}));
  EXPECT_EQ(this->Filter("tags.env != 'prod'"), V({"Alpha-dev"}));
  EXPECT_EQ(this->Filter("tags.`env.region` LIKE 'e%'"), V({"beta"}));
  EXPECT_EQ(this->Filter("name ILIKE '%a%' and tags.env ILIKE 'PROD'"), V({"alpha-prod"}));
  EXPECT_EQ(this->Filter("creation_time > 0 AND last_update_time >= 0").size(), 4u);
  EXPECT_EQ(this->Filter("creation_time < 0"), V());
  SearchExperimentsRequest req;
  for (const char* bad : {"owner = 'x'", "name > 'a'", "creation_time = 'x'", "name = 'a' OR",
                          "name = 'unterminated", "tags. = 'x'", "name = 'a' name = 'b'"}) {
    req.filter = bad;
    EXPECT_THAT(this->experiments().SearchExperiments(req), StatusIs(StatusCode::kInvalidArgument))
        << bad;
  }
}

TYPED_TEST(ExperimentContractTest, SearchViewTypesOrdersAndPages) {
  for (const char* n : {"e1", "e2", "e3", "e4", "e5"}) this->NewExperiment(n);
  ASSERT_TRUE(this->experiments().DeleteExperiment("2").ok());
  using V = std::vector<std::string>;
  SearchExperimentsRequest req;
  req.order_by = {"name DESC"};
  EXPECT_EQ(this->Names(req), V({"e5", "e4", "e3", "e1", "Default"}));
  req.view_type = SearchExperimentsRequest::ViewType::kDeletedOnly;
  EXPECT_EQ(this->Names(req), V({"e2"}));
  req.view_type = SearchExperimentsRequest::ViewType::kAll;
  EXPECT_EQ(this->Names(req).size(), 6u);
  req.order_by = {"experiment_id ASC"};
  EXPECT_EQ(this->Names(req).front(), "Default");
  req.order_by = {};  // MLflow's default: creation_time DESC, experiment_id ASC
  const V by_default = this->Names(req);
  ASSERT_EQ(by_default.size(), 6u);

  req.max_results = 4;
  auto first = this->experiments().SearchExperiments(req);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->experiments.size(), 4u);
  ASSERT_FALSE(first->next_page_token.empty());
  req.page_token = first->next_page_token;
  auto second = this->experiments().SearchExperiments(req);
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->experiments.size(), 2u);
  EXPECT_TRUE(second->next_page_token.empty());
  V paged;
  for (const auto& e : first->experiments) paged.push_back(e.name);
  for (const auto& e : second->experiments) paged.push_back(e.name);
  EXPECT_EQ(paged, by_default);

  req.page_token = "not-a-token";
  EXPECT_THAT(this->experiments().SearchExperiments(req), StatusIs(StatusCode::kInvalidArgument));
  req.page_token = first->next_page_token;
  req.filter = "name = 'e1'";  // another query
  EXPECT_THAT(this->experiments().SearchExperiments(req), StatusIs(StatusCode::kInvalidArgument));
  req = SearchExperimentsRequest();
  req.order_by = {"lifecycle_stage"};
  EXPECT_THAT(this->experiments().SearchExperiments(req), StatusIs(StatusCode::kInvalidArgument));
  req.order_by = {"name SIDEWAYS"};
  EXPECT_THAT(this->experiments().SearchExperiments(req), StatusIs(StatusCode::kInvalidArgument));
  req.order_by = {};
  req.max_results = 0;
  EXPECT_THAT(this->experiments().SearchExperiments(req), StatusIs(StatusCode::kInvalidArgument));
}

model::Assessment Feedback(int trace, const std::string& name, const std::string& value) {
  model::Assessment a;
  a.trace_id = MlflowTraceId(Tid(trace));
  a.assessment_name = name;
  a.source.source_type = model::AssessmentSourceType::kHuman;
  a.source.source_id = "reviewer";
  a.feedback = model::Feedback{value, std::nullopt};
  a.rationale = "because";
  a.metadata = {{"k1", "v1"}};
  return a;
}

TYPED_TEST(AssessmentContractTest, CreateManyIsAllOrNothing) {
  ASSERT_TRUE(this->Ingest({MakeSpan(1, 1, 0, 0, 10), MakeSpan(2, 1, 0, 0, 10)}).ok());
  std::vector<model::Assessment> batch = {Feedback(1, "a", "true"), Feedback(2, "b", "false"),
                                          Feedback(9, "c", "true")};  // trace 9 does not exist
  auto failed = this->assessments().CreateAssessments(batch);
  EXPECT_EQ(failed.status().code(), StatusCode::kNotFound) << failed.status().ToString();
  EXPECT_TRUE(this->Info(1).assessments.empty());
  EXPECT_TRUE(this->Info(2).assessments.empty());

  batch[2].assessment_name = "";
  auto invalid = this->assessments().CreateAssessments(batch);
  EXPECT_EQ(invalid.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(invalid.status().message().find("assessment 2"), std::string::npos)
      << invalid.status().ToString();

  batch.pop_back();
  auto created = this->assessments().CreateAssessments(batch);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  ASSERT_EQ(created->size(), 2u);
  EXPECT_EQ((*created)[0].trace_id, MlflowTraceId(Tid(1)));
  EXPECT_EQ((*created)[1].feedback->value_json, "false");
  EXPECT_EQ(this->Info(1).assessments.size(), 1u);
  EXPECT_EQ(this->Info(2).assessments.size(), 1u);
  auto none = this->assessments().CreateAssessments({});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TYPED_TEST(AssessmentContractTest, ListRunAssessmentsFindsAnEvaluationRunsFeedback) {
  ASSERT_TRUE(this->Ingest({MakeSpan(1, 1, 0, 0, 10), MakeSpan(2, 1, 0, 0, 10)}).ok());
  auto run_feedback = [](int trace, const std::string& name, const std::string& run) {
    model::Assessment a = Feedback(trace, name, "\"yes\"");
    a.metadata = {{"mlflow.assessment.sourceRunId", run}, {"eval.record_id", "r"}};
    return a;
  };
  ASSERT_TRUE(this->assessments()
                  .CreateAssessments({run_feedback(1, "correctness", "run-a"),
                                      run_feedback(2, "correctness", "run-a"),
                                      run_feedback(2, "correctness", "run-b"),
                                      Feedback(1, "human", "true")})
                  .ok());
  model::Assessment expectation = Feedback(1, "expected", "\"x\"");
  expectation.feedback.reset();
  expectation.expectation = model::Expectation{"\"x\"", "", ""};
  expectation.metadata = {{"mlflow.assessment.sourceRunId", "run-a"}};
  ASSERT_TRUE(this->assessments().CreateAssessment(expectation).ok());

  auto a = this->assessments().ListRunAssessments("run-a");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_EQ(a->size(), 2u);  // feedback only
  std::set<std::string> traces = {(*a)[0].trace_id, (*a)[1].trace_id};
  EXPECT_EQ(traces, (std::set<std::string>{MlflowTraceId(Tid(1)), MlflowTraceId(Tid(2))}));
  EXPECT_EQ((*a)[0].metadata.at("eval.record_id"), "r");
  auto b = this->assessments().ListRunAssessments("run-b");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->size(), 1u);
  auto none = this->assessments().ListRunAssessments("run-c");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  // An overridden feedback is no longer the run's answer.
  model::Assessment fix = Feedback(2, "correctness", "\"no\"");
  fix.overrides = (*b)[0].assessment_id;
  ASSERT_TRUE(this->assessments().CreateAssessment(fix).ok());
  auto after = this->assessments().ListRunAssessments("run-b");
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->empty());
}

TYPED_TEST(AssessmentContractTest, CreateGetUpdateDelete) {
  ASSERT_TRUE(this->Ingest({MakeSpan(1, 1, 0, 0, 10)}).ok());
  auto created = this->assessments().CreateAssessment(Feedback(1, "helpful", "true"));
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_TRUE(std::regex_match(created->assessment_id, std::regex("a-[0-9a-f]{32}")))
      << created->assessment_id;
  EXPECT_EQ(created->trace_id, MlflowTraceId(Tid(1)));
  EXPECT_GT(created->create_time_ms, 0);
  EXPECT_TRUE(created->valid);
  EXPECT_EQ(created->source.source_type, model::AssessmentSourceType::kHuman);
  EXPECT_EQ(created->feedback->value_json, "true");

  auto got = this->assessments().GetAssessment(Tid(1), created->assessment_id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->rationale, "because");
  EXPECT_EQ(got->metadata.at("k1"), "v1");
  EXPECT_EQ(this->Info(1).assessments.size(), 1u);

  AssessmentUpdate u;
  u.feedback = model::Feedback{"false", std::nullopt};
  u.rationale = "changed my mind";
  u.metadata = std::map<std::string, std::string>{{"k2", "v2"}};
  auto updated = this->assessments().UpdateAssessment(Tid(1), created->assessment_id, u);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_EQ(updated->feedback->value_json, "false");
  EXPECT_EQ(updated->rationale, "changed my mind");
  EXPECT_EQ(updated->metadata.size(), 2u);  // merged
  EXPECT_GT(updated->last_update_time_ms, created->last_update_time_ms);
  EXPECT_EQ(updated->create_time_ms, created->create_time_ms);

  AssessmentUpdate wrong_kind;
  wrong_kind.expectation = model::Expectation{"1", "", ""};
  EXPECT_THAT(this->assessments().UpdateAssessment(Tid(1), created->assessment_id, wrong_kind),
              StatusIs(StatusCode::kInvalidArgument));
  ASSERT_TRUE(this->assessments().DeleteAssessment(Tid(1), created->assessment_id).ok());
  EXPECT_THAT(this->assessments().GetAssessment(Tid(1), created->assessment_id),
              StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(this->assessments().DeleteAssessment(Tid(1), created->assessment_id),
              StatusIs(StatusCode::kNotFound));
}

TYPED_TEST(AssessmentContractTest, ExpectationsKeepSerializedValues) {
  ASSERT_TRUE(this->Ingest({MakeSpan(1, 1, 0, 0, 10)}).ok());
  model::Assessment e;
  e.trace_id = MlflowTraceId(Tid(1));
  e.assessment_name = "expected";
  e.span_id = Sid(1).Hex();
  e.expectation = model::Expectation{"", "JSON_FORMAT", R"({"a":[1,2]})"};
  auto created = this->assessments().CreateAssessment(e);
  ASSERT_TRUE(created.ok());
  ASSERT_TRUE(created->expectation.has_value());
  EXPECT_EQ(created->expectation->serialization_format, "JSON_FORMAT");
  EXPECT_EQ(created->expectation->serialized_value, R"({"a":[1,2]})");
  EXPECT_EQ(created->span_id, Sid(1).Hex());
}

TYPED_TEST(AssessmentContractTest, ErrorsForUnknownTracesAndBadInput) {
  EXPECT_THAT(this->assessments().CreateAssessment(Feedback(7, "x", "1")),
              StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(this->assessments().GetAssessment(Tid(7), "a-1"), StatusIs(StatusCode::kNotFound));
  ASSERT_TRUE(this->Ingest({MakeSpan(1, 1, 0, 0, 10)}).ok());
  EXPECT_THAT(this->assessments().GetAssessment(Tid(1), "a-missing"),
              StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(this->assessments().UpdateAssessment(Tid(1), "a-missing", {}),
              StatusIs(StatusCode::kNotFound));
  model::Assessment bad = Feedback(1, "x", "1");
  bad.trace_id = "tr-nothex";
  EXPECT_THAT(this->assessments().CreateAssessment(bad), StatusIs(StatusCode::kInvalidArgument));
  bad = Feedback(1, "", "1");
  EXPECT_THAT(this->assessments().CreateAssessment(bad), StatusIs(StatusCode::kInvalidArgument));
  bad = Feedback(1, "x", "1");
  bad.expectation = model::Expectation{"1", "", ""};
  EXPECT_THAT(this->assessments().CreateAssessment(bad), StatusIs(StatusCode::kInvalidArgument));
  bad = Feedback(1, "x", "1");
  bad.span_id = "xyz";
  EXPECT_THAT(this->assessments().CreateAssessment(bad), StatusIs(StatusCode::kInvalidArgument));
  bad = Feedback(1, "x", "1");
  bad.overrides = "a-missing";
  EXPECT_THAT(this->assessments().CreateAssessment(bad), StatusIs(StatusCode::kNotFound));
  auto once = this->assessments().CreateAssessment(Feedback(1, "x", "1"));
  ASSERT_TRUE(once.ok());
  model::Assessment dup = Feedback(1, "x", "1");
  dup.assessment_id = once->assessment_id;
  EXPECT_THAT(this->assessments().CreateAssessment(dup), StatusIs(StatusCode::kAlreadyExists));
}

TYPED_TEST(AssessmentContractTest, OverrideInvalidatesTheOldOneUntilDeleted) {
  ASSERT_TRUE(this->Ingest({MakeSpan(1, 1, 0, 0, 10)}).ok());
  auto first = this->assessments().CreateAssessment(Feedback(1, "quality", "3"));
  ASSERT_TRUE(first.ok());
  model::Assessment second = Feedback(1, "quality", "5");
  second.overrides = first->assessment_id;
  auto replaced = this->assessments().CreateAssessment(second);
  ASSERT_TRUE(replaced.ok());
  EXPECT_TRUE(replaced->valid);
  EXPECT_EQ(replaced->overrides, first->assessment_id);
  EXPECT_FALSE(this->assessments().GetAssessment(Tid(1), first->assessment_id)->valid);
  ASSERT_TRUE(this->assessments().DeleteAssessment(Tid(1), replaced->assessment_id).ok());
  EXPECT_TRUE(this->assessments().GetAssessment(Tid(1), first->assessment_id)->valid);
}

}  // namespace
}  // namespace tracelake::storage::testing
