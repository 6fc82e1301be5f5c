// MLflow 3's trace-metrics endpoint (POST /api/3.0/mlflow/traces/metrics) through the router:
// MLflow's metric/aggregation/dimension rules and value names, exact (interpolated)
// percentiles, ISO time buckets, inclusive time ranges, MLflow's metric filters, assessments,
// and MLflow-shaped errors.
#include <gtest/gtest.h>

#include "model/normalize.h"
#include "model/price_table.h"
#include "test_util.h"
#include "storage/metric_values.h"

namespace tracelake::server::testing {
namespace {

constexpr const char* kPath = "/api/3.0/mlflow/traces/metrics";
constexpr int64_t kT0Ms = kT0 / kMs;
constexpr int64_t kHourMs = 3'600'000;

model::Attributes Chat(const std::string& model, int64_t in, int64_t out) {
  return {{"gen_ai.operation.name", model::AnyValue("chat")},
          {"gen_ai.request.model", model::AnyValue(model)},
          {"gen_ai.system", model::AnyValue("openai")},
          {"gen_ai.usage.input_tokens", model::AnyValue(in)},
          {"gen_ai.usage.output_tokens", model::AnyValue(out)}};
}

// What the ingestor does with the deployment's prices (gpt-4o: $2.50 in, $10 out per 1M).
model::Span Priced(model::Span s) {
  static const model::PriceTable kPrices =
      *model::PriceTable::FromJson(R"({"models": {"gpt-4o": {"input": 2.5, "output": 10}}})");
  model::NormalizeSpan(s);
  model::PriceSpan(s, kPrices);
  return s;
}

model::Span Failed(model::Span s) {
  s.status_code = model::SpanStatusCode::kError;
  return s;
}

class TraceMetricsApiTest : public MlflowApiTest {
 protected:
  void SetUp() override {
    MlflowApiTest::SetUp();
    exp_ = CreateExperiment("trace-metrics");
    t1_ = TestTraceId(1);
    t2_ = TestTraceId(2);
    t3_ = TestTraceId(3);
    t4_ = TestTraceId(4);
    // Three traces in the hour of kT0 (agent 100 ms, agent 200 ms, workflow 300 ms failing),
    // one agent of 400 ms two hours later.
    Ingest(exp_, {TestSpan(t1_, 1, 0, "agent", 0, 100),
                  Priced(TestSpan(t1_, 2, 1, "llm", 10, 60, Chat("gpt-4o", 100, 10))),
                  TestSpan(t2_, 1, 0, "agent", 1000, 1200),
                  Priced(TestSpan(t2_, 2, 1, "llm", 1010, 1090, Chat("gpt-4o", 300, 30))),
                  Failed(TestSpan(t3_, 1, 0, "workflow", 2000, 2300)),
                  Failed(TestSpan(t3_, 2, 1, "tool", 2010, 2020,
                                  {{"mlflow.spanType", model::AnyValue("\"TOOL\"")}})),
                  TestSpan(t4_, 1, 0, "agent", 2 * kHourMs, 2 * kHourMs + 400)});
  }

  Json Query(Json body) {
    body["experiment_ids"] = {exp_};
    return Ok("POST", kPath, body);
  }
  std::string QueryError(Json body, int status = 400,
                         const std::string& code = "INVALID_PARAMETER_VALUE") {
    if (!body.contains("experiment_ids")) body["experiment_ids"] = {exp_};
    return Error(Call("POST", kPath, body.dump()), status, code);
  }
  static Json Aggs(std::initializer_list<const char*> types) {
    Json a = Json::array();
    for (const char* t : types) a.push_back({{"aggregation_type", t}});
    return a;
  }
  static Json Pct(double p) {
    return {{"aggregation_type", "PERCENTILE"}, {"percentile_value", p}};
  }
  void AddFeedback(const TraceId& t, const std::string& name, const std::string& value_json,
                   int64_t create_ms = kT0Ms) {
    model::Assessment a;
    a.trace_id = MlflowTraceId(t);
    a.assessment_name = name;
    a.source = {model::AssessmentSourceType::kHuman, "me"};
    a.create_time_ms = a.last_update_time_ms = create_ms;
    a.feedback = model::Feedback{value_json, std::nullopt};
    auto created = store_->assessments().CreateAssessment(a);
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    last_assessment_ = created->assessment_id;
  }

