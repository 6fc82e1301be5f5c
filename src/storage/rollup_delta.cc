#include "storage/rollup_delta.h"

namespace tracelake::storage {
namespace {

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

}  // namespace

int64_t MinuteOf(int64_t time_ns) { return FloorDiv(time_ns, kMinuteMs * 1'000'000) * kMinuteMs; }

SpanFacts SpanFacts::From(const model::Span& span) {
  SpanFacts f;
  f.start_ns = static_cast<int64_t>(span.start_time_unix_nano);
  f.duration_ns = static_cast<int64_t>(span.end_time_unix_nano) - f.start_ns;
  f.name = span.name;
  if (span.view.span_type != "UNKNOWN") f.type = span.view.span_type;
  f.status = static_cast<int>(span.status_code);
  f.model = span.view.model;
  f.usage = span.view.usage;
  f.cost = span.view.cost;
  f.provider = span.view.provider;
  if (span.status_code == model::SpanStatusCode::kError) {
    for (const auto& ev : span.events) {
      if (ev.name != "exception") continue;
      for (const auto& kv : ev.attributes) {
        if (kv.key == "exception.type" && kv.value.is_string()) {
          f.error_type = kv.value.as_string();
          break;
        }
      }
      break;
    }
  }
  return f;
}

void RollupValues::Add(const RollupValues& v) {
  count += v.count;
  input_tokens += v.input_tokens;
  output_tokens += v.output_tokens;
  cached_input_tokens += v.cached_input_tokens;
  total_tokens += v.total_tokens;
  latency.Merge(v.latency);
}

void RollupDelta::Merge(const RollupDelta& other) {
  for (const auto& [k, v] : other.traces_) traces_[k].Add(v);
  for (const auto& [k, v] : other.spans_) spans_[k].Add(v);
}

void RollupDelta::AddTrace(int64_t experiment_id, const TraceAggregate& agg, int sign) {
  RollupValues& v = traces_[TraceRollupKey{experiment_id, MinuteOf(agg.request_time_ns),
                                           static_cast<int>(agg.state)}];
  v.count += sign;
  if (agg.state != model::TraceState::kInProgress) v.latency.Add(agg.duration_ns, sign);
}

void RollupDelta::AddSpan(int64_t experiment_id, const SpanFacts& s, int sign) {
  RollupValues& v = spans_[SpanRollupKey{experiment_id, MinuteOf(s.start_ns), s.name, s.type,
                                         s.status, s.model, s.error_type}];
  v.count += sign;
  v.input_tokens += sign * s.usage.input_tokens.value_or(0);
  v.output_tokens += sign * s.usage.output_tokens.value_or(0);
  v.cached_input_tokens += sign * s.usage.cached_input_tokens.value_or(0);
  v.total_tokens += sign * s.usage.total_tokens.value_or(0);
  v.latency.Add(s.duration_ns, sign);
}

}  // namespace tracelake::storage
