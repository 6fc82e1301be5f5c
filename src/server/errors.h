// Status -> HTTP status and MLflow error body. The one place this mapping lives.
#pragma once

#include <string>

#include "server/http_types.h"
#include "tracelake/status.h"

namespace tracelake::server {

int HttpStatusFor(const Status& status);
// MLflow's databricks ErrorCode name for a status (INVALID_PARAMETER_VALUE, ...).
std::string MlflowErrorCode(const Status& status);
// Sets status, content type and {"error_code": ..., "message": ...}.
void SetMlflowError(HttpResponse& res, const Status& status);

}  // namespace tracelake::server
