#include "sdk/span_convert.h"

#include <algorithm>

#include "tracelake/json.h"

namespace tracelake::sdk {
namespace {

model::AnyValue ToAnyValue(const SpanRecord& r, const AttrSlot& slot) {
  switch (slot.kind) {
    case AttrKind::kString: return model::AnyValue(std::string(r.string_value(slot)));
    case AttrKind::kBool: return model::AnyValue(slot.int_value != 0);
    case AttrKind::kInt: return model::AnyValue(slot.int_value);
    case AttrKind::kDouble: return model::AnyValue(slot.double_value);
    case AttrKind::kStringArray: {
      model::AnyValue::Array values;
      const auto& strings = r.string_array(slot);
      values.reserve(strings.size());
      for (const auto& s : strings) values.emplace_back(s);
      return model::AnyValue(std::move(values));
    }
  }
  return model::AnyValue();
}

void SetIfAbsent(model::Attributes& attrs, std::string_view key, model::AnyValue value) {
  if (model::FindAttribute(attrs, key) == nullptr) attrs.push_back({std::string(key), std::move(value)});
}

}  // namespace

std::string JsonQuoted(std::string_view s) {
  std::string out;
  AppendJsonString(out, s);
  return out;
}

model::Span SpanConverter::Convert(SpanRecord& r, std::vector<TraceUpdate>* updates) const {
  model::Span s;
  s.trace_id = r.trace_id;
  s.span_id = r.span_id;
  s.parent_span_id = r.parent_span_id;
  s.flags = r.flags;
  s.name = r.name;
  s.kind = static_cast<model::SpanKind>(r.kind);
  s.start_time_unix_nano = r.start_time_unix_nano;
  s.end_time_unix_nano = r.end_time_unix_nano;
  s.status_code = static_cast<model::SpanStatusCode>(r.status);
  s.status_message = r.status_message;
  s.resource = resource_;
  s.scope = scope_;

  s.attributes.reserve(r.attr_count() + 4);
  for (size_t i = 0; i < r.attr_count(); ++i) {
    const AttrSlot& slot = r.attr(i);
    const std::string_view key = r.key(slot);
    // Duplicate keys: the last write wins (the hot path appends without searching).
    auto it = std::find_if(s.attributes.begin(), s.attributes.end(),
                           [&](const model::KeyValue& kv) { return kv.key == key; });
    if (it != s.attributes.end()) it->value = ToAnyValue(r, slot);
    else s.attributes.push_back({std::string(key), ToAnyValue(r, slot)});
  }
  SetIfAbsent(s.attributes, "mlflow.traceRequestId", JsonQuoted(MlflowTraceId(r.trace_id)));
  SetIfAbsent(s.attributes, "mlflow.spanType", JsonQuoted(SpanTypeName(r.type)));
  if (!r.function_name.empty())
    SetIfAbsent(s.attributes, "mlflow.spanFunctionName", JsonQuoted(r.function_name));

  if (r.is_local_root()) {
    MutexLock lock(r.trace_mu);
    r.trace_sealed = true;
    for (const auto& [k, v] : r.trace_metadata) {
      // MLflow's server maps the OTel user.id / session.id to mlflow.trace.user / .session.
      if (k == "mlflow.trace.user") SetIfAbsent(s.attributes, "user.id", v);
      else if (k == "mlflow.trace.session") SetIfAbsent(s.attributes, "session.id", v);
    }
    if (updates != nullptr && (!r.trace_metadata.empty() || !r.trace_tags.empty()))
      updates->push_back({r.trace_id, r.trace_metadata, r.trace_tags});
  }

  s.events.reserve(r.event_count());
  for (size_t i = 0; i < r.event_count(); ++i) {
    const EventSlot& e = r.event(i);
    model::SpanEvent ev;
    ev.name = e.name;
    ev.time_unix_nano = e.time_unix_nano;
    if (e.is_exception) {
      ev.attributes.push_back({"exception.type", e.exception_type});
      ev.attributes.push_back({"exception.message", e.exception_message});
    }
    s.events.push_back(std::move(ev));
  }
  return s;
}

}  // namespace tracelake::sdk
