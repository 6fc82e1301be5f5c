// Normalization: derive MLflow's view of a span (type, inputs, outputs, model, token usage)
// from MLflow's own attributes, the OpenTelemetry GenAI conventions, OpenInference and
// OpenLLMetry/Traceloop (docs/normalization.md, spec/instrumentations.md).
//
//   model::NormalizeSpan(span);               // on ingest, and again when reading stored spans
//   model::ApplyLogRecords(span, records);    // OTel GenAI content sent as log records
//   info.request_preview = model::MakeTracePreview(root.view.inputs_json, PreviewRole::kRequest);
//
// All functions are pure, safe for concurrent use on different spans, and never throw: values
// of the wrong type, invalid or deeply nested JSON and invalid UTF-8 leave fields empty or are
// carried as JSON strings.
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
// The added attributes are the last view.derived_attribute_count ones; calling it again first
// drops them, so it is idempotent.
void NormalizeSpan(Span& span);

// Applies GenAI content log records (gen_ai.*.message / gen_ai.choice events, or
// gen_ai.client.inference.operation.details) linked to this span as its inputs / outputs,
// when the span has none of its own. Records are in arrival order; sorted by time inside.
// REQUIRES: NormalizeSpan(span) ran. Pass all of the span's records: a later call replaces
// what an earlier one derived. Records of other spans are ignored.
void ApplyLogRecords(Span& span, const std::vector<LogRecord>& records);

// True if a log record carries GenAI content worth keeping for its span.
bool IsGenAiContentRecord(const LogRecord& record);

// Truncates JSON/text to at most max_bytes bytes on a UTF-8 boundary (MLflow previews: 1000).
// The result is always valid UTF-8: invalid input bytes become U+FFFD.
std::string MakePreview(std::string_view text, size_t max_bytes = 1000);

enum class PreviewRole { kRequest, kResponse };

// A trace's request/response preview as MLflow computes it (mlflow/tracing/utils/
// truncation.py): from the root span's inputs/outputs JSON, the text of the first user
// message (a GenAI semconv message list) or last user / assistant message (OpenAI chat
// messages / choices, Responses input / output), else the whole text; longer than max_chars
// code points, it keeps max_chars - 3 of them and appends "...". Valid UTF-8.
std::string MakeTracePreview(std::string_view json_text, PreviewRole role, size_t max_chars = 1000);

}  // namespace tracelake::model
