// Normalization: derive MLflow's view of a span (type, inputs, outputs, model, token usage)
// from MLflow's own attributes, the OpenTelemetry GenAI conventions, OpenInference and
// OpenLLMetry/Traceloop (docs/normalization.md, spec/instrumentations.md).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/log_record.h"
#include "model/span.h"
#include "model/trace.h"

namespace tracelake::model {

// Fills span.view and adds the MLflow attributes MLflow's own server would add, JSON-encoded
// as MLflow writes them ("mlflow.spanType" = "\"LLM\"", "mlflow.spanInputs",
// "mlflow.spanOutputs", "mlflow.chat.tokenUsage", "mlflow.llm.model" ...), never overwriting
// an mlflow.* attribute the sender set. Pure; never fails: unknown shapes leave fields empty.
void NormalizeSpan(Span& span);

// Applies GenAI content log records (gen_ai.*.message / gen_ai.choice events, or
// gen_ai.client.inference.operation.details) linked to this span as its inputs / outputs,
// when the span has none of its own. Records are in arrival order; sorted by time inside.
void ApplyLogRecords(Span& span, const std::vector<LogRecord>& records);

// True if a log record carries GenAI content worth keeping for its span.
bool IsGenAiContentRecord(const LogRecord& record);

// Truncates JSON/text to at most max_bytes bytes on a UTF-8 boundary (MLflow previews: 1000).
std::string MakePreview(std::string_view text, size_t max_bytes = 1000);

}  // namespace tracelake::model
