// Every MLflow route fed malformed, mistyped and random input: the answer is always a clean
// MLflow error (4xx with {"error_code", "message"}) or a success, never a 500 or a crash.
#include <gtest/gtest.h>

#include <random>

#include "test_util.h"

namespace tracelake::server::testing {
namespace {

struct Route {
  const char* method;
  std::string path;
};

class HostileInputTest : public MlflowApiTest {
 protected:
  void SetUp() override {
    MlflowApiTest::SetUp();
    exp_ = CreateExperiment("hostile");
    IngestAgentTrace(exp_, 0x33);
  }

  std::vector<Route> Routes() const {
    const std::string t = "tr-ab000000000000000000000000000033";
    const std::string a =
        "/mlflow-artifacts/artifacts/" + exp_ + "/traces/" + t + "/artifacts/traces.json";
    return {
        {"POST", "/api/2.0/mlflow/experiments/create"},
        {"GET", "/api/2.0/mlflow/experiments/get"},
        {"GET", "/api/2.0/mlflow/experiments/get-by-name"},
        {"POST", "/api/2.0/mlflow/experiments/search"},
        {"GET", "/api/2.0/mlflow/experiments/search"},
        {"POST", "/api/2.0/mlflow/experiments/update"},
        {"POST", "/api/2.0/mlflow/experiments/delete"},
        {"POST", "/api/2.0/mlflow/experiments/restore"},
        {"POST", "/api/2.0/mlflow/experiments/set-experiment-tag"},
        {"POST", "/api/2.0/mlflow/experiments/delete-experiment-tag"},
        {"POST", "/api/3.0/mlflow/traces"},
        {"POST", "/api/2.0/mlflow/traces"},
        {"PATCH", "/api/2.0/mlflow/traces/" + t},
        {"GET", "/api/2.0/mlflow/traces/" + t + "/info"},
        {"GET", "/api/3.0/mlflow/traces/" + t},
        {"GET", "/api/3.0/mlflow/traces/get"},
        {"GET", "/api/3.0/mlflow/traces/batchGet"},
        {"POST", "/api/3.0/mlflow/traces/batchGetInfos"},
        {"POST", "/api/3.0/mlflow/traces/search"},
        {"GET", "/api/2.0/mlflow/traces"},
        {"POST", "/api/3.0/mlflow/traces/delete-traces"},
        {"POST", "/api/2.0/mlflow/traces/delete-traces"},
        {"PATCH", "/api/3.0/mlflow/traces/" + t + "/tags"},
        {"DELETE", "/api/3.0/mlflow/traces/" + t + "/tags"},
        {"PATCH", "/api/2.0/mlflow/traces/" + t + "/tags"},
        {"DELETE", "/api/2.0/mlflow/traces/" + t + "/tags"},
        {"POST", "/api/2.0/mlflow/traces/link-to-run"},
        {"POST", "/api/2.0/mlflow/traces/link-prompts"},
        {"POST", "/api/3.0/mlflow/traces/" + t + "/assessments"},
        {"PATCH", "/api/3.0/mlflow/traces/" + t + "/assessments/a-1"},
        {"PUT", "/api/2.0" + a},
        {"GET", "/api/2.0" + a},
        {"GET", "/api/2.0/mlflow-artifacts/artifacts"},
        {"GET", "/ajax-api/2.0/mlflow/get-trace-artifact"},
    };
  }

  void ExpectCleanAnswer(const Route& r, const std::string& body, const Query& query = {}) {
    HttpResponse res = Call(r.method, r.path, body, query);
    ASSERT_FALSE(res.status == 404 && res.body.empty())
        << "route not registered: " << r.method << " " << r.path;
    EXPECT_TRUE(res.status == 200 || (res.status >= 400 && res.status < 500))
        << r.method << " " << r.path << " -> " << res.status << " " << res.body.substr(0, 200);
    if (res.status != 200) {
      auto j = ParseJsonBody(res.body);
      ASSERT_TRUE(j.ok() && j->is_object() && (*j)["error_code"].is_string() &&
                  (*j)["message"].is_string())
          << r.path << ": " << res.body.substr(0, 200);
    }
  }

