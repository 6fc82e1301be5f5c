// A real in-memory TraceStore behind the MLflow routes, called without a network: requests are
// HttpRequest objects matched by the Router exactly as the HTTP server does.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "model/span.h"
#include "server/http/router.h"
#include "server/mlflow/api.h"
#include "server/mlflow/params.h"
#include "storage/backend.h"

namespace tracelake::server::testing {

using Query = std::vector<std::pair<std::string, std::string>>;

// 2025-01-02T03:04:05Z, a round number the golden files use.
inline constexpr int64_t kT0 = 1735787045LL * 1000000000LL;
inline constexpr int64_t kMs = 1000000;

// Trace id with the given last byte (tr-0000...00NN).
TraceId TestTraceId(uint8_t n);
SpanId TestSpanId(uint8_t n);
// A span of `trace`; parent 0 makes a root. Times are offsets from kT0 in ms.
model::Span TestSpan(const TraceId& trace, uint8_t id, uint8_t parent, std::string name,
                     int64_t start_ms, int64_t end_ms, model::Attributes attributes = {});

class MlflowApiTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // One request through the router; 404/405 as the HTTP server would answer them.
  HttpResponse Call(const std::string& method, const std::string& path,
                    const std::string& body = "", const Query& query = {});
  // Asserts a 200 JSON answer and returns it (a null Json on failure, after a test failure).
  Json Ok(const std::string& method, const std::string& path, const Json& body = Json(),
          const Query& query = {});
  // Asserts an MLflow error answer with this HTTP status and error code; returns its message.
  std::string Error(const HttpResponse& res, int status, const std::string& code);

  std::string CreateExperiment(const std::string& name);
  // Normalizes and ingests spans into an experiment.
  void Ingest(const std::string& experiment_id, std::vector<model::Span> spans);
  // A finished three-span trace (root "agent" with an LLM child and a tool child), ingested.
  TraceId IngestAgentTrace(const std::string& experiment_id, uint8_t n);

  FakeClock clock_{kT0 + 60000 * kMs};
  std::atomic<int> next_trace_{200};
  std::unique_ptr<storage::Backend> store_;
  Router router_;
};

// tests/data/mlflow/<name>. With TRACELAKE_UPDATE_GOLDENS=1 in the environment, writes
// `actual` there instead of comparing (review the diff before committing).
Json ReadTestData(const std::string& name);
void ExpectMatchesGolden(const Json& actual, const std::string& name);

// Removes fields that depend on the wall clock (experiment and assessment times).
Json WithoutVolatileFields(Json j);

}  // namespace tracelake::server::testing
