// Walks every route a server registers (the same RegisterServerRoutes call ServerApp makes) and
// compares (method, pattern, scope) with tests/data/server/routes.txt, so a new route or a
// changed access scope shows up in review as a diff of that file.
//
// To accept a deliberate change: TRACELAKE_UPDATE_GOLDENS=1 ./server_routes_test, then review
// `git diff tests/data/server/routes.txt`.
#include "server/server_routes.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "eval/judge_model.h"
#include "ingest/otlp_ingestor.h"
#include "llm/curl_http_client.h"
#include "server/http/router.h"
#include "server/http/scope.h"
#include "server/otlp/grpc_server.h"
#include "storage/backend.h"

namespace tracelake::server {
namespace {

const char kGoldenPath[] = TRACELAKE_TEST_DATA_DIR "/server/routes.txt";

class ServerRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = storage::OpenBackend("sqlite:///:memory:");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    ingestor_ = std::make_unique<ingest::OtlpIngestor>(store_->traces());
    judges_ =
        std::make_unique<eval::JudgeModels>(eval::JudgeModelsOptions{}, eval::Environment{}, http_);
    evaluations_ =
        std::make_unique<EvaluationService>(*store_, http_, *judges_, EvaluationOptions{});
    online_ = std::make_unique<OnlineScoringService>(*store_, *judges_, OnlineScoringOptions{});
    RegisterServerRoutes(router_, {*store_, *ingestor_, metrics_, ui_, *evaluations_, *online_},
                         ServerRouteOptions());
  }
  void TearDown() override {
    online_.reset();
    evaluations_.reset();
    if (store_) store_->Shutdown(std::chrono::seconds(5)).IgnoreError();
  }

  // "<METHOD> <pattern> <scope>" for every HTTP route, the fallback ("* <fallback> <scope>")
  // and the gRPC methods ("GRPC <method> <scope>"), sorted.
  std::vector<std::string> RouteLines() const {
    std::vector<std::string> lines;
    router_.ForEachRoute([&](std::string_view method, std::string_view pattern, Scope scope) {
      lines.push_back(std::string(method) + " " + std::string(pattern) + " " +
                      std::string(ScopeName(scope)));
    });
    if (auto scope = router_.fallback_scope())
      lines.push_back("* <fallback> " + std::string(ScopeName(*scope)));
    for (std::string_view m : kOtlpGrpcMethods)
      lines.push_back("GRPC " + std::string(m) + " " + std::string(ScopeName(kOtlpGrpcScope)));
    std::sort(lines.begin(), lines.end());
    return lines;
  }

  std::unique_ptr<storage::Backend> store_;
  std::unique_ptr<ingest::OtlpIngestor> ingestor_;
  RequestMetrics metrics_;
  StaticUi ui_{StaticUiOptions{}};
  llm::CurlHttpClient http_;
  std::unique_ptr<eval::JudgeModels> judges_;
  std::unique_ptr<EvaluationService> evaluations_;
  std::unique_ptr<OnlineScoringService> online_;
  Router router_;
};

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

TEST_F(ServerRoutesTest, EveryRouteAndScopeMatchesTheGoldenList) {
  const std::vector<std::string> actual = RouteLines();
  if (const char* update = std::getenv("TRACELAKE_UPDATE_GOLDENS"); update && *update == '1') {
    std::ofstream out(kGoldenPath, std::ios::trunc);
    for (const auto& line : actual) out << line << "\n";
    GTEST_SKIP() << "wrote " << kGoldenPath;
  }
  const std::vector<std::string> expected = ReadLines(kGoldenPath);
  ASSERT_FALSE(expected.empty()) << "missing golden file " << kGoldenPath;
  std::vector<std::string> missing, added;
  std::set_difference(expected.begin(), expected.end(), actual.begin(), actual.end(),
                      std::back_inserter(missing));
  std::set_difference(actual.begin(), actual.end(), expected.begin(), expected.end(),
                      std::back_inserter(added));
  std::ostringstream diff;
  for (const auto& l : missing) diff << "- " << l << "\n";
  for (const auto& l : added) diff << "+ " << l << "\n";
  EXPECT_TRUE(missing.empty() && added.empty() && actual.size() == expected.size())
      << "The registered routes differ from tests/data/server/routes.txt (- golden, + actual):\n"
      << diff.str()
      << "If the change is intended (a new route, or a scope decided differently), regenerate "
         "with TRACELAKE_UPDATE_GOLDENS=1 ./server_routes_test and review the diff.";
}

