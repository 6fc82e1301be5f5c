// TraceInfo (MLflow TraceInfoV3 plus tracelake's own fields) and Trace (info + spans).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/ids.h"
#include "model/assessment.h"
#include "model/span.h"

namespace tracelake::model {

enum class TraceState : uint8_t { kUnspecified = 0, kOk = 1, kError = 2, kInProgress = 3 };

struct TraceInfo {
  TraceId trace_id;  // MLflow id is MlflowTraceId(trace_id)
  std::string client_request_id;
  std::string experiment_id;
  std::string request_preview;
  std::string response_preview;
  int64_t request_time_ns = 0;
  int64_t execution_duration_ns = 0;  // 0 with state IN_PROGRESS means unknown
  TraceState state = TraceState::kUnspecified;
  std::map<std::string, std::string> trace_metadata;  // includes mlflow.trace.tokenUsage etc.
  std::map<std::string, std::string> tags;
  std::vector<Assessment> assessments;

  // tracelake's own: root never arrived (earliest span stands in), span count, token totals,
  // the sum of the spans' costs (none when no span has one).
  bool fragmented = false;
  int64_t span_count = 0;
  TokenUsage usage;
  std::optional<Cost> cost;
};

struct Trace {
  TraceInfo info;
  std::vector<Span> spans;  // ordered by start time; log-record content merged in
};

}  // namespace tracelake::model
