#include "server/http/errors.h"

#include <gtest/gtest.h>

#include "server/mlflow/params.h"

namespace tracelake::server {
namespace {

struct Case {
  StatusCode code;
  int http;
  const char* mlflow;
};

// mlflow/exceptions.py ERROR_CODE_TO_HTTP_STATUS for each code tracelake produces.
TEST(ErrorsTest, MapsEveryStatusCodeToMlflowCodeAndHttpStatus) {
  const Case cases[] = {
      {StatusCode::kInvalidArgument, 400, "INVALID_PARAMETER_VALUE"},
      {StatusCode::kFailedPrecondition, 400, "INVALID_PARAMETER_VALUE"},
      {StatusCode::kOutOfRange, 400, "INVALID_PARAMETER_VALUE"},
      {StatusCode::kAlreadyExists, 400, "RESOURCE_ALREADY_EXISTS"},
      {StatusCode::kNotFound, 404, "RESOURCE_DOES_NOT_EXIST"},
      {StatusCode::kPermissionDenied, 403, "PERMISSION_DENIED"},
      {StatusCode::kUnauthenticated, 401, "UNAUTHENTICATED"},
      {StatusCode::kResourceExhausted, 429, "RESOURCE_EXHAUSTED"},
      {StatusCode::kUnavailable, 503, "TEMPORARILY_UNAVAILABLE"},
      {StatusCode::kUnimplemented, 501, "NOT_IMPLEMENTED"},
      {StatusCode::kDeadlineExceeded, 504, "DEADLINE_EXCEEDED"},
      {StatusCode::kAborted, 409, "ABORTED"},
      {StatusCode::kCancelled, 499, "CANCELLED"},
      {StatusCode::kDataLoss, 500, "DATA_LOSS"},
      {StatusCode::kInternal, 500, "INTERNAL_ERROR"},
      {StatusCode::kUnknown, 500, "INTERNAL_ERROR"},
  };
  for (const Case& c : cases) {
    Status s(c.code, "m");
    EXPECT_EQ(HttpStatusFor(s), c.http) << StatusCodeName(c.code);
    EXPECT_EQ(MlflowErrorCode(s), c.mlflow) << StatusCodeName(c.code);
  }
  EXPECT_EQ(HttpStatusFor(OkStatus()), 200);
}

TEST(ErrorsTest, WritesMlflowErrorBodyWithEscapedMessage) {
  HttpResponse res;
  SetMlflowError(res, NotFoundError("No trace \"tr-1\"\nhere"));
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(res.content_type, "application/json");
  auto body = ParseJsonBody(res.body);
  ASSERT_TRUE(body.ok()) << res.body;
  EXPECT_EQ(*body, Json({{"error_code", "RESOURCE_DOES_NOT_EXIST"},
                         {"message", "No trace \"tr-1\"\nhere"}}));
  EXPECT_TRUE(res.headers.empty());
}

TEST(ErrorsTest, AsksClientsToRetryWhenThrottledOrUnavailable) {
  for (Status s : {ResourceExhaustedError("queue full"), UnavailableError("shutting down")}) {
    HttpResponse res;
    SetMlflowError(res, s);
    ASSERT_EQ(res.headers.size(), 1u);
    EXPECT_EQ(res.headers[0].first, "Retry-After");
    EXPECT_EQ(res.headers[0].second, "1");
  }
}

TEST(ErrorsTest, InvalidUtf8InMessageStillYieldsValidJson) {
  HttpResponse res;
  SetMlflowError(res, InvalidArgumentError(std::string("bad \xff\xfe byte")));
  EXPECT_TRUE(ParseJsonBody(res.body).ok()) << res.body;
}

}  // namespace
}  // namespace tracelake::server
