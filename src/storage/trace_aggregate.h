// TraceAggregate: the trace info derived from a trace's spans, kept up to date as spans arrive
// in any order (docs/schema.md, "Trace rows"). Pure logic, no I/O, shared by every backend.
//
// Rules (MLflow's, plus tracelake's handling of missing roots):
//  - root = a span with an all-zero parent id. Until one arrives the trace is fragmented and
//    its earliest span stands in for the root's name and previews; request time is the
//    client's (UpsertTraceInfo) if given, else the earliest start; duration likewise.
//  - request time / duration come from the root once it arrives; state is ERROR when the root's
//    status is ERROR, else OK (UNSET counts as OK). While fragmented the state is the client's if
//    given (e.g. IN_PROGRESS), else ERROR if any span failed, else OK.
//  - token usage is summed over spans whose normalized view has usage (complete: MLflow's
//    input / output / total, model::TokenUsage::Complete), cost over spans that have one
//    (mlflow.llm.cost); MLflow's server sums both over every span it stores (log_spans).
//  - previews set by the client (non-empty) win over span-derived ones, field by field.
//
// Confine each object to one thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/ids.h"
#include "model/span.h"
#include "model/trace.h"

namespace tracelake::storage {

struct TraceAggregate {
  int64_t request_time_ns = 0;
  int64_t duration_ns = 0;
  model::TraceState state = model::TraceState::kOk;
  bool fragmented = true;
  int64_t span_count = 0;
  int64_t error_spans = 0;
  std::string root_name;             // the root's, or the stand-in's while fragmented
  std::optional<SpanId> preview_span;  // the span the span-derived previews and name came from
  int64_t preview_span_start = 0;
  std::optional<int64_t> min_start_ns, max_end_ns;
  model::TokenUsage usage;
  std::optional<model::Cost> cost;  // none until a span with a cost arrives

  std::optional<model::TraceState> client_state;
  std::optional<int64_t> client_request_time_ns, client_duration_ns;
  static constexpr int kClientRequestPreview = 1;
  static constexpr int kClientResponsePreview = 2;
  int client_previews = 0;  // kClient*Preview bits
  std::string request_preview, response_preview;
  bool previews_changed = false;

  // Adds a span (already normalized). Returns true when it became the preview source: the
  // caller then calls SetSpanPreviews with its inputs/outputs (after merging stored GenAI log
  // records into it).
  bool AddSpan(const model::Span& span);
  // Takes back the contribution of a stored copy of a span about to be replaced.
  void RemoveSpan(model::SpanStatusCode status, const model::TokenUsage& usage,
                  const std::optional<model::Cost>& cost = std::nullopt);
  // Sets span-derived previews (model::MakePreview of the JSON) unless the client set them.
  void SetSpanPreviews(const std::string& inputs_json, const std::string& outputs_json);
  // Applies client-given info (UpsertTraceInfo): state, times, non-empty previews.
  void ApplyClientInfo(const model::TraceInfo& info);
  // Recomputes request time, duration and state from the fields above.
  void Finish();
};

}  // namespace tracelake::storage