  std::string exp_, last_assessment_;
  TraceId t1_, t2_, t3_, t4_;
};

TEST_F(TraceMetricsApiTest, CountsTracesByStatusAndName) {
  Json r = Query({{"view_type", "TRACES"},
                  {"metric_name", "trace_count"},
                  {"aggregations", Aggs({"COUNT"})},
                  {"dimensions", {"trace_status"}}});
  ASSERT_EQ(r["data_points"].size(), 2u) << r.dump();
  EXPECT_EQ(r["data_points"][0], Json({{"metric_name", "trace_count"},
                                       {"dimensions", {{"trace_status", "ERROR"}}},
                                       {"values", {{"COUNT", 1.0}}}}));
  EXPECT_EQ(r["data_points"][1]["dimensions"]["trace_status"], "OK");
  EXPECT_EQ(r["data_points"][1]["values"]["COUNT"], 3.0);

  // The name is the root span's, unless the mlflow.traceName tag says otherwise.
  ASSERT_TRUE(store_->traces().SetTraceTag(t4_, "mlflow.traceName", "batch").ok());
  r = Query({{"view_type", 1},
             {"metric_name", "trace_count"},
             {"aggregations", Aggs({"COUNT"})},
             {"dimensions", {"trace_name"}}});
  ASSERT_EQ(r["data_points"].size(), 3u) << r.dump();
  EXPECT_EQ(r["data_points"][0]["dimensions"]["trace_name"], "agent");
  EXPECT_EQ(r["data_points"][0]["values"]["COUNT"], 2.0);
  EXPECT_EQ(r["data_points"][1]["dimensions"]["trace_name"], "batch");
  EXPECT_EQ(r["data_points"][2]["dimensions"]["trace_name"], "workflow");
}

TEST_F(TraceMetricsApiTest, LatencyAverageAndInterpolatedPercentiles) {
  Json r = Query({{"view_type", "TRACES"},
                  {"metric_name", "latency"},
                  {"aggregations", {{{"aggregation_type", "AVG"}}, Pct(50), Pct(95), Pct(99.9)}},
                  {"dimensions", {"trace_name"}}});
  ASSERT_EQ(r["data_points"].size(), 2u) << r.dump();
  const Json& agent = r["data_points"][0];
  EXPECT_EQ(agent["dimensions"]["trace_name"], "agent");
  // [100, 200, 400]: numpy.percentile's linear interpolation, as MLflow's SQL store.
  EXPECT_NEAR(agent["values"]["AVG"].get<double>(), 700.0 / 3, 1e-9);
  EXPECT_DOUBLE_EQ(agent["values"]["P50.0"].get<double>(), 200);
  EXPECT_DOUBLE_EQ(agent["values"]["P95.0"].get<double>(), 380);
  EXPECT_NEAR(agent["values"]["P99.9"].get<double>(), 399.6, 1e-9);
  EXPECT_EQ(r["data_points"][1]["values"]["P95.0"], 300.0);

  // MIN and MAX (tracelake's addition for value metrics).
  r = Query({{"view_type", "TRACES"},
             {"metric_name", "latency"},
             {"aggregations", Aggs({"MIN", "MAX"})}});
  EXPECT_EQ(r["data_points"][0]["values"], Json({{"MIN", 100.0}, {"MAX", 400.0}}));
}

TEST_F(TraceMetricsApiTest, TokenMetricsCountTracesThatReportUsage) {
  Json r = Query(
      {{"view_type", "TRACES"},
       {"metric_name", "total_tokens"},
       {"aggregations", {{{"aggregation_type", "SUM"}}, {{"aggregation_type", "AVG"}}, Pct(50)}}});
  ASSERT_EQ(r["data_points"].size(), 1u) << r.dump();
  EXPECT_EQ(r["data_points"][0]["dimensions"], Json::object());
  EXPECT_EQ(r["data_points"][0]["values"],
            Json({{"SUM", 440.0}, {"AVG", 220.0}, {"P50.0", 220.0}}));
  r = Query({{"view_type", "TRACES"},
             {"metric_name", "input_tokens"},
             {"aggregations", Aggs({"SUM"})},
             {"dimensions", {"trace_name"}}});
  ASSERT_EQ(r["data_points"].size(), 1u) << "workflow reports no usage: " << r.dump();
  EXPECT_EQ(r["data_points"][0]["values"]["SUM"], 400.0);
  // No row at all: SUM is NULL and the point is dropped; COUNT alone still answers 0.
  r = Query({{"view_type", "TRACES"},
             {"metric_name", "output_tokens"},
             {"aggregations", Aggs({"SUM"})},
             {"filters", {"trace.status = 'ERROR'"}}});
  EXPECT_EQ(r["data_points"], Json::array());
  r = Query({{"view_type", "TRACES"},
             {"metric_name", "trace_count"},
             {"aggregations", Aggs({"COUNT"})},
             {"filters", {"trace.status = 'IN_PROGRESS'"}}});
  EXPECT_EQ(r["data_points"][0]["values"], Json({{"COUNT", 0.0}}));
}

TEST_F(TraceMetricsApiTest, TimeBucketsAreIsoAndRangesInclusive) {
  const int64_t hour0 = kT0Ms / kHourMs * kHourMs;
  Json r = Query({{"view_type", "TRACES"},
                  {"metric_name", "trace_count"},
                  {"aggregations", Aggs({"COUNT"})},
                  {"time_interval_seconds", 3600},
                  {"start_time_ms", hour0},
                  {"end_time_ms", hour0 + 3 * kHourMs},
                  {"dimensions", {"trace_status"}}});
  ASSERT_EQ(r["data_points"].size(), 3u) << r.dump();
  EXPECT_EQ(r["data_points"][0]["dimensions"],
            Json({{"time_bucket", "2025-01-02T03:00:00+00:00"}, {"trace_status", "ERROR"}}));
  EXPECT_EQ(r["data_points"][1]["dimensions"]["time_bucket"], "2025-01-02T03:00:00+00:00");
  EXPECT_EQ(r["data_points"][1]["values"]["COUNT"], 2.0);
  EXPECT_EQ(r["data_points"][2]["dimensions"]["time_bucket"], "2025-01-02T05:00:00+00:00");

  const int64_t t4_ms = kT0Ms + 2 * kHourMs;
  auto count = [&](int64_t start, int64_t end) {
    Json q = Query({{"view_type", "TRACES"},
                    {"metric_name", "trace_count"},
                    {"aggregations", Aggs({"COUNT"})},
                    {"start_time_ms", start},
                    {"end_time_ms", end}});
    return q["data_points"][0]["values"]["COUNT"];
  };
  EXPECT_EQ(count(kT0Ms, t4_ms), 4.0);
  EXPECT_EQ(count(kT0Ms, t4_ms - 1), 3.0);
  EXPECT_EQ(count(kT0Ms + 1, t4_ms), 3.0);

  QueryError({{"view_type", "TRACES"},
              {"metric_name", "trace_count"},
              {"aggregations", Aggs({"COUNT"})},
              {"time_interval_seconds", 60}});
}

TEST_F(TraceMetricsApiTest, TraceFiltersOnStatusTagsAndMetadata) {
  ASSERT_TRUE(store_->traces().SetTraceTag(t1_, "model.version", "v1").ok());
  ASSERT_TRUE(store_->traces().SetTraceMetadata(t2_, "mlflow.sourceRun", "run-1").ok());
  auto count = [&](std::vector<std::string> filters) {
    Json r = Query({{"view_type", "TRACES"},
                    {"metric_name", "trace_count"},
                    {"aggregations", Aggs({"COUNT"})},
                    {"filters", filters}});
    return r["data_points"][0]["values"]["COUNT"];
  };
  EXPECT_EQ(count({"trace.status = 'OK'"}), 3.0);
  EXPECT_EQ(count({"trace.status = \"ERROR\""}), 1.0);
  EXPECT_EQ(count({"trace.tag.`model.version` = 'v1'"}), 1.0);
  EXPECT_EQ(count({"trace.metadata.`mlflow.sourceRun` = 'run-1'"}), 1.0);
  EXPECT_EQ(count({"trace.metadata.`mlflow.sourceRun` = 'run-1'", "trace.status = 'ERROR'"}), 0.0);

  const std::pair<const char*, const char*> kBad[] = {
      {"status = 'OK'", "Invalid identifier 'status'"},
      {"trace.status != 'OK'", "Invalid comparator: '!='"},
      {"trace.status LIKE 'O%'", "only '=' operator is supported"},
      {"trace.unsupported_field = 'x'", "Invalid entity 'unsupported_field' specified"},
      {"trace.status.extra = 'x'", "does not require a key"},
      {"trace.tag = 'x'", "requires a key"},
      {"span.status = 'OK'", "Filtering by span is only supported for SPANS view type"},
      {"assessment.type = 'feedback'",
       "Filtering by assessment is only supported for ASSESSMENTS view type"},
      {"trace.status = OK", "expected a quoted string"},
      {"trace.status = 'OK' AND trace.tag.a = 'b'", "one comparison per filter"},
  };
  for (const auto& [filter, message] : kBad) {
    std::string m = QueryError({{"view_type", "TRACES"},
                                {"metric_name", "trace_count"},
                                {"aggregations", Aggs({"COUNT"})},
                                {"filters", {filter}}});
    EXPECT_NE(m.find(message), std::string::npos) << filter << " -> " << m;
  }
}

TEST_F(TraceMetricsApiTest, SpanCountsLatencyAndSpanFilters) {
  Json r = Query({{"view_type", "SPANS"},
                  {"metric_name", "span_count"},
                  {"aggregations", Aggs({"COUNT"})},
                  {"dimensions", {"span_status"}}});
  ASSERT_EQ(r["data_points"].size(), 2u) << r.dump();
  EXPECT_EQ(r["data_points"][0]["dimensions"]["span_status"], "ERROR");
  EXPECT_EQ(r["data_points"][0]["values"]["COUNT"], 2.0);
  EXPECT_EQ(r["data_points"][1]["values"]["COUNT"], 5.0);

  r = Query({{"view_type", "SPANS"},
             {"metric_name", "span_count"},
             {"aggregations", Aggs({"COUNT"})},
             {"dimensions", {"span_type", "span_name"}},
             {"filters", {"span.type = 'TOOL'"}}});
  ASSERT_EQ(r["data_points"].size(), 1u) << r.dump();
  EXPECT_EQ(r["data_points"][0]["dimensions"],
            Json({{"span_type", "TOOL"}, {"span_name", "tool"}}));

  // Spans without a model have no span_model_name and are left out.
  r = Query({{"view_type", "SPANS"},
             {"metric_name", "span_count"},
             {"aggregations", Aggs({"COUNT"})},
             {"dimensions", {"span_model_name"}}});
  ASSERT_EQ(r["data_points"].size(), 1u) << r.dump();
  EXPECT_EQ(r["data_points"][0]["dimensions"]["span_model_name"], "gpt-4o");
  EXPECT_EQ(r["data_points"][0]["values"]["COUNT"], 2.0);

  r = Query({{"view_type", "SPANS"},
             {"metric_name", "latency"},
             {"aggregations", {{{"aggregation_type", "AVG"}}, Pct(50)}},
             {"dimensions", {"span_name"}},
             {"filters", {"span.name = 'llm'"}}});
  ASSERT_EQ(r["data_points"].size(), 1u) << r.dump();
  EXPECT_EQ(r["data_points"][0]["values"], Json({{"AVG", 65.0}, {"P50.0", 65.0}}));

  // Trace filters select the spans of matching traces; span.status filters spans themselves.
  r = Query({{"view_type", "SPANS"},
             {"metric_name", "span_count"},
             {"aggregations", Aggs({"COUNT"})},
             {"filters", {"trace.status = 'ERROR'"}}});
  EXPECT_EQ(r["data_points"][0]["values"]["COUNT"], 2.0);
  r = Query({{"view_type", "SPANS"},
             {"metric_name", "span_count"},
             {"aggregations", Aggs({"COUNT"})},
             {"filters", {"span.status = 'OK'", "span.model = 'gpt-4o'"}}});
  EXPECT_EQ(r["data_points"][0]["values"]["COUNT"], 2.0);

  // A span is placed in time by its own start.
  const int64_t hour0 = kT0Ms / kHourMs * kHourMs;
  r = Query({{"view_type", "SPANS"},
             {"metric_name", "span_count"},
             {"aggregations", Aggs({"COUNT"})},
             {"time_interval_seconds", 3600},
             {"start_time_ms", hour0},
             {"end_time_ms", hour0 + 3 * kHourMs}});
  ASSERT_EQ(r["data_points"].size(), 2u) << r.dump();
  EXPECT_EQ(r["data_points"][0]["values"]["COUNT"], 6.0);
  EXPECT_EQ(r["data_points"][1]["dimensions"]["time_bucket"], "2025-01-02T05:00:00+00:00");
}

TEST_F(TraceMetricsApiTest, AssessmentCountsAndNumericValues) {
  AddFeedback(t1_, "correct", "true");
  AddFeedback(t1_, "correct", "false");
  AddFeedback(t2_, "correct", "true");
  AddFeedback(t1_, "score", "0.5");
  AddFeedback(t2_, "score", "1.5", kT0Ms + 2 * kHourMs);
  AddFeedback(t2_, "verdict", "\"yes\"");
  AddFeedback(t3_, "verdict", "\"no\"");
  AddFeedback(t3_, "quality", "\"high\"");
  // An overridden assessment is invalid and left out.
  AddFeedback(t3_, "score", "100");
  {
    model::Assessment a;
    a.trace_id = MlflowTraceId(t3_);
    a.assessment_name = "score";
    a.source = {model::AssessmentSourceType::kHuman, "me"};
    a.create_time_ms = a.last_update_time_ms = kT0Ms;
    a.feedback = model::Feedback{"2.5", std::nullopt};
    a.overrides = last_assessment_;
    ASSERT_TRUE(store_->assessments().CreateAssessment(a).ok());
  }

  Json r = Query({{"view_type", "ASSESSMENTS"},
                  {"metric_name", "assessment_count"},
                  {"aggregations", Aggs({"COUNT"})},
                  {"dimensions", {"assessment_name"}}});
  ASSERT_EQ(r["data_points"].size(), 4u) << r.dump();
  EXPECT_EQ(r["data_points"][0]["dimensions"]["assessment_name"], "correct");
  EXPECT_EQ(r["data_points"][0]["values"]["COUNT"], 3.0);
  EXPECT_EQ(r["data_points"][2]["dimensions"]["assessment_name"], "score");
  EXPECT_EQ(r["data_points"][2]["values"]["COUNT"], 3.0);

  r = Query({{"view_type", "ASSESSMENTS"},
             {"metric_name", "assessment_count"},
             {"aggregations", Aggs({"COUNT"})},
             {"dimensions", {"assessment_name", "assessment_value"}},
             {"filters", {"assessment.name = 'correct'"}}});
  ASSERT_EQ(r["data_points"].size(), 2u) << r.dump();
  EXPECT_EQ(r["data_points"][0]["dimensions"]["assessment_value"], "false");
  EXPECT_EQ(r["data_points"][1]["dimensions"]["assessment_value"], "true");
  EXPECT_EQ(r["data_points"][1]["values"]["COUNT"], 2.0);

  // true/yes -> 1, false/no -> 0, numbers as they are; "high" has no numeric value.
  r = Query({{"view_type", "ASSESSMENTS"},
             {"metric_name", "assessment_value"},
             {"aggregations", {{{"aggregation_type", "AVG"}}, Pct(50)}},
             {"dimensions", {"assessment_name"}}});
  ASSERT_EQ(r["data_points"].size(), 3u) << "quality has no numeric value: " << r.dump();
  EXPECT_NEAR(r["data_points"][0]["values"]["AVG"].get<double>(), 2.0 / 3, 1e-12);
  EXPECT_EQ(r["data_points"][1]["dimensions"]["assessment_name"], "score");
  EXPECT_NEAR(r["data_points"][1]["values"]["AVG"].get<double>(), 1.5, 1e-12);  // 0.5 1.5 2.5
  EXPECT_EQ(r["data_points"][2]["values"]["AVG"], 0.5);

  // Assessments fall in the bucket of their creation time.
  const int64_t hour0 = kT0Ms / kHourMs * kHourMs;
  r = Query({{"view_type", "ASSESSMENTS"},
             {"metric_name", "assessment_value"},
             {"aggregations", Aggs({"AVG"})},
             {"time_interval_seconds", 3600},
             {"start_time_ms", hour0},
             {"end_time_ms", hour0 + 3 * kHourMs},
             {"filters", {"assessment.name = 'score'", "assessment.type = 'feedback'"}}});
  ASSERT_EQ(r["data_points"].size(), 2u) << r.dump();
  EXPECT_EQ(r["data_points"][0]["values"]["AVG"], 1.5);  // 0.5 and 2.5
  EXPECT_EQ(r["data_points"][1]["values"]["AVG"], 1.5);
  r = Query({{"view_type", "ASSESSMENTS"},
             {"metric_name", "assessment_count"},
             {"aggregations", Aggs({"COUNT"})},
             {"filters", {"assessment.type = 'expectation'"}}});
  EXPECT_EQ(r["data_points"][0]["values"]["COUNT"], 0.0);
}

TEST_F(TraceMetricsApiTest, MaxResultsCutsOrderedPoints) {
  Json r = Query({{"view_type", "TRACES"},
                  {"metric_name", "trace_count"},
                  {"aggregations", Aggs({"COUNT"})},
                  {"dimensions", {"trace_name"}},
                  {"max_results", 1},
                  {"page_token", "ignored"}});
  ASSERT_EQ(r["data_points"].size(), 1u) << r.dump();
  EXPECT_EQ(r["data_points"][0]["dimensions"]["trace_name"], "agent");
  EXPECT_FALSE(r.contains("next_page_token"));
}

TEST_F(TraceMetricsApiTest, RejectsInvalidRequestsWithMlflowErrors) {
  auto traces = [](Json extra) {
    Json b = {{"view_type", "TRACES"}, {"metric_name", "latency"}, {"aggregations", Aggs({"AVG"})}};
    if (extra.is_object()) b.update(extra);
    return b;
  };
  EXPECT_NE(QueryError(traces({{"view_type", "RUNS"}})).find("view_type"), std::string::npos);
  EXPECT_NE(QueryError(traces({{"metric_name", "bogus"}})).find("metric_name must be one of"),
            std::string::npos);
  EXPECT_NE(QueryError(traces({{"aggregations", Aggs({"SUM", "COUNT"})}}))
                .find("Found invalid aggregation_type(s): ['COUNT', 'SUM']. Supported aggregation "
                      "types: ['AVG', 'MAX', 'MIN', 'PERCENTILE']"),
            std::string::npos);
  EXPECT_NE(QueryError(traces({{"dimensions", {"trace_status"}}}))
                .find("Found invalid dimension(s): ['trace_status']. Supported dimensions: "
                      "['trace_name']"),
            std::string::npos);
  EXPECT_NE(QueryError(traces({{"aggregations", {{{"aggregation_type", "PERCENTILE"}}}}}))
                .find("Percentile value is required"),
            std::string::npos);
  EXPECT_NE(QueryError(traces({{"aggregations", {Pct(101)}}})).find("between 0 and 100, got 101.0"),
            std::string::npos);
  // Non-finite percentiles (as strings: JSON has no NaN) are a 400 naming Python's repr.
  for (const char* bad : {"nan", "inf", "-inf"}) {
    EXPECT_NE(
        QueryError(traces({{"aggregations",
                            {{{"aggregation_type", "PERCENTILE"}, {"percentile_value", bad}}}}}))
            .find(std::string("between 0 and 100, got ") + bad),
        std::string::npos)
        << bad;
  }
  EXPECT_NE(QueryError(traces({{"aggregations",
                                {{{"aggregation_type", "AVG"}, {"percentile_value", 5}}}}}))
                .find("only allowed for PERCENTILE"),
            std::string::npos);
  EXPECT_NE(QueryError(traces({{"aggregations", Json::array()}})).find("aggregations"),
            std::string::npos);
  Json no_metric = traces({});
  no_metric.erase("metric_name");
  QueryError(no_metric);
  // Metrics MLflow has that tracelake cannot compute are refused, never answered with 0.
  EXPECT_NE(QueryError(traces({{"metric_name", "cache_creation_input_tokens"},
                               {"aggregations", Aggs({"SUM"})}}))
                .find("not supported by tracelake"),
            std::string::npos);
  QueryError(traces({{"experiment_ids", {"999"}}}), 404, "RESOURCE_DOES_NOT_EXIST");
}

TEST_F(TraceMetricsApiTest, SpanCostsSumTheStoredMlflowLlmCost) {
  // t1's call: 100 in, 10 out; t2's: 300 in, 30 out; other spans have no cost and are no rows.
  const double in1 = 100 * 2.5 / 1e6, out1 = 10 * 10 / 1e6, in2 = 300 * 2.5 / 1e6,
               out2 = 30 * 10 / 1e6;
  Json total = Query({{"view_type", "SPANS"},
                      {"metric_name", "total_cost"},
                      {"aggregations", Aggs({"SUM", "AVG", "MAX"})},
                      {"dimensions", {"span_model_name"}}});
  ASSERT_EQ(total["data_points"].size(), 1u) << total.dump();
  const Json& p = total["data_points"][0];
  EXPECT_EQ(p["metric_name"], "total_cost");
  EXPECT_EQ(p["dimensions"]["span_model_name"], "gpt-4o");
  EXPECT_NEAR(p["values"]["SUM"].get<double>(), in1 + out1 + in2 + out2, 1e-12);
  EXPECT_NEAR(p["values"]["AVG"].get<double>(), (in1 + out1 + in2 + out2) / 2, 1e-12);
  EXPECT_NEAR(p["values"]["MAX"].get<double>(), in2 + out2, 1e-12);

  Json input = Query(
      {{"view_type", "SPANS"}, {"metric_name", "input_cost"}, {"aggregations", Aggs({"SUM"})}});
  ASSERT_EQ(input["data_points"].size(), 1u) << input.dump();
  EXPECT_NEAR(input["data_points"][0]["values"]["SUM"].get<double>(), in1 + in2, 1e-12);
  Json output = Query({{"view_type", "SPANS"},
                       {"metric_name", "output_cost"},
                       {"aggregations", {Pct(50)}},
                       {"time_interval_seconds", 3600},
                       {"start_time_ms", kT0Ms},
                       {"end_time_ms", kT0Ms + 3 * kHourMs}});
  ASSERT_EQ(output["data_points"].size(), 1u) << output.dump();
  EXPECT_NEAR(output["data_points"][0]["values"]["P50.0"].get<double>(), (out1 + out2) / 2, 1e-12);
  // By provider (span_model_provider), and the span.model_provider filter.
  Json by_provider = Query({{"view_type", "SPANS"},
                            {"metric_name", "total_cost"},
                            {"aggregations", Aggs({"SUM"})},
                            {"dimensions", {"span_model_provider"}}});
  ASSERT_EQ(by_provider["data_points"].size(), 1u) << by_provider.dump();
  EXPECT_EQ(by_provider["data_points"][0]["dimensions"]["span_model_provider"], "openai");
  Json count = Query({{"view_type", "SPANS"},
                      {"metric_name", "span_count"},
                      {"aggregations", Aggs({"COUNT"})},
                      {"filters", {"span.model_provider = 'openai'"}}});
  ASSERT_EQ(count["data_points"].size(), 1u) << count.dump();
  EXPECT_EQ(count["data_points"][0]["values"]["COUNT"], 2);
  // COUNT is not an aggregation MLflow allows for cost.
  QueryError({{"view_type", "SPANS"}, {"metric_name", "total_cost"}, {"aggregations", Aggs({"COUNT"})}});
}

TEST(MetricValuesTest, AggregatesLikeSql) {
  storage::ValueCell cell;
  cell.count = 5;
  cell.values = {40, 10, 30, 20};  // one row without a value
  using storage::ValueAggregation;
  EXPECT_EQ(storage::AggregateValues(cell, ValueAggregation::kCount), 5);
  EXPECT_EQ(storage::AggregateValues(cell, ValueAggregation::kSum), 100);
  EXPECT_EQ(storage::AggregateValues(cell, ValueAggregation::kAvg), 25);
  EXPECT_EQ(storage::AggregateValues(cell, ValueAggregation::kMin), 10);
  EXPECT_EQ(storage::AggregateValues(cell, ValueAggregation::kMax), 40);
  EXPECT_EQ(storage::AggregateValues(cell, ValueAggregation::kPercentile, 0), 10);
  EXPECT_EQ(storage::AggregateValues(cell, ValueAggregation::kPercentile, 100), 40);
  EXPECT_DOUBLE_EQ(*storage::AggregateValues(cell, ValueAggregation::kPercentile, 50), 25);
  EXPECT_DOUBLE_EQ(*storage::AggregateValues(cell, ValueAggregation::kPercentile, 90), 37);
  storage::ValueCell empty;
  EXPECT_EQ(storage::AggregateValues(empty, ValueAggregation::kCount), 0);
  EXPECT_FALSE(storage::AggregateValues(empty, ValueAggregation::kAvg));
  EXPECT_FALSE(storage::AggregateValues(empty, ValueAggregation::kPercentile, 50));

  EXPECT_EQ(storage::AssessmentNumericValue("true"), 1);
  EXPECT_EQ(storage::AssessmentNumericValue("\"no\""), 0);
  EXPECT_EQ(storage::AssessmentNumericValue("-2.5e1"), -25);
  EXPECT_FALSE(storage::AssessmentNumericValue("null"));
  EXPECT_FALSE(storage::AssessmentNumericValue("\"4\""));
  EXPECT_FALSE(storage::AssessmentNumericValue("[1]"));
  EXPECT_FALSE(storage::AssessmentNumericValue(""));
}

}  // namespace
}  // namespace tracelake::server::testing
