#include "server/http/errors.h"

#include "model/any_value.h"

namespace tracelake::server {

int HttpStatusFor(const Status& s) {
  switch (s.code()) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
    case StatusCode::kAlreadyExists:  // MLflow: RESOURCE_ALREADY_EXISTS is a 400, not a 409
    case StatusCode::kFailedPrecondition:
    case StatusCode::kOutOfRange:
      return 400;
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAborted:
      return 409;
    case StatusCode::kResourceExhausted:
      return 429;
    case StatusCode::kCancelled:
      return 499;
    case StatusCode::kUnimplemented:
      return 501;
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kDeadlineExceeded:
      return 504;
    default:
      return 500;
  }
}

std::string MlflowErrorCode(const Status& s) {
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kFailedPrecondition:
    case StatusCode::kOutOfRange:
      return "INVALID_PARAMETER_VALUE";
    case StatusCode::kAlreadyExists:
      return "RESOURCE_ALREADY_EXISTS";
    case StatusCode::kNotFound:
      return "RESOURCE_DOES_NOT_EXIST";
    case StatusCode::kPermissionDenied:
      return "PERMISSION_DENIED";
    case StatusCode::kUnauthenticated:
      return "UNAUTHENTICATED";
    case StatusCode::kResourceExhausted:
      return "RESOURCE_EXHAUSTED";
    case StatusCode::kUnavailable:
      return "TEMPORARILY_UNAVAILABLE";
    case StatusCode::kUnimplemented:
      return "NOT_IMPLEMENTED";
    case StatusCode::kDeadlineExceeded:
      return "DEADLINE_EXCEEDED";
    case StatusCode::kAborted:
      return "ABORTED";
    case StatusCode::kCancelled:
      return "CANCELLED";
    case StatusCode::kDataLoss:
      return "DATA_LOSS";
    default:
      return "INTERNAL_ERROR";
  }
}

void SetMlflowError(HttpResponse& res, const Status& status) {
  res.status = HttpStatusFor(status);
  res.content_type = "application/json";
  res.body = "{\"error_code\":\"" + MlflowErrorCode(status) + "\",\"message\":";
  model::AppendJsonString(res.body, status.message());
  res.body += "}";
  if (res.status == 429 || res.status == 503) res.headers.emplace_back("Retry-After", "1");
}

}  // namespace tracelake::server
