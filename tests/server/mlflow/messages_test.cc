#include "server/mlflow/messages.h"

#include <gtest/gtest.h>

namespace tracelake::server {
namespace {

// MLflow's clients and users match on these texts: a change here is a compatibility change.
TEST(MlflowMessagesTest, NotFoundTextsAreMlflows) {
  Status e = ExperimentNotFoundError("42");
  EXPECT_EQ(e.code(), StatusCode::kNotFound);
  EXPECT_EQ(e.message(), "No Experiment with id=42 exists");

  Status n = ExperimentNameNotFoundError("my agent");
  EXPECT_EQ(n.code(), StatusCode::kNotFound);
  EXPECT_EQ(n.message(), "Could not find experiment with name 'my agent'");

  TraceId id;
  id.bytes[15] = 0x0f;
  Status t = TraceDataNotFoundError(id);
  EXPECT_EQ(t.code(), StatusCode::kNotFound);
  EXPECT_EQ(t.message(), "Trace data not found for trace tr-0000000000000000000000000000000f");
}

}  // namespace
}  // namespace tracelake::server
