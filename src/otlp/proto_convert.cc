#include "otlp/proto_convert.h"

#include <utility>

#include "otlp/limits.h"
#include "otlp/validate.h"

namespace tracelake::otlp::internal {
namespace {

// Steals a string field's buffer. Strings parsed into an Arena are std::string objects whose
// character buffers come from the heap, so moving them out is safe and allocation-free.
std::string Take(std::string* field) { return std::move(*field); }

std::string Bytes(std::string_view id) { return std::string(id); }

}  // namespace

bool FromProto(pb_common::AnyValue& in, int depth, model::AnyValue& out, std::string& reason) {
  if (depth > kMaxAnyValueDepth) {
    reason = kTooDeep;
    return false;
  }
  switch (in.value_case()) {
    case pb_common::AnyValue::kStringValue:
      out = model::AnyValue(Take(in.mutable_string_value()));
      return true;
    case pb_common::AnyValue::kBoolValue:
      out = model::AnyValue(in.bool_value());
      return true;
    case pb_common::AnyValue::kIntValue:
      out = model::AnyValue(static_cast<int64_t>(in.int_value()));
      return true;
    case pb_common::AnyValue::kDoubleValue:
      out = model::AnyValue(in.double_value());
      return true;
    case pb_common::AnyValue::kArrayValue: {
      auto* values = in.mutable_array_value()->mutable_values();
      model::AnyValue::Array array(static_cast<size_t>(values->size()));
      for (int i = 0; i < values->size(); ++i) {
        if (!FromProto(*values->Mutable(i), depth + 1, array[static_cast<size_t>(i)], reason))
          return false;
      }
      out = model::AnyValue(std::move(array));
      return true;
    }
    case pb_common::AnyValue::kKvlistValue: {
      model::AnyValue::KvList list;
      if (!FromProto(*in.mutable_kvlist_value()->mutable_values(), depth + 1, list, reason))
        return false;
      out = model::AnyValue(std::move(list));
      return true;
    }
    case pb_common::AnyValue::kBytesValue:
      out = model::AnyValue(model::Bytes{Take(in.mutable_bytes_value())});
      return true;
    case pb_common::AnyValue::VALUE_NOT_SET:
      break;
  }
  out = model::AnyValue();
  return true;
}

bool FromProto(PbAttributes& in, int depth, model::Attributes& out, std::string& reason) {
  out.reserve(out.size() + static_cast<size_t>(in.size()));
  for (auto& kv : in) {
    model::KeyValue& item = out.emplace_back();
    item.key = Take(kv.mutable_key());
    if (kv.has_value() && !FromProto(*kv.mutable_value(), depth, item.value, reason)) return false;
  }
  return true;
}

bool FromProto(pb_resource::Resource& in, model::Resource& out, std::string& reason) {
  out.dropped_attributes_count = in.dropped_attributes_count();
  return FromProto(*in.mutable_attributes(), 1, out.attributes, reason);
}

bool FromProto(pb_common::InstrumentationScope& in, model::Scope& out, std::string& reason) {
  out.name = Take(in.mutable_name());
  out.version = Take(in.mutable_version());
  out.dropped_attributes_count = in.dropped_attributes_count();
  return FromProto(*in.mutable_attributes(), 1, out.attributes, reason);
}

bool FromProto(pb_trace::Span& in, model::Span& out, std::string& reason) {
  auto trace_id = TraceId::FromBytes(in.trace_id());
  if (!trace_id || trace_id->IsZero()) {
    reason = kBadTraceId;
    return false;
  }
  auto span_id = SpanId::FromBytes(in.span_id());
  if (!span_id || span_id->IsZero()) {
    reason = kBadSpanId;
    return false;
  }
  out.trace_id = *trace_id;
  out.span_id = *span_id;
  if (!in.parent_span_id().empty()) {
    auto parent = SpanId::FromBytes(in.parent_span_id());
    if (!parent) {
      reason = kBadParentSpanId;
      return false;
    }
    out.parent_span_id = *parent;  // all-zero bytes read as "no parent", like empty
  }
  out.trace_state = Take(in.mutable_trace_state());
  out.flags = in.flags();
  out.name = Take(in.mutable_name());
  const int kind = static_cast<int>(in.kind());
  out.kind =
      kind >= 0 && kind <= 5 ? static_cast<model::SpanKind>(kind) : model::SpanKind::kUnspecified;
  out.start_time_unix_nano = in.start_time_unix_nano();
  out.end_time_unix_nano = in.end_time_unix_nano();
  if (!FromProto(*in.mutable_attributes(), 1, out.attributes, reason)) return false;
  out.dropped_attributes_count = in.dropped_attributes_count();

  out.events.reserve(static_cast<size_t>(in.events_size()));
  for (auto& e : *in.mutable_events()) {
    model::SpanEvent& ev = out.events.emplace_back();
    ev.time_unix_nano = e.time_unix_nano();
    ev.name = Take(e.mutable_name());
    if (!FromProto(*e.mutable_attributes(), 1, ev.attributes, reason)) return false;
    ev.dropped_attributes_count = e.dropped_attributes_count();
  }
  out.dropped_events_count = in.dropped_events_count();

  out.dropped_links_count = in.dropped_links_count();
  out.links.reserve(static_cast<size_t>(in.links_size()));
  for (auto& l : *in.mutable_links()) {
    auto link_trace = TraceId::FromBytes(l.trace_id());
    auto link_span = SpanId::FromBytes(l.span_id());
    if (!link_trace || !link_span) {
      // A link we cannot resolve is useless but harmless: drop it, keep the span.
      ++out.dropped_links_count;
      continue;
    }
    model::SpanLink& link = out.links.emplace_back();
    link.trace_id = *link_trace;
    link.span_id = *link_span;
    link.trace_state = Take(l.mutable_trace_state());
    if (!FromProto(*l.mutable_attributes(), 1, link.attributes, reason)) return false;
    link.dropped_attributes_count = l.dropped_attributes_count();
    link.flags = l.flags();
  }

  if (in.has_status()) {
    const int code = static_cast<int>(in.status().code());
    out.status_code = code >= 0 && code <= 2 ? static_cast<model::SpanStatusCode>(code)
                                             : model::SpanStatusCode::kUnset;
    out.status_message = Take(in.mutable_status()->mutable_message());
  }
  return ValidateSpan(out, reason);
}

bool FromProto(pb_logs::LogRecord& in, model::LogRecord& out, std::string& reason) {
  if (!in.trace_id().empty()) {
    auto trace_id = TraceId::FromBytes(in.trace_id());
    if (!trace_id) {
      reason = kBadLogTraceId;
      return false;
    }
    out.trace_id = *trace_id;
  }
  if (!in.span_id().empty()) {
    auto span_id = SpanId::FromBytes(in.span_id());
    if (!span_id) {
      reason = kBadLogSpanId;
      return false;
    }
    out.span_id = *span_id;
  }
  out.time_unix_nano = in.time_unix_nano();
  out.observed_time_unix_nano = in.observed_time_unix_nano();
  out.severity_number = static_cast<int32_t>(in.severity_number());
  out.severity_text = Take(in.mutable_severity_text());
  if (in.has_body() && !FromProto(*in.mutable_body(), 1, out.body, reason)) return false;
  if (!FromProto(*in.mutable_attributes(), 1, out.attributes, reason)) return false;
  out.dropped_attributes_count = in.dropped_attributes_count();
  out.flags = in.flags();
  out.event_name = Take(in.mutable_event_name());
  FinishLogRecord(out);
  return true;
}

void ToProto(const model::AnyValue& in, pb_common::AnyValue* out) {
  const auto& v = in.storage();
  if (const auto* s = std::get_if<std::string>(&v)) {
    out->set_string_value(*s);
  } else if (const auto* b = std::get_if<bool>(&v)) {
    out->set_bool_value(*b);
  } else if (const auto* i = std::get_if<int64_t>(&v)) {
    out->set_int_value(*i);
  } else if (const auto* d = std::get_if<double>(&v)) {
    out->set_double_value(*d);
  } else if (const auto* a = std::get_if<model::AnyValue::Array>(&v)) {
    auto* values = out->mutable_array_value()->mutable_values();
    values->Reserve(static_cast<int>(a->size()));
    for (const auto& e : *a) ToProto(e, values->Add());
  } else if (const auto* kv = std::get_if<model::AnyValue::KvList>(&v)) {
    ToProto(*kv, out->mutable_kvlist_value()->mutable_values());
  } else if (const auto* bytes = std::get_if<model::Bytes>(&v)) {
    out->set_bytes_value(bytes->data);
  }
}

void ToProto(const model::Attributes& in, PbAttributes* out) {
  out->Reserve(out->size() + static_cast<int>(in.size()));
  for (const auto& kv : in) {
    auto* p = out->Add();
    p->set_key(kv.key);
    if (!kv.value.empty()) ToProto(kv.value, p->mutable_value());
  }
}

void ToProto(const model::Resource& in, pb_resource::Resource* out) {
  ToProto(in.attributes, out->mutable_attributes());
  out->set_dropped_attributes_count(in.dropped_attributes_count);
}

void ToProto(const model::Scope& in, pb_common::InstrumentationScope* out) {
  out->set_name(in.name);
  out->set_version(in.version);
  ToProto(in.attributes, out->mutable_attributes());
  out->set_dropped_attributes_count(in.dropped_attributes_count);
}

void ToProto(const model::Span& in, pb_trace::Span* out) {
  out->set_trace_id(Bytes(in.trace_id.AsStringView()));
  out->set_span_id(Bytes(in.span_id.AsStringView()));
  if (!in.parent_span_id.IsZero()) out->set_parent_span_id(Bytes(in.parent_span_id.AsStringView()));
  out->set_trace_state(in.trace_state);
  out->set_flags(in.flags);
  out->set_name(in.name);
  out->set_kind(static_cast<pb_trace::Span::SpanKind>(in.kind));
  out->set_start_time_unix_nano(in.start_time_unix_nano);
  out->set_end_time_unix_nano(in.end_time_unix_nano);
  ToProto(in.attributes, out->mutable_attributes());
  out->set_dropped_attributes_count(in.dropped_attributes_count);
  for (const auto& e : in.events) {
    auto* pe = out->add_events();
    pe->set_time_unix_nano(e.time_unix_nano);
    pe->set_name(e.name);
    ToProto(e.attributes, pe->mutable_attributes());
    pe->set_dropped_attributes_count(e.dropped_attributes_count);
  }
  out->set_dropped_events_count(in.dropped_events_count);
  for (const auto& l : in.links) {
    auto* pl = out->add_links();
    pl->set_trace_id(Bytes(l.trace_id.AsStringView()));
    pl->set_span_id(Bytes(l.span_id.AsStringView()));
    pl->set_trace_state(l.trace_state);
    ToProto(l.attributes, pl->mutable_attributes());
    pl->set_dropped_attributes_count(l.dropped_attributes_count);
    pl->set_flags(l.flags);
  }
  out->set_dropped_links_count(in.dropped_links_count);
  if (in.status_code != model::SpanStatusCode::kUnset || !in.status_message.empty()) {
    auto* status = out->mutable_status();
    status->set_code(static_cast<pb_trace::Status::StatusCode>(in.status_code));
    status->set_message(in.status_message);
  }
}

void ToProto(const model::LogRecord& in, pb_logs::LogRecord* out) {
  out->set_time_unix_nano(in.time_unix_nano);
  out->set_observed_time_unix_nano(in.observed_time_unix_nano);
  out->set_severity_number(static_cast<pb_logs::SeverityNumber>(in.severity_number));
  out->set_severity_text(in.severity_text);
  if (!in.body.empty()) ToProto(in.body, out->mutable_body());
  ToProto(in.attributes, out->mutable_attributes());
  out->set_dropped_attributes_count(in.dropped_attributes_count);
  out->set_flags(in.flags);
  if (!in.trace_id.IsZero()) out->set_trace_id(Bytes(in.trace_id.AsStringView()));
  if (!in.span_id.IsZero()) out->set_span_id(Bytes(in.span_id.AsStringView()));
  out->set_event_name(in.event_name);
}

}  // namespace tracelake::otlp::internal
