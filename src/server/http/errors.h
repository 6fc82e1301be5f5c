// Status -> HTTP status and MLflow error body. The one place this mapping lives.
//
// MLflow answers errors as {"error_code": "<databricks ErrorCode name>", "message": "..."} with
// the HTTP status of mlflow/exceptions.py ERROR_CODE_TO_HTTP_STATUS:
//   INVALID_PARAMETER_VALUE, RESOURCE_ALREADY_EXISTS, BAD_REQUEST -> 400
//   UNAUTHENTICATED -> 401, PERMISSION_DENIED -> 403, RESOURCE_DOES_NOT_EXIST -> 404,
//   ABORTED -> 409, RESOURCE_EXHAUSTED -> 429, CANCELLED -> 499, INTERNAL_ERROR / DATA_LOSS -> 500,
//   NOT_IMPLEMENTED -> 501, TEMPORARILY_UNAVAILABLE -> 503, DEADLINE_EXCEEDED -> 504.
#pragma once

#include <string>

#include "server/http/http_types.h"
#include "tracelake/status.h"

namespace tracelake::server {

// HTTP status for a non-OK status (200 for OK).
int HttpStatusFor(const Status& status);

// MLflow's databricks_pb2 ErrorCode name for a status (INVALID_PARAMETER_VALUE, ...).
std::string MlflowErrorCode(const Status& status);

// Sets status, content type and the MLflow error body. 429 and 503 also get "Retry-After: 1".
// The message is the status message verbatim: callers keep payloads out of it.
void SetMlflowError(HttpResponse& res, const Status& status);

}  // namespace tracelake::server
