#include "test_util.h"

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "model/normalize.h"
#include "server/tracelake/metrics_query.h"

namespace tracelake::server::testing {

TraceId TestTraceId(uint8_t n) {
  TraceId id;
  id.bytes[0] = 0xab;
  id.bytes[15] = n;
  return id;
}

SpanId TestSpanId(uint8_t n) {
  SpanId id;
  id.bytes[0] = 0x5c;
  id.bytes[7] = n;
  return id;
}

model::Span TestSpan(const TraceId& trace, uint8_t id, uint8_t parent, std::string name,
                     int64_t start_ms, int64_t end_ms, model::Attributes attributes) {
  model::Span s;
  s.trace_id = trace;
  s.span_id = TestSpanId(id);
  if (parent != 0) s.parent_span_id = TestSpanId(parent);
  s.name = std::move(name);
  s.kind = model::SpanKind::kInternal;
  s.start_time_unix_nano = static_cast<uint64_t>(kT0 + start_ms * kMs);
  s.end_time_unix_nano = static_cast<uint64_t>(kT0 + end_ms * kMs);
  s.status_code = model::SpanStatusCode::kOk;
  s.attributes = std::move(attributes);
  s.resource = std::make_shared<const model::Resource>();
  s.scope = std::make_shared<const model::Scope>();
  return s;
}

void MlflowApiTest::SetUp() {
  auto store = storage::OpenBackend("sqlite:///:memory:");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  store_ = std::move(*store);
  MlflowApiOptions options;
  options.clock = &clock_;
  options.new_trace_id = [this] {
    return TestTraceId(static_cast<uint8_t>(next_trace_.fetch_add(1)));
  };
  RegisterMlflowRoutes(router_, *store_, options);
  RegisterMetricsQueryRoutes(router_, store_->metrics(), store_->experiments(),
                             MetricsQueryOptions());
}

void MlflowApiTest::TearDown() {
  if (store_) store_->Shutdown(std::chrono::seconds(5)).IgnoreError();
}

HttpResponse MlflowApiTest::Call(const std::string& method, const std::string& path,
                                 const std::string& body, const Query& query) {
  HttpRequest req;
  req.method = method;
  req.path = path;
  req.query = query;
  req.body = body;
  if (!body.empty()) req.headers["content-type"] = "application/json";
  HttpResponse res;
  const Handler* handler = nullptr;
  switch (router_.Match(method, path, req.path_params, &handler)) {
    case Router::MatchResult::kFound:
      (*handler)(req, res);
      break;
    case Router::MatchResult::kMethodNotAllowed:
      res.status = 405;
      break;
    case Router::MatchResult::kNotFound:
      res.status = 404;
      break;
  }
  return res;
}

Json MlflowApiTest::Ok(const std::string& method, const std::string& path, const Json& body,
                       const Query& query) {
  HttpResponse res = Call(method, path, body.is_null() ? "" : body.dump(), query);
  EXPECT_EQ(res.status, 200) << method << " " << path << " -> " << res.body;
  EXPECT_EQ(res.content_type, "application/json") << path;
  auto j = ParseJsonBody(res.body);
  EXPECT_TRUE(j.ok()) << res.body;
  return res.status == 200 && j.ok() ? *j : Json();
}

std::string MlflowApiTest::Error(const HttpResponse& res, int status, const std::string& code) {
  EXPECT_EQ(res.status, status) << res.body;
  EXPECT_EQ(res.content_type, "application/json");
  auto j = ParseJsonBody(res.body);
  if (!j.ok() || !j->is_object()) {
    ADD_FAILURE() << "not an MLflow error body: " << res.body;
    return "";
  }
  EXPECT_EQ(j->value("error_code", ""), code) << res.body;
  EXPECT_TRUE((*j)["message"].is_string()) << res.body;
  EXPECT_EQ(j->size(), 2u) << "MLflow errors carry exactly error_code and message: " << res.body;
  return j->value("message", "");
}

std::string MlflowApiTest::CreateExperiment(const std::string& name) {
  Json out = Ok("POST", "/api/2.0/mlflow/experiments/create", {{"name", name}});
  return out.value("experiment_id", "");
}

void MlflowApiTest::Ingest(const std::string& experiment_id, std::vector<model::Span> spans) {
  storage::IngestBatch batch;
  batch.experiment_id = experiment_id;
  for (auto& s : spans) model::NormalizeSpan(s);
  batch.spans = std::move(spans);
  Status st = store_->traces().Ingest(std::move(batch));
  ASSERT_TRUE(st.ok()) << st.ToString();
}

TraceId MlflowApiTest::IngestAgentTrace(const std::string& experiment_id, uint8_t n) {
  TraceId t = TestTraceId(n);
  std::vector<model::Span> spans;
  spans.push_back(TestSpan(t, 1, 0, "agent", 0, 1500,
                           {{"mlflow.spanType", "\"AGENT\""},
                            {"mlflow.spanInputs", "{\"question\":\"What is MLflow?\"}"},
                            {"mlflow.spanOutputs", "\"An ML platform.\""}}));
  spans.push_back(TestSpan(t, 2, 1, "chat", 100, 900,
                           {{"gen_ai.operation.name", "chat"},
                            {"gen_ai.request.model", "gpt-4o-mini"},
                            {"gen_ai.usage.input_tokens", int64_t{12}},
                            {"gen_ai.usage.output_tokens", int64_t{5}}}));
  spans.push_back(
      TestSpan(t, 3, 1, "search_docs", 950, 1400,
               {{"mlflow.spanType", "\"TOOL\""}, {"mlflow.spanInputs", "{\"q\":\"MLflow\"}"}}));
  Ingest(experiment_id, std::move(spans));
  return t;
}

Json ReadTestData(const std::string& name) {
  std::ifstream in(std::string(TRACELAKE_TEST_DATA_DIR) + "/mlflow/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  auto j = ParseJsonBody(ss.str());
  EXPECT_TRUE(in.good() || in.eof()) << "cannot read " << name;
  EXPECT_TRUE(j.ok()) << name << ": " << j.status().ToString();
  return j.ok() ? *j : Json();
}

void ExpectMatchesGolden(const Json& actual, const std::string& name) {
  const char* update = std::getenv("TRACELAKE_UPDATE_GOLDENS");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream out(std::string(TRACELAKE_TEST_DATA_DIR) + "/mlflow/" + name);
    out << actual.dump(2) << "\n";
    return;
  }
  Json expected = ReadTestData(name);
  EXPECT_EQ(actual, expected) << "golden " << name << " differs; actual:\n" << actual.dump(2);
}

Json WithoutVolatileFields(Json j) {
  if (j.is_object()) {
    for (const char* k : {"creation_time", "last_update_time", "create_time", "assessment_id"})
      j.erase(k);
  }
  if (j.is_object() || j.is_array()) {
    for (auto it = j.begin(); it != j.end(); ++it) *it = WithoutVolatileFields(std::move(*it));
  }
  return j;
}

}  // namespace tracelake::server::testing
