#include "storage/trace_aggregate.h"

#include "model/normalize.h"

namespace tracelake::storage {
namespace {

void Subtract(std::optional<int64_t>& total, const std::optional<int64_t>& v) {
  if (total && v) *total -= *v;
}

}  // namespace

bool TraceAggregate::AddSpan(const model::Span& span) {
  ++span_count;
  if (span.status_code == model::SpanStatusCode::kError) ++error_spans;
  usage.Add(span.view.usage);
  if (span.view.cost) {
    if (!cost) cost.emplace();
    cost->Add(*span.view.cost);
  }
  const auto start = static_cast<int64_t>(span.start_time_unix_nano);
  const auto end = static_cast<int64_t>(span.end_time_unix_nano);
  if (!min_start_ns || start < *min_start_ns) min_start_ns = start;
  if (!max_end_ns || end > *max_end_ns) max_end_ns = end;
  if (span.is_root()) {
    fragmented = false;
    request_time_ns = start;
    duration_ns = end > start ? end - start : 0;
    state = span.status_code == model::SpanStatusCode::kError ? model::TraceState::kError
                                                              : model::TraceState::kOk;
  } else if (!fragmented || (preview_span && start >= preview_span_start)) {
    return false;  // a root (or an earlier stand-in) already speaks for the trace
  }
  root_name = span.name;
  preview_span = span.span_id;
  preview_span_start = start;
  return true;
}

void TraceAggregate::RemoveSpan(model::SpanStatusCode status, const model::TokenUsage& old,
                                const std::optional<model::Cost>& old_cost) {
  --span_count;
  if (status == model::SpanStatusCode::kError) --error_spans;
  Subtract(usage.input_tokens, old.input_tokens);
  Subtract(usage.output_tokens, old.output_tokens);
  Subtract(usage.total_tokens, old.total_tokens);
  Subtract(usage.cached_input_tokens, old.cached_input_tokens);
  if (cost && old_cost) cost->Subtract(*old_cost);
}

void TraceAggregate::SetSpanPreviews(const std::string& inputs_json,
                                     const std::string& outputs_json) {
  if ((client_previews & kClientRequestPreview) == 0) {
    std::string p = model::MakePreview(inputs_json);
    if (p != request_preview) {
      request_preview = std::move(p);
      previews_changed = true;
    }
  }
  if ((client_previews & kClientResponsePreview) == 0) {
    std::string p = model::MakePreview(outputs_json);
    if (p != response_preview) {
      response_preview = std::move(p);
      previews_changed = true;
    }
  }
}

void TraceAggregate::ApplyClientInfo(const model::TraceInfo& info) {
  if (info.state != model::TraceState::kUnspecified) client_state = info.state;
  if (info.request_time_ns > 0) client_request_time_ns = info.request_time_ns;
  if (info.execution_duration_ns > 0) client_duration_ns = info.execution_duration_ns;
  if (!info.request_preview.empty()) {
    client_previews |= kClientRequestPreview;
    request_preview = model::MakePreview(info.request_preview);
    previews_changed = true;
  }
  if (!info.response_preview.empty()) {
    client_previews |= kClientResponsePreview;
    response_preview = model::MakePreview(info.response_preview);
    previews_changed = true;
  }
}

void TraceAggregate::Finish() {
  if (!fragmented) return;  // AddSpan(root) set time, duration and state
  if (client_request_time_ns) {
    request_time_ns = *client_request_time_ns;
  } else if (min_start_ns) {
    request_time_ns = *min_start_ns;
  }
  if (client_duration_ns) {
    duration_ns = *client_duration_ns;
  } else if (min_start_ns && max_end_ns) {
    duration_ns = *max_end_ns > *min_start_ns ? *max_end_ns - *min_start_ns : 0;
  }
  if (client_state) {
    state = *client_state;
  } else {
    state = error_spans > 0 ? model::TraceState::kError : model::TraceState::kOk;
  }
}

}  // namespace tracelake::storage
