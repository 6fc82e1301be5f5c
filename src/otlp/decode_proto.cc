// OTLP protobuf decoding (ExportTraceServiceRequest, ExportLogsServiceRequest) into model types.
#include <google/protobuf/arena.h>

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "otlp/decode.h"
#include "otlp/proto_convert.h"
#include "otlp/validate.h"

namespace tracelake::otlp {
namespace {

namespace pb_trace = opentelemetry::proto::trace::v1;
namespace pb_logs = opentelemetry::proto::logs::v1;
namespace pb_collector_trace = opentelemetry::proto::collector::trace::v1;
namespace pb_collector_logs = opentelemetry::proto::collector::logs::v1;
using internal::FromProto;

std::shared_ptr<const model::Resource> ResourceFrom(const opentelemetry::proto::resource::v1::Resource& r,
                                                    const std::string& schema_url) {
  auto out = std::make_shared<model::Resource>();
  FromProto(r.attributes(), out->attributes);
  out->dropped_attributes_count = r.dropped_attributes_count();
  out->schema_url = schema_url;
  return out;
}

std::shared_ptr<const model::Scope> ScopeFrom(
    const opentelemetry::proto::common::v1::InstrumentationScope& s, const std::string& schema_url) {
  auto out = std::make_shared<model::Scope>();
  out->name = s.name();
  out->version = s.version();
  FromProto(s.attributes(), out->attributes);
  out->dropped_attributes_count = s.dropped_attributes_count();
  out->schema_url = schema_url;
  return out;
}

// Returns false (with reason) for a span that must be rejected.
bool ConvertSpan(const pb_trace::Span& in, model::Span& s, std::string& reason) {
  auto trace_id = TraceId::FromBytes(in.trace_id());
  auto span_id = SpanId::FromBytes(in.span_id());
  if (!trace_id || trace_id->IsZero()) {
    reason = "span has an invalid trace_id (must be 16 non-zero bytes)";
    return false;
  }
  if (!span_id || span_id->IsZero()) {
    reason = "span has an invalid span_id (must be 8 non-zero bytes)";
    return false;
  }
  s.trace_id = *trace_id;
  s.span_id = *span_id;
  if (!in.parent_span_id().empty()) {
    auto parent = SpanId::FromBytes(in.parent_span_id());
    if (!parent) {
      reason = "span has an invalid parent_span_id (must be empty or 8 bytes)";
      return false;
    }
    s.parent_span_id = *parent;
  }
  s.trace_state = in.trace_state();
  s.flags = in.flags();
  s.name = in.name();
  s.kind = static_cast<int>(in.kind()) >= 0 && static_cast<int>(in.kind()) <= 5
               ? static_cast<model::SpanKind>(in.kind())
               : model::SpanKind::kUnspecified;
  s.start_time_unix_nano = in.start_time_unix_nano();
  s.end_time_unix_nano = in.end_time_unix_nano();
  FromProto(in.attributes(), s.attributes);
  s.dropped_attributes_count = in.dropped_attributes_count();
  s.events.reserve(static_cast<size_t>(in.events_size()));
  for (const auto& e : in.events()) {
    model::SpanEvent ev;
    ev.time_unix_nano = e.time_unix_nano();
    ev.name = e.name();
    FromProto(e.attributes(), ev.attributes);
    ev.dropped_attributes_count = e.dropped_attributes_count();
    s.events.push_back(std::move(ev));
  }
  s.dropped_events_count = in.dropped_events_count();
  for (const auto& l : in.links()) {
    model::SpanLink link;
    auto lt = TraceId::FromBytes(l.trace_id());
    auto ls = SpanId::FromBytes(l.span_id());
    if (lt) link.trace_id = *lt;
    if (ls) link.span_id = *ls;
    link.trace_state = l.trace_state();
    FromProto(l.attributes(), link.attributes);
    link.dropped_attributes_count = l.dropped_attributes_count();
    link.flags = l.flags();
    s.links.push_back(std::move(link));
  }
  s.dropped_links_count = in.dropped_links_count();
  int code = static_cast<int>(in.status().code());
  s.status_code = code >= 0 && code <= 2 ? static_cast<model::SpanStatusCode>(code)
                                         : model::SpanStatusCode::kUnset;
  s.status_message = in.status().message();
  return ValidateSpan(s, reason);
}

}  // namespace

Result<DecodedTraces> DecodeTracesProtobuf(std::string_view body) {
  google::protobuf::Arena arena;
  auto* req = google::protobuf::Arena::CreateMessage<pb_collector_trace::ExportTraceServiceRequest>(&arena);
  if (body.size() > static_cast<size_t>(INT32_MAX) ||
      !req->ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return InvalidArgumentError(
        "Body is not a valid OTLP ExportTraceServiceRequest protobuf message");
  }
  DecodedTraces out;
  size_t total = 0;
  for (const auto& rs : req->resource_spans())
    for (const auto& ss : rs.scope_spans()) total += static_cast<size_t>(ss.spans_size());
  out.spans.reserve(total);
  for (const auto& rs : req->resource_spans()) {
    auto resource = ResourceFrom(rs.resource(), rs.schema_url());
    if (out.experiment_id.empty()) {
      if (const auto* v = model::FindAttribute(resource->attributes, "mlflow.experimentId"))
        out.experiment_id = v->ToDisplayString();
    }
    for (const auto& ss : rs.scope_spans()) {
      auto scope = ScopeFrom(ss.scope(), ss.schema_url());
      for (const auto& in : ss.spans()) {
        model::Span s;
        std::string reason;
        if (!ConvertSpan(in, s, reason)) {
          if (out.rejected_spans++ == 0) out.rejection_reason = reason;
          continue;
        }
        s.resource = resource;
        s.scope = scope;
        out.spans.push_back(std::move(s));
      }
    }
  }
  return out;
}

Result<DecodedLogs> DecodeLogsProtobuf(std::string_view body) {
  google::protobuf::Arena arena;
  auto* req = google::protobuf::Arena::CreateMessage<pb_collector_logs::ExportLogsServiceRequest>(&arena);
  if (body.size() > static_cast<size_t>(INT32_MAX) ||
      !req->ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return InvalidArgumentError("Body is not a valid OTLP ExportLogsServiceRequest protobuf message");
  }
  DecodedLogs out;
  for (const auto& rl : req->resource_logs()) {
    auto resource = ResourceFrom(rl.resource(), rl.schema_url());
    for (const auto& sl : rl.scope_logs()) {
      auto scope = ScopeFrom(sl.scope(), sl.schema_url());
      for (const auto& in : sl.log_records()) {
        model::LogRecord r;
        r.time_unix_nano = in.time_unix_nano();
        r.observed_time_unix_nano = in.observed_time_unix_nano();
        r.severity_number = in.severity_number();
        r.severity_text = in.severity_text();
        r.body = FromProto(in.body());
        FromProto(in.attributes(), r.attributes);
        r.dropped_attributes_count = in.dropped_attributes_count();
        r.flags = in.flags();
        r.event_name = in.event_name();
        std::string reason;
        if (!SetLogIds(r, in.trace_id(), in.span_id(), reason)) {
          if (out.rejected_records++ == 0) out.rejection_reason = reason;
          continue;
        }
        FinishLogRecord(r);
        r.resource = resource;
        r.scope = scope;
        out.records.push_back(std::move(r));
      }
    }
  }
  return out;
}

Result<model::Span> DecodeSpanProtobuf(std::string_view bytes) {
  pb_trace::Span in;
  if (!in.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return InvalidArgumentError("not a Span message");
  model::Span s;
  std::string reason;
  if (!ConvertSpan(in, s, reason)) return InvalidArgumentError(reason);
  return s;
}

}  // namespace tracelake::otlp
