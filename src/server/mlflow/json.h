// MLflow JSON forms of tracelake's model types, written the way MLflow's server writes them
// (mlflow.utils.proto_json_utils.message_to_json): snake_case field names, int64 fields as JSON
// numbers, google.protobuf.Timestamp as RFC 3339 ("2025-01-02T03:04:05.123Z") and Duration as
// "1.500s" (protobuf's 0/3/6/9 fraction digits), enums by name, maps as objects, repeated
// key/value messages as [{"key", "value"}]. The *FromJson functions read MLflow's request
// forms and fail with kInvalidArgument naming the offending field.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "model/assessment.h"
#include "model/experiment.h"
#include "model/trace.h"
#include "server/mlflow/params.h"
#include "tracelake/status.h"

namespace tracelake::server {

// Trace tag keys MLflow's clients act on.
inline constexpr char kArtifactLocationTag[] = "mlflow.artifactLocation";
inline constexpr char kSpansLocationTag[] = "mlflow.trace.spansLocation";
inline constexpr char kSpansInTrackingStore[] = "TRACKING_STORE";

std::string FormatTimestamp(int64_t unix_nanos);
// RFC 3339 string ("Z" or a +hh:mm offset, any fraction length) or {"seconds", "nanos"}.
Result<int64_t> ParseTimestamp(const Json& j, const std::string& field);
std::string FormatDuration(int64_t nanos);
// "1.5s" / "-0.25s" / {"seconds", "nanos"}; negative durations are refused.
Result<int64_t> ParseDuration(const Json& j, const std::string& field);

// <artifact_root><experiment_id>/traces/<tr-id>/artifacts: where MLflow clients upload and
// download a trace's traces.json (this API's mlflow-artifacts proxy routes serve it).
std::string TraceArtifactLocation(const std::string& artifact_root, const model::TraceInfo& info);

// The tags clients see: the stored ones plus, when absent, mlflow.artifactLocation (so clients
// know where traces.json lives) and, once spans are stored, mlflow.trace.spansLocation =
// TRACKING_STORE (so MLflow >= 3.5 clients read spans through GetTrace/batchGet and skip the
// traces.json upload).
std::map<std::string, std::string> ClientVisibleTags(const model::TraceInfo& info,
                                                     const std::string& artifact_root);

Json ExperimentToJson(const model::Experiment& e);
// TraceInfoV3. tracelake's extras travel as trace_metadata keys (tracelake.span_count,
// tracelake.fragmented), which MLflow clients carry along untouched.
Json TraceInfoV3ToJson(const model::TraceInfo& info, const std::string& artifact_root);
// The deprecated TraceInfo (V2) form: request_id, timestamp_ms, execution_time_ms, status,
// request_metadata and tags as key/value lists.
Json TraceInfoV2ToJson(const model::TraceInfo& info, const std::string& artifact_root);
Json AssessmentToJson(const model::Assessment& a);

// StartTraceV3's trace.trace_info. `path` names the object in messages.
Result<model::TraceInfo> TraceInfoV3FromJson(const ParamReader& r);
// CreateAssessment's / UpdateAssessment's assessment. Checks the shape (exactly one of feedback
// and expectation, known source type); the store checks ids.
Result<model::Assessment> AssessmentFromJson(const ParamReader& r);

// Enum names <-> model values. Unknown names fail with kInvalidArgument.
const char* TraceStateName(model::TraceState s);     // OK, ERROR, IN_PROGRESS, STATE_UNSPECIFIED
const char* TraceStatusNameV2(model::TraceState s);  // ... TRACE_STATUS_UNSPECIFIED
Result<model::TraceState> ParseTraceState(const Json& j, const std::string& field);

}  // namespace tracelake::server
