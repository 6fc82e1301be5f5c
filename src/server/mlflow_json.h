// MLflow JSON forms of tracelake's model types, as MLflow's server writes them
// (message_to_json: snake_case names, int64 as numbers, Timestamps as RFC 3339, Durations as
// "1.5s", bytes as base64, enums by name) and the parsing of the request forms.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "model/assessment.h"
#include "model/experiment.h"
#include "model/span.h"
#include "model/trace.h"
#include "tracelake/status.h"

namespace tracelake::server {

using Json = nlohmann::json;

Json ExperimentToJson(const model::Experiment& e);
Json TraceInfoV3ToJson(const model::TraceInfo& info);
Json TraceInfoV2ToJson(const model::TraceInfo& info);
Json SpanToJson(const model::Span& span);  // opentelemetry.proto.trace.v1.Span JSON
Json AssessmentToJson(const model::Assessment& a);

Result<model::TraceInfo> TraceInfoV3FromJson(const Json& j);
Result<model::Assessment> AssessmentFromJson(const Json& j);

std::string FormatTimestamp(int64_t unix_nanos);     // 2025-01-02T03:04:05.123Z
Result<int64_t> ParseTimestamp(const Json& j);       // RFC 3339 string or {seconds,nanos}
std::string FormatDuration(int64_t nanos);           // "1.234s"
Result<int64_t> ParseDuration(const Json& j);        // "1.5s" or {seconds,nanos}

}  // namespace tracelake::server
