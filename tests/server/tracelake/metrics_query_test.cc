// The tracelake metrics endpoints through the router: request parsing, both metric levels in
// one answer, MLflow-shaped errors, trace costs.
#include <gtest/gtest.h>

#include "../mlflow/test_util.h"

namespace tracelake::server::testing {
namespace {

constexpr const char* kQuery = "/api/2.0/tracelake/metrics/query";

model::Attributes Chat(const std::string& model, int64_t in, int64_t out) {
  return {{"gen_ai.operation.name", model::AnyValue("chat")},
          {"gen_ai.request.model", model::AnyValue(model)},
          {"gen_ai.usage.input_tokens", model::AnyValue(in)},
          {"gen_ai.usage.output_tokens", model::AnyValue(out)}};
}

class MetricsQueryTest : public MlflowApiTest {
 protected:
  void SetUp() override {
    MlflowApiTest::SetUp();
    exp_ = CreateExperiment("metrics");
    const TraceId a = TestTraceId(1), b = TestTraceId(2);
    Ingest(exp_, {TestSpan(a, 1, 0, "agent", 0, 400), TestSpan(a, 2, 1, "llm", 10, 110,
                                                                 Chat("gpt-4o", 1000, 100)),
                  TestSpan(b, 1, 0, "agent", 60'000, 60'200),
                  TestSpan(b, 2, 1, "llm", 60'010, 60'050, Chat("who-knows", 10, 1))});
  }
  Json Body(Json extra) {
    const int64_t start = (kT0 / kMs) / 60'000 * 60'000;
    Json body = {{"experiment_ids", {exp_}}, {"start_time_ms", start},
                 {"end_time_ms", start + 3'600'000}};
    body.update(extra);
    return body;
  }
  std::string exp_;
};

TEST_F(MetricsQueryTest, AnswersBothLevelsInOneSeries) {
  Json r = Ok("POST", kQuery,
              Body({{"metrics", {"trace_count", "latency_p50_ms", "input_tokens", "cost_usd"}}}));
  ASSERT_EQ(r["series"].size(), 1u) << r.dump();
  const Json& v = r["series"][0]["points"][0]["values"];
  EXPECT_EQ(v["trace_count"], 2);
  EXPECT_EQ(v["input_tokens"], 1010);
  EXPECT_NEAR(v["cost_usd"].get<double>(), (1000 * 2.5 + 100 * 10) / 1e6, 1e-12);
  EXPECT_NEAR(v["latency_p50_ms"].get<double>(), 200, 2);
  EXPECT_EQ(r["source"], "rollups");
}

TEST_F(MetricsQueryTest, GroupsAndBuckets) {
  Json r = Ok("POST", kQuery, Body({{"metrics", {"cost_usd", "unpriced_tokens"}},
                                    {"group_by", {"model"}}, {"bucket_ms", 60'000}}));
  ASSERT_EQ(r["series"].size(), 3u) << r.dump();  // "", gpt-4o, who-knows
  EXPECT_EQ(r["series"][2]["group"]["model"], "who-knows");
  EXPECT_EQ(r["series"][2]["points"].size(), 60u);
  bool seen_null = false;
  for (const Json& p : r["series"][2]["points"]) {
    if (p["values"]["cost_usd"].is_null()) {
      seen_null = true;
      EXPECT_EQ(p["values"]["unpriced_tokens"], 11);
    }
  }
  EXPECT_TRUE(seen_null) << "an unpriced model's cost is null, not 0";
}

TEST_F(MetricsQueryTest, RejectsBadRequestsWithMlflowErrors) {
  Error(Call("POST", kQuery, Body({{"metrics", {"bogus"}}}).dump()), 400,
        "INVALID_PARAMETER_VALUE");
  Error(Call("POST", kQuery, Body({{"metrics", {"trace_count"}}, {"group_by", {"model"}}}).dump()),
        400, "INVALID_PARAMETER_VALUE");
  Error(Call("POST", kQuery, Body({{"metrics", {"trace_count"}}, {"filter", "status =="}}).dump()),
        400, "INVALID_PARAMETER_VALUE");
  Json no_start = Body({{"metrics", {"trace_count"}}});
  no_start.erase("start_time_ms");
  Error(Call("POST", kQuery, no_start.dump()), 400, "INVALID_PARAMETER_VALUE");
  Error(Call("POST", kQuery, Body({{"metrics", {"trace_count"}}, {"experiment_ids", {"999"}}}).dump()),
        404, "RESOURCE_DOES_NOT_EXIST");
}

TEST_F(MetricsQueryTest, TraceCosts) {
  Json r = Ok("POST", "/api/2.0/tracelake/traces/costs",
              {{"trace_ids", {MlflowTraceId(TestTraceId(1)), MlflowTraceId(TestTraceId(2)),
                              MlflowTraceId(TestTraceId(9))}}});
  ASSERT_EQ(r["traces"].size(), 3u);
  EXPECT_NEAR(r["traces"][0]["cost_usd"].get<double>(), 0.0035, 1e-12);
  EXPECT_TRUE(r["traces"][1]["cost_usd"].is_null());
  EXPECT_EQ(r["traces"][1]["unpriced_models"], Json({"who-knows"}));
  EXPECT_TRUE(r["traces"][2]["cost_usd"].is_null());
  Error(Call("POST", "/api/2.0/tracelake/traces/costs", R"({"trace_ids": ["nope"]})"), 400,
        "INVALID_PARAMETER_VALUE");
}

}  // namespace
}  // namespace tracelake::server::testing
