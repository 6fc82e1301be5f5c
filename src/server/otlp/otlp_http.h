// OTLP/HTTP receivers: POST /v1/traces and /v1/logs, protobuf or JSON, answered as the OTLP
// specification says (200 with Export*ServiceResponse, 400 with google.rpc.Status, 415 for an
// unsupported content type, 429/503 with Retry-After under overload).
#pragma once

#include "server/http/router.h"
#include "ingest/otlp_ingestor.h"

namespace tracelake::server {

void RegisterOtlpHttpRoutes(Router& router, ingest::OtlpIngestor& ingestor);

// For HttpServerOptions::body_error_writer: answers an unreadable or oversized body sent to
// /v1/traces or /v1/logs with a google.rpc.Status in the request's encoding, as OTLP says.
bool WriteOtlpBodyError(const HttpRequest& req, int http_status, const Status& st,
                        HttpResponse& res);

}  // namespace tracelake::server