TEST_F(ServerRoutesTest, EveryScopeIsKnown) {
  router_.ForEachRoute([](std::string_view method, std::string_view pattern, Scope scope) {
    EXPECT_NE(ScopeName(scope), "unknown") << method << " " << pattern;
  });
  ASSERT_TRUE(router_.fallback_scope().has_value());
  EXPECT_EQ(*router_.fallback_scope(), Scope::kPublic);
}

// A GET never changes anything, so it never needs write, ingest or more than read (or admin
// for the server's own telemetry).
TEST_F(ServerRoutesTest, GetRoutesOnlyRead) {
  router_.ForEachRoute([](std::string_view method, std::string_view pattern, Scope scope) {
    if (method != "GET") return;
    EXPECT_TRUE(scope == Scope::kPublic || scope == Scope::kRead || scope == Scope::kAdmin)
        << pattern << " is " << ScopeName(scope);
  });
}

// The UI's /ajax-api/ copy of an endpoint requires exactly what its /api/ twin does.
TEST_F(ServerRoutesTest, AjaxApiTwinsShareTheirScope) {
  std::map<std::string, Scope> api, ajax;
  router_.ForEachRoute([&](std::string_view method, std::string_view pattern, Scope scope) {
    const std::string m(method);
    if (pattern.rfind("/api/", 0) == 0) api[m + " " + std::string(pattern.substr(4))] = scope;
    if (pattern.rfind("/ajax-api/", 0) == 0) ajax[m + " " + std::string(pattern.substr(9))] = scope;
  });
  EXPECT_FALSE(api.empty());
  EXPECT_EQ(api, ajax);
}

// Runs and scorers: reads (runs/search is a POST, as in MLflow) need read, writes need write.
TEST_F(ServerRoutesTest, RunAndScorerRoutesDeclareTheirScopes) {
  std::map<std::string, Scope> scopes;
  router_.ForEachRoute([&](std::string_view method, std::string_view pattern, Scope scope) {
    scopes[std::string(method) + " " + std::string(pattern)] = scope;
  });
  for (const char* read :
       {"POST /api/2.0/mlflow/runs/search", "GET /api/2.0/mlflow/runs/get",
        "GET /api/2.0/mlflow/metrics/get-history", "GET /api/3.0/mlflow/scorers/list",
        "GET /api/3.0/mlflow/scorers/get", "GET /api/3.0/mlflow/scorers/versions"})
    EXPECT_EQ(scopes[read], Scope::kRead) << read;
  for (const char* write :
       {"POST /api/2.0/mlflow/runs/create", "POST /api/2.0/mlflow/runs/log-batch",
        "POST /api/2.0/mlflow/runs/delete", "POST /api/3.0/mlflow/scorers/register",
        "DELETE /api/3.0/mlflow/scorers/delete"})
    EXPECT_EQ(scopes[write], Scope::kWrite) << write;
}

TEST(RouterScopeTest, MatchReportsTheRouteScope) {
  Router router;
  router.Add("GET", "/a/{id}", Scope::kRead, [](HttpRequest&, HttpResponse&) {});
  router.Add("POST", "/a/{id}", Scope::kWrite, [](HttpRequest&, HttpResponse&) {});
  router.SetFallback(Scope::kPublic, [](HttpRequest&, HttpResponse&) {});
  std::map<std::string, std::string> params;
  const Handler* handler = nullptr;
  Scope scope = Scope::kAdmin;
  ASSERT_EQ(router.Match("POST", "/a/1", params, &handler, &scope), Router::MatchResult::kFound);
  EXPECT_EQ(scope, Scope::kWrite);
  ASSERT_EQ(router.Match("GET", "/a/1", params, &handler, &scope), Router::MatchResult::kFound);
  EXPECT_EQ(scope, Scope::kRead);
  ASSERT_EQ(router.Match("GET", "/b", params, &handler, &scope), Router::MatchResult::kFound);
  EXPECT_EQ(scope, Scope::kPublic);

  std::vector<std::string> walked;
  router.ForEachRoute([&](std::string_view method, std::string_view pattern, Scope s) {
    walked.push_back(std::string(method) + " " + std::string(pattern) + " " +
                     std::string(ScopeName(s)));
  });
  EXPECT_EQ(walked, (std::vector<std::string>{"GET /a/{id} read", "POST /a/{id} write"}));
}

}  // namespace
}  // namespace tracelake::server
