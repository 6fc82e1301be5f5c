// RunStore and ScorerStore contract (storage/run_store.h), typed over every backend.
#include <cmath>
#include <regex>

#include "trace_store_contract.h"

namespace tracelake::storage::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

template <typename B>
class RunContractTest : public StoreFixture<B> {
 protected:
  RunStore& runs() { return this->backend().runs(); }
  ScorerStore& scorers() { return this->backend().scorers(); }

  model::Run NewRun(const std::string& experiment, const std::string& name = "",
                    int64_t start = 1000) {
    CreateRunRequest req;
    req.experiment_id = experiment;
    req.run_name = name;
    req.start_time_ms = start;
    req.user_id = "alice";
    auto run = runs().CreateRun(req);
    EXPECT_TRUE(run.ok()) << run.status().ToString();
    return run.ok() ? *run : model::Run();
  }

  std::vector<std::string> Search(const std::string& experiment, const std::string& filter,
                                  std::vector<std::string> order_by = {"attributes.run_name"}) {
    SearchRunsRequest req;
    req.experiment_ids = {experiment};
    req.filter = filter;
    req.order_by = std::move(order_by);
    auto page = runs().SearchRuns(req);
    EXPECT_TRUE(page.ok()) << filter << ": " << page.status().ToString();
    std::vector<std::string> names;
    if (page.ok())
      for (const auto& r : page->runs) names.push_back(r.info.run_name);
    return names;
  }
};
TYPED_TEST_SUITE(RunContractTest, Backends, BackendNames);

TYPED_TEST(RunContractTest, CreateRunSetsMlflowDefaults) {
  const std::string exp = this->NewExperiment("runs");
  model::Run run = this->NewRun(exp);
  EXPECT_TRUE(std::regex_match(run.info.run_id, std::regex("[0-9a-f]{32}"))) << run.info.run_id;
  EXPECT_TRUE(std::regex_match(run.info.run_name, std::regex("[a-z]+-[a-z]+-[0-9]{1,4}")))
      << run.info.run_name;
  EXPECT_LE(run.info.run_name.size(), 20u);
  EXPECT_EQ(run.info.status, model::RunStatus::kRunning);
  EXPECT_EQ(run.info.experiment_id, exp);
  EXPECT_EQ(run.info.user_id, "alice");
  EXPECT_EQ(run.info.start_time_ms, 1000);
  EXPECT_FALSE(run.info.end_time_ms.has_value());
  EXPECT_EQ(run.info.artifact_uri,
            "mlflow-artifacts:/" + exp + "/" + run.info.run_id + "/artifacts");
  EXPECT_THAT(run.tags, ElementsAre(Pair("mlflow.runName", run.info.run_name)));

  auto got = this->runs().GetRun(run.info.run_id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->info.run_name, run.info.run_name);
}

TYPED_TEST(RunContractTest, RunNameAndItsTagMustAgree) {
  const std::string exp = this->NewExperiment("names");
  CreateRunRequest req;
  req.experiment_id = exp;
  req.tags = {{"mlflow.runName", "from-tag"}};
  auto run = this->runs().CreateRun(req);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->info.run_name, "from-tag");
  req.run_name = "other";
  EXPECT_THAT(this->runs().CreateRun(req), StatusIs(StatusCode::kInvalidArgument));
  // Renaming through the tag or through UpdateRun keeps both in step.
  ASSERT_TRUE(this->runs().LogBatch(run->info.run_id, {}, {}, {{"mlflow.runName", "t2"}}).ok());
  EXPECT_EQ(this->runs().GetRun(run->info.run_id)->info.run_name, "t2");
  UpdateRunRequest up;
  up.run_name = "t3";
  ASSERT_TRUE(this->runs().UpdateRun(run->info.run_id, up).ok());
  EXPECT_EQ(this->runs().GetRun(run->info.run_id)->tags.at("mlflow.runName"), "t3");
}