  std::string exp_;
};

// Values of every JSON type, put where each parameter MLflow knows is expected.
TEST_F(HostileInputTest, EveryParameterWithEveryWrongTypeIsAClientError) {
  const char* keys[] = {"name",
                        "experiment_id",
                        "experiment_ids",
                        "experiment_name",
                        "new_name",
                        "key",
                        "value",
                        "tags",
                        "max_results",
                        "order_by",
                        "filter",
                        "page_token",
                        "view_type",
                        "trace",
                        "trace_ids",
                        "request_ids",
                        "locations",
                        "max_timestamp_millis",
                        "max_traces",
                        "run_id",
                        "trace_id",
                        "prompt_versions",
                        "assessment",
                        "update_mask",
                        "timestamp_ms",
                        "status",
                        "request_metadata",
                        "spans",
                        "allow_partial",
                        "artifact_location"};
  const Json values[] = {Json(nullptr),
                         Json(true),
                         Json(-1),
                         Json(1e300),
                         Json(""),
                         Json("x"),
                         Json::array(),
                         Json::array({Json::object()}),
                         Json::object(),
                         Json({{"trace_info", {{"trace_id", 5}}}}),
                         Json(std::string(5000, 'z'))};
  for (const Route& r : Routes()) {
    for (const char* key : keys) {
      for (const Json& v : values) {
        Json body = {{key, v}};
        if (std::string(r.method) == "GET") {
          ExpectCleanAnswer(r, "", {{key, v.is_string() ? v.get<std::string>() : v.dump()}});
        } else {
          ExpectCleanAnswer(r, body.dump());
        }
      }
    }
  }
}

TEST_F(HostileInputTest, RandomBytesAndTruncatedJsonAreClientErrors) {
  std::mt19937 rng(20261124);
  const std::string valid =
      Json({{"experiment_id", exp_}, {"name", "n"}, {"trace_ids", {"tr-1"}}}).dump();
  for (const Route& r : Routes()) {
    if (std::string(r.method) == "GET") continue;
    for (int i = 0; i < 20; ++i) {
      std::string body;
      const int len = static_cast<int>(rng() % 64);
      for (int k = 0; k < len; ++k) body.push_back(static_cast<char>(rng() % 256));
      ExpectCleanAnswer(r, body);
      ExpectCleanAnswer(r, valid.substr(0, rng() % valid.size()));
    }
    ExpectCleanAnswer(r, std::string(100000, '['));
    ExpectCleanAnswer(r, std::string(300, '{'));
    ExpectCleanAnswer(r, "\"" + std::string(1000, '\\') + "\"");
  }
}

TEST_F(HostileInputTest, RandomTraceDataDocumentsNeverBreakIngest) {
  std::mt19937 rng(7);
  const Route put{"PUT", "/api/2.0/mlflow-artifacts/artifacts/" + exp_ +
                             "/traces/tr-ab000000000000000000000000000034/artifacts/traces.json"};
  Json base = ReadTestData("traces_python_v3.json");
  const std::vector<std::string> fields = {
      "trace_id",           "span_id", "parent_span_id", "name",   "start_time_unix_nano",
      "end_time_unix_nano", "status",  "attributes",     "events", "trace_state"};
  const Json junk[] = {Json(nullptr),  Json(-3),  Json("??"), Json::array({1}),
                       Json::object(), Json(1.5), Json(true)};
  base["spans"][0]["trace_id"] = "qwAAAAAAAAAAAAAAAAAANA==";  // this trace
  base["spans"][1]["trace_id"] = "qwAAAAAAAAAAAAAAAAAANA==";
  for (int i = 0; i < 300; ++i) {
    Json doc = base;
    Json& span = doc["spans"][rng() % 2];
    span[fields[rng() % fields.size()]] = junk[rng() % std::size(junk)];
    ExpectCleanAnswer(put, doc.dump());
  }
}

}  // namespace
}  // namespace tracelake::server::testing
