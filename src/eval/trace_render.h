// A trace as an LLM judge reads it (the span tree: names, types, inputs / outputs, errors),
// trimmed to a token budget, and as external scorers receive it (JSON).
//
//   std::string text = eval::RenderTraceForJudge(trace, {.token_budget = 8000});
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "eval/feedback.h"
#include "model/trace.h"

namespace tracelake::eval {

struct TraceRenderOptions {
  // About 4 bytes of text per token; the rendering never exceeds token_budget * 4 bytes.
  size_t token_budget = 8000;
  size_t max_field_bytes = 4000;  // an input or output longer than this is cut first
};

// One line per span, indented by depth in the tree, children by start time:
//   - retrieve [RETRIEVER] status=ERROR "index offline"
//       inputs: {...}
//       outputs: [...]
// Fields are cut (marked "...[cut]") until the whole fits; spans that still do not fit are
// left out and counted in a last line. Valid UTF-8.
std::string RenderTraceForJudge(const model::Trace& trace, const TraceRenderOptions& options = {});

// {"trace_id": "tr-...", "spans": [{"span_id", "parent_span_id", "name", "span_type",
// "start_time_unix_nano", "end_time_unix_nano", "status_code", "status_message", "inputs",
// "outputs", "model"}]} with inputs/outputs as parsed JSON (or strings).
Json TraceToJson(const model::Trace& trace);

// The spans whose MLflow type is `span_type` (RETRIEVER, TOOL, ...), in trace order.
std::vector<const model::Span*> SpansOfType(const model::Trace& trace,
                                            const std::string& span_type);

// Text cut to at most max_bytes on a UTF-8 boundary, "...[cut]" appended when cut.
std::string CutText(const std::string& text, size_t max_bytes);

// A span's inputs_json / outputs_json as a JSON value (a string when it is not JSON).
Json SpanJson(const std::string& text);

}  // namespace tracelake::eval