TYPED_TEST(RunContractTest, UnknownRunsAndExperiments) {
  EXPECT_THAT(this->runs().GetRun("0123456789abcdef0123456789abcdef"),
              StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(this->runs().GetRun("bad id!"), StatusIs(StatusCode::kInvalidArgument));
  CreateRunRequest req;
  req.experiment_id = "99";
  EXPECT_THAT(this->runs().CreateRun(req), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(this->runs().LogBatch("0123456789abcdef0123456789abcdef", {}, {{"a", "b"}}, {}),
              StatusIs(StatusCode::kNotFound));
}

TYPED_TEST(RunContractTest, UpdateRunChangesStatusAndEndTime) {
  const std::string exp = this->NewExperiment("update");
  model::Run run = this->NewRun(exp, "u");
  UpdateRunRequest up;
  up.status = model::RunStatus::kFinished;
  up.end_time_ms = 5000;
  auto info = this->runs().UpdateRun(run.info.run_id, up);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->status, model::RunStatus::kFinished);
  EXPECT_EQ(info->end_time_ms, 5000);
  EXPECT_EQ(info->run_name, "u");
}

TYPED_TEST(RunContractTest, ParamsAreImmutable) {
  const std::string exp = this->NewExperiment("params");
  const std::string id = this->NewRun(exp).info.run_id;
  ASSERT_TRUE(this->runs().LogBatch(id, {}, {{"lr", "0.1"}}, {}).ok());
  EXPECT_TRUE(this->runs().LogBatch(id, {}, {{"lr", "0.1"}}, {}).ok());  // same value: fine
  auto changed = this->runs().LogBatch(id, {}, {{"lr", "0.2"}}, {});
  EXPECT_THAT(changed, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_NE(changed.message().find("Changing param values is not allowed"), std::string::npos);
  EXPECT_THAT(this->runs().LogBatch(id, {}, {{"x", "1"}, {"x", "2"}}, {}),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(this->runs().GetRun(id)->params, ElementsAre(Pair("lr", "0.1")));
}

TYPED_TEST(RunContractTest, BatchLimitsAndKeysAsMlflow) {
  const std::string exp = this->NewExperiment("limits");
  const std::string id = this->NewRun(exp).info.run_id;
  std::vector<std::pair<std::string, std::string>> params;
  for (int i = 0; i < 101; ++i) params.emplace_back("p" + std::to_string(i), "v");
  EXPECT_THAT(this->runs().LogBatch(id, {}, params, {}), StatusIs(StatusCode::kInvalidArgument));
  std::vector<model::RunMetric> metrics(1001, model::RunMetric{"m", 1, 1, 0});
  EXPECT_THAT(this->runs().LogBatch(id, metrics, {}, {}), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(this->runs().LogBatch(id, {}, {{std::string(251, 'k'), "v"}}, {}),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(this->runs().LogBatch(id, {}, {{"k", std::string(6001, 'v')}}, {}),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(this->runs().LogBatch(id, {}, {}, {{"../up", "v"}}),
              StatusIs(StatusCode::kInvalidArgument));
  // A failed batch changes nothing.
  EXPECT_THAT(this->runs().LogBatch(id, {{"ok", 1, 1, 0}}, {{"a", "1"}}, {{"", "v"}}),
              StatusIs(StatusCode::kInvalidArgument));
  auto run = this->runs().GetRun(id);
  EXPECT_TRUE(run->metrics.empty());
  EXPECT_TRUE(run->params.empty());
}

TYPED_TEST(RunContractTest, MetricHistoryAndLatestValue) {
  const std::string exp = this->NewExperiment("metrics");
  const std::string id = this->NewRun(exp).info.run_id;
  ASSERT_TRUE(this->runs()
                  .LogBatch(id,
                            {{"loss", 0.9, 100, 0}, {"loss", 0.5, 200, 2}, {"loss", 0.7, 150, 1}},
                            {}, {})
                  .ok());
  ASSERT_TRUE(this->runs().LogBatch(id, {{"loss", 0.5, 200, 2}}, {}, {}).ok());  // kept once
  ASSERT_TRUE(this->runs().LogBatch(id, {{"nan", std::nan(""), 1, 0}}, {}, {}).ok());
  auto run = this->runs().GetRun(id);
  ASSERT_TRUE(run.ok());
  ASSERT_EQ(run->metrics.size(), 2u);
  EXPECT_EQ(run->metrics[0].key, "loss");
  EXPECT_DOUBLE_EQ(run->metrics[0].value, 0.5);
  EXPECT_EQ(run->metrics[0].step, 2);
  EXPECT_TRUE(std::isnan(run->metrics[1].value));

  auto history = this->runs().GetMetricHistory(id, "loss", 0, "");
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->metrics.size(), 3u);
  EXPECT_EQ(history->metrics[0].step, 0);
  EXPECT_EQ(history->metrics[2].step, 2);
  auto page = this->runs().GetMetricHistory(id, "loss", 2, "");
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->metrics.size(), 2u);
  ASSERT_FALSE(page->next_page_token.empty());
  auto rest = this->runs().GetMetricHistory(id, "loss", 2, page->next_page_token);
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->metrics.size(), 1u);
  EXPECT_DOUBLE_EQ(rest->metrics[0].value, 0.5);
  EXPECT_TRUE(rest->next_page_token.empty());
  EXPECT_TRUE(this->runs().GetMetricHistory(id, "other", 0, "")->metrics.empty());
}

TYPED_TEST(RunContractTest, TagsOverwriteAndDelete) {
  const std::string exp = this->NewExperiment("tags");
  const std::string id = this->NewRun(exp, "t").info.run_id;
  ASSERT_TRUE(this->runs().LogBatch(id, {}, {}, {{"env", "a"}}).ok());
  ASSERT_TRUE(this->runs().LogBatch(id, {}, {}, {{"env", "b"}}).ok());
  EXPECT_EQ(this->runs().GetRun(id)->tags.at("env"), "b");
  ASSERT_TRUE(this->runs().DeleteTag(id, "env").ok());
  EXPECT_EQ(this->runs().GetRun(id)->tags.count("env"), 0u);
  EXPECT_THAT(this->runs().DeleteTag(id, "env"), StatusIs(StatusCode::kNotFound));
}

TYPED_TEST(RunContractTest, DeleteAndRestore) {
  const std::string exp = this->NewExperiment("lifecycle");
  const std::string id = this->NewRun(exp, "d").info.run_id;
  ASSERT_TRUE(this->runs().DeleteRun(id).ok());
  auto run = this->runs().GetRun(id);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->info.lifecycle_stage, model::LifecycleStage::kDeleted);
  EXPECT_THAT(this->runs().LogBatch(id, {}, {{"a", "b"}}, {}),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_TRUE(this->Search(exp, "").empty());
  SearchRunsRequest deleted;
  deleted.experiment_ids = {exp};
  deleted.view_type = SearchRunsRequest::ViewType::kDeletedOnly;
  EXPECT_EQ(this->runs().SearchRuns(deleted)->runs.size(), 1u);
  ASSERT_TRUE(this->runs().RestoreRun(id).ok());
  EXPECT_THAT(this->Search(exp, ""), ElementsAre("d"));
  EXPECT_THAT(this->runs().DeleteRun("0123456789abcdef0123456789abcdef"),
              StatusIs(StatusCode::kNotFound));
}

TYPED_TEST(RunContractTest, DeletedExperimentDeletesAndRestoresItsRuns) {
  const std::string exp = this->NewExperiment("gone");
  const std::string id = this->NewRun(exp, "r").info.run_id;
  ASSERT_TRUE(this->experiments().DeleteExperiment(exp).ok());
  EXPECT_EQ(this->runs().GetRun(id)->info.lifecycle_stage, model::LifecycleStage::kDeleted);
  CreateRunRequest req;
  req.experiment_id = exp;
  EXPECT_THAT(this->runs().CreateRun(req), StatusIs(StatusCode::kInvalidArgument));
  ASSERT_TRUE(this->experiments().RestoreExperiment(exp).ok());
  EXPECT_EQ(this->runs().GetRun(id)->info.lifecycle_stage, model::LifecycleStage::kActive);
}

// As MLflow's _mark_run_deleted: a deleted run takes the assessments it logged with it (an
// evaluation's verdicts, marked with mlflow.assessment.sourceRunId); others stay.
TYPED_TEST(RunContractTest, DeletingARunDeletesItsAssessments) {
  const std::string exp = this->NewExperiment("verdicts");
  const std::string id = this->NewRun(exp, "eval").info.run_id;
  ASSERT_TRUE(this->Ingest({MakeSpan(1, 1, 0, 0, 10)}).ok());
  auto verdict = [&](const std::string& name, const std::string& source_run) {
    model::Assessment a;
    a.trace_id = MlflowTraceId(Tid(1));
    a.assessment_name = name;
    a.source.source_type = model::AssessmentSourceType::kCode;
    a.source.source_id = "exact";
    a.feedback = model::Feedback{"true", std::nullopt};
    if (!source_run.empty()) a.metadata = {{"mlflow.assessment.sourceRunId", source_run}};
    auto created = this->assessments().CreateAssessment(a);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
  };
  verdict("from_run", id);
  verdict("by_hand", "");
  ASSERT_TRUE(this->runs().DeleteRun(id).ok());
  std::vector<std::string> names;
  for (const auto& a : this->Info(1).assessments) names.push_back(a.assessment_name);
  EXPECT_THAT(names, ElementsAre("by_hand"));
}

TYPED_TEST(RunContractTest, SearchFiltersAsMlflow) {
  const std::string exp = this->NewExperiment("search");
  const std::string a = this->NewRun(exp, "a", 1000).info.run_id;
  const std::string b = this->NewRun(exp, "b", 2000).info.run_id;
  const std::string c = this->NewRun(exp, "c", 3000).info.run_id;
  ASSERT_TRUE(this->runs().LogBatch(a, {{"acc", 0.4, 1, 0}}, {{"model", "gpt"}}, {}).ok());
  ASSERT_TRUE(
      this->runs().LogBatch(b, {{"acc", 0.8, 1, 0}}, {{"model", "claude"}}, {{"team", "x"}}).ok());
  ASSERT_TRUE(this->runs().LogBatch(c, {{"acc", 0.6, 1, 0}}, {}, {{"team.name", "y"}}).ok());
  UpdateRunRequest done;
  done.status = model::RunStatus::kFinished;
  ASSERT_TRUE(this->runs().UpdateRun(c, done).ok());

  EXPECT_THAT(this->Search(exp, "metrics.acc > 0.5"), ElementsAre("b", "c"));
  EXPECT_THAT(this->Search(exp, "metrics.acc >= 0.6 and metrics.acc < 0.8"), ElementsAre("c"));
  EXPECT_THAT(this->Search(exp, "params.model = 'gpt'"), ElementsAre("a"));
  EXPECT_THAT(this->Search(exp, "params.model != 'gpt'"), ElementsAre("b"));
  EXPECT_THAT(this->Search(exp, "param.model LIKE 'c%'"), ElementsAre("b"));
  EXPECT_THAT(this->Search(exp, "params.model ILIKE 'GP%'"), ElementsAre("a"));
  EXPECT_THAT(this->Search(exp, "params.model IS NULL"), ElementsAre("c"));
  EXPECT_THAT(this->Search(exp, "tags.team = 'x'"), ElementsAre("b"));
  EXPECT_THAT(this->Search(exp, "tags.`team.name` = \"y\""), ElementsAre("c"));
  EXPECT_THAT(this->Search(exp, "attributes.status = 'FINISHED'"), ElementsAre("c"));
  EXPECT_THAT(this->Search(exp, "attributes.run_name IN ('a', 'c')"), ElementsAre("a", "c"));
  EXPECT_THAT(this->Search(exp, "run_name NOT IN ('a')"), ElementsAre("b", "c"));
  EXPECT_THAT(this->Search(exp, "attributes.start_time >= 2000"), ElementsAre("b", "c"));
  EXPECT_THAT(this->Search(exp, "attributes.run_id = '" + b + "'"), ElementsAre("b"));
  EXPECT_THAT(this->Search(exp, "tags.mlflow.runName = 'a'"), ElementsAre("a"));

  for (const char* bad :
       {"metrics.acc = 'x'", "params.model > 'a'", "foo.bar = 1", "attributes.nope = 'x'",
        "metrics.acc > 1 OR metrics.acc < 0", "params.model = 'unterminated"}) {
    SearchRunsRequest req;
    req.experiment_ids = {exp};
    req.filter = bad;
    EXPECT_THAT(this->runs().SearchRuns(req), StatusIs(StatusCode::kInvalidArgument)) << bad;
  }
}

TYPED_TEST(RunContractTest, SearchOrdersAndPages) {
  const std::string exp = this->NewExperiment("order");
  for (int i = 0; i < 5; ++i) {
    const std::string id = this->NewRun(exp, "r" + std::to_string(i), 1000 + i).info.run_id;
    if (i != 2) {
      ASSERT_TRUE(this->runs().LogBatch(id, {{"m", double(i % 3), 1, 0}}, {}, {}).ok());
    }
  }
  EXPECT_THAT(this->Search(exp, "", {}), ElementsAre("r4", "r3", "r2", "r1", "r0"));
  EXPECT_THAT(this->Search(exp, "", {"start_time ASC"}), ElementsAre("r0", "r1", "r2", "r3", "r4"));
  // Missing values last; ties broken by start_time DESC.
  EXPECT_THAT(this->Search(exp, "", {"metrics.m DESC"}), ElementsAre("r4", "r1", "r3", "r0", "r2"));
  EXPECT_THAT(this->Search(exp, "", {"metrics.m"}), ElementsAre("r3", "r0", "r4", "r1", "r2"));

  SearchRunsRequest req;
  req.experiment_ids = {exp};
  req.max_results = 2;
  std::vector<std::string> names;
  for (int page = 0; page < 5; ++page) {
    auto got = this->runs().SearchRuns(req);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    for (const auto& r : got->runs) names.push_back(r.info.run_name);
    if (got->next_page_token.empty()) break;
    req.page_token = got->next_page_token;
  }
  EXPECT_THAT(names, ElementsAre("r4", "r3", "r2", "r1", "r0"));
  req.filter = "metrics.m > 0";
  EXPECT_THAT(this->runs().SearchRuns(req), StatusIs(StatusCode::kInvalidArgument));  // token
  SearchRunsRequest bad_order;
  bad_order.experiment_ids = {exp};
  bad_order.order_by = {"nope DESC"};
  EXPECT_THAT(this->runs().SearchRuns(bad_order), StatusIs(StatusCode::kInvalidArgument));
}

TYPED_TEST(RunContractTest, ScorersHaveVersions) {
  const std::string exp = this->NewExperiment("scorers");
  const std::string json = R"({"name":"s","builtin_scorer_class":"Safety"})";
  auto v1 = this->scorers().RegisterScorer(exp, "safety", json);
  ASSERT_TRUE(v1.ok()) << v1.status().ToString();
  EXPECT_EQ(v1->version, 1);
  EXPECT_EQ(v1->serialized_scorer, json);
  EXPECT_TRUE(std::regex_match(v1->scorer_id, std::regex("[0-9a-f-]{36}")));
  auto v2 = this->scorers().RegisterScorer(exp, "safety", R"({"v":2})");
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->version, 2);
  EXPECT_EQ(v2->scorer_id, v1->scorer_id);
  ASSERT_TRUE(this->scorers().RegisterScorer(exp, "aaa", "{}").ok());

  auto list = this->scorers().ListScorers(exp);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "aaa");
  EXPECT_EQ((*list)[1].version, 2);
  EXPECT_EQ(this->scorers().ListScorerVersions(exp, "safety")->size(), 2u);
  EXPECT_EQ(this->scorers().GetScorer(exp, "safety", std::nullopt)->version, 2);
  EXPECT_EQ(this->scorers().GetScorer(exp, "safety", 1)->serialized_scorer, json);
  EXPECT_THAT(this->scorers().GetScorer(exp, "safety", 7), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(this->scorers().GetScorer(exp, "none", std::nullopt),
              StatusIs(StatusCode::kNotFound));

  ASSERT_TRUE(this->scorers().DeleteScorer(exp, "safety", 2).ok());
  EXPECT_EQ(this->scorers().GetScorer(exp, "safety", std::nullopt)->version, 1);
  EXPECT_THAT(this->scorers().DeleteScorer(exp, "safety", 2), StatusIs(StatusCode::kNotFound));
  ASSERT_TRUE(this->scorers().DeleteScorer(exp, "safety", std::nullopt).ok());
  EXPECT_THAT(this->scorers().ListScorerVersions(exp, "safety"), StatusIs(StatusCode::kNotFound));
  EXPECT_EQ(this->scorers().RegisterScorer(exp, "safety", "{}")->version, 1);

  EXPECT_THAT(this->scorers().RegisterScorer(exp, " ", "{}"),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(this->scorers().RegisterScorer(exp, "x", "not json"),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(this->scorers().RegisterScorer("99", "x", "{}"), StatusIs(StatusCode::kNotFound));
  const std::string other = this->NewExperiment("other");
  EXPECT_TRUE(this->scorers().ListScorers(other)->empty());
}

TYPED_TEST(RunContractTest, OnlineScoringConfigsOnePerScorer) {
  const std::string exp = this->NewExperiment("online");
  auto v = this->scorers().RegisterScorer(exp, "safety", "{}");
  ASSERT_TRUE(v.ok());
  auto c = this->scorers().UpsertOnlineScoringConfig(exp, "safety", 0.5, std::nullopt);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->scorer_id, v->scorer_id);
  EXPECT_EQ(c->experiment_id, exp);
  auto again = this->scorers().UpsertOnlineScoringConfig(exp, "safety", 0.25,
                                                         std::string("trace.status = 'OK'"));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  auto configs = this->scorers().GetOnlineScoringConfigs({v->scorer_id, "unknown"});
  ASSERT_TRUE(configs.ok());
  ASSERT_EQ(configs->size(), 1u);
  EXPECT_DOUBLE_EQ((*configs)[0].sample_rate, 0.25);
  EXPECT_EQ((*configs)[0].filter_string, "trace.status = 'OK'");
  EXPECT_THAT(this->scorers().UpsertOnlineScoringConfig(exp, "safety", 1.5, std::nullopt),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(this->scorers().UpsertOnlineScoringConfig(exp, "safety", 0.5, std::string("a ==")),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(this->scorers().UpsertOnlineScoringConfig(exp, "none", 0.5, std::nullopt),
              StatusIs(StatusCode::kNotFound));
  ASSERT_TRUE(this->scorers().DeleteScorer(exp, "safety", std::nullopt).ok());
  EXPECT_TRUE(this->scorers().GetOnlineScoringConfigs({v->scorer_id})->empty());
}

}  // namespace
}  // namespace tracelake::storage::testing
