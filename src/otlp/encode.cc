#include "otlp/encode.h"

#include <map>

#include "google/rpc/status.pb.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "otlp/proto_convert.h"

namespace tracelake::otlp {
namespace {

namespace pb_trace = opentelemetry::proto::trace::v1;
namespace pb_logs = opentelemetry::proto::logs::v1;
using internal::ToProto;

void SpanToProto(const model::Span& s, pb_trace::Span* p) {
  p->set_trace_id(std::string(s.trace_id.AsStringView()));
  p->set_span_id(std::string(s.span_id.AsStringView()));
  if (!s.parent_span_id.IsZero()) p->set_parent_span_id(std::string(s.parent_span_id.AsStringView()));
  p->set_trace_state(s.trace_state);
  p->set_flags(s.flags);
  p->set_name(s.name);
  p->set_kind(static_cast<pb_trace::Span::SpanKind>(s.kind));
  p->set_start_time_unix_nano(s.start_time_unix_nano);
  p->set_end_time_unix_nano(s.end_time_unix_nano);
  ToProto(s.attributes, p->mutable_attributes());
  p->set_dropped_attributes_count(s.dropped_attributes_count);
  for (const auto& e : s.events) {
    auto* pe = p->add_events();
    pe->set_time_unix_nano(e.time_unix_nano);
    pe->set_name(e.name);
    ToProto(e.attributes, pe->mutable_attributes());
    pe->set_dropped_attributes_count(e.dropped_attributes_count);
  }
  p->set_dropped_events_count(s.dropped_events_count);
  for (const auto& l : s.links) {
    auto* pl = p->add_links();
    pl->set_trace_id(std::string(l.trace_id.AsStringView()));
    pl->set_span_id(std::string(l.span_id.AsStringView()));
    pl->set_trace_state(l.trace_state);
    ToProto(l.attributes, pl->mutable_attributes());
    pl->set_dropped_attributes_count(l.dropped_attributes_count);
    pl->set_flags(l.flags);
  }
  p->set_dropped_links_count(s.dropped_links_count);
  if (s.status_code != model::SpanStatusCode::kUnset || !s.status_message.empty()) {
    p->mutable_status()->set_code(static_cast<pb_trace::Status::StatusCode>(s.status_code));
    p->mutable_status()->set_message(s.status_message);
  }
}

void AppendU64(std::string& out, uint64_t v) {
  out += '"';
  out += std::to_string(v);
  out += '"';
}

void AppendAnyJson(std::string& out, const model::AnyValue& v);

void AppendAttrsJson(std::string& out, const model::Attributes& attrs) {
  out += '[';
  bool first = true;
  for (const auto& kv : attrs) {
    if (!first) out += ',';
    first = false;
    out += "{\"key\":";
    model::AppendJsonString(out, kv.key);
    out += ",\"value\":";
    AppendAnyJson(out, kv.value);
    out += '}';
  }
  out += ']';
}

void AppendAnyJson(std::string& out, const model::AnyValue& v) {
  const auto& s = v.storage();
  switch (s.index()) {
    case 0: out += "{}"; return;
    case 1: out += "{\"stringValue\":"; model::AppendJsonString(out, std::get<1>(s)); break;
    case 2: out += std::get<2>(s) ? "{\"boolValue\":true" : "{\"boolValue\":false"; break;
    case 3: out += "{\"intValue\":\"" + std::to_string(std::get<3>(s)) + "\""; break;
    case 4: out += "{\"doubleValue\":" + model::AnyValue(std::get<4>(s)).ToJson(); break;
    case 5: {
      out += "{\"arrayValue\":{\"values\":[";
      bool first = true;
      for (const auto& e : std::get<5>(s)) {
        if (!first) out += ',';
        first = false;
        AppendAnyJson(out, e);
      }
      out += "]}";
      break;
    }
    case 6: out += "{\"kvlistValue\":{\"values\":"; AppendAttrsJson(out, std::get<6>(s)); out += '}'; break;
    case 7: out += "{\"bytesValue\":" + v.ToJson(); break;
  }
  out += '}';
}

void AppendSpanJson(std::string& out, const model::Span& s) {
  out += "{\"traceId\":\"" + s.trace_id.Hex() + "\",\"spanId\":\"" + s.span_id.Hex() + "\"";
  if (!s.parent_span_id.IsZero()) out += ",\"parentSpanId\":\"" + s.parent_span_id.Hex() + "\"";
  if (!s.trace_state.empty()) {
    out += ",\"traceState\":";
    model::AppendJsonString(out, s.trace_state);
  }
  if (s.flags) out += ",\"flags\":" + std::to_string(s.flags);
  out += ",\"name\":";
  model::AppendJsonString(out, s.name);
  out += ",\"kind\":" + std::to_string(static_cast<int>(s.kind));
  out += ",\"startTimeUnixNano\":";
  AppendU64(out, s.start_time_unix_nano);
  out += ",\"endTimeUnixNano\":";
  AppendU64(out, s.end_time_unix_nano);
  out += ",\"attributes\":";
  AppendAttrsJson(out, s.attributes);
  if (!s.events.empty()) {
    out += ",\"events\":[";
    for (size_t i = 0; i < s.events.size(); ++i) {
      if (i) out += ',';
      out += "{\"timeUnixNano\":";
      AppendU64(out, s.events[i].time_unix_nano);
      out += ",\"name\":";
      model::AppendJsonString(out, s.events[i].name);
      out += ",\"attributes\":";
      AppendAttrsJson(out, s.events[i].attributes);
      out += '}';
    }
    out += ']';
  }
  if (!s.links.empty()) {
    out += ",\"links\":[";
    for (size_t i = 0; i < s.links.size(); ++i) {
      if (i) out += ',';
      out += "{\"traceId\":\"" + s.links[i].trace_id.Hex() + "\",\"spanId\":\"" +
             s.links[i].span_id.Hex() + "\",\"attributes\":";
      AppendAttrsJson(out, s.links[i].attributes);
      out += '}';
    }
    out += ']';
  }
  out += ",\"status\":{\"code\":" + std::to_string(static_cast<int>(s.status_code));
  if (!s.status_message.empty()) {
    out += ",\"message\":";
    model::AppendJsonString(out, s.status_message);
  }
  out += "}}";
}

template <typename T>
using Groups = std::vector<std::pair<std::pair<const void*, const void*>, std::vector<const T*>>>;

template <typename T>
Groups<T> GroupByResourceScope(const std::vector<T>& items) {
  Groups<T> groups;
  std::map<std::pair<const void*, const void*>, size_t> index;
  for (const auto& it : items) {
    auto key = std::make_pair<const void*, const void*>(it.resource.get(), it.scope.get());
    auto [pos, inserted] = index.emplace(key, groups.size());
    if (inserted) groups.push_back({key, {}});
    groups[pos->second].second.push_back(&it);
  }
  return groups;
}

}  // namespace

std::string EncodeTracesRequestProtobuf(const std::vector<model::Span>& spans) {
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest req;
  for (const auto& [key, group] : GroupByResourceScope(spans)) {
    auto* rs = req.add_resource_spans();
    const model::Span& first = *group.front();
    if (first.resource) {
      ToProto(first.resource->attributes, rs->mutable_resource()->mutable_attributes());
      rs->set_schema_url(first.resource->schema_url);
    }
    auto* ss = rs->add_scope_spans();
    if (first.scope) {
      ss->mutable_scope()->set_name(first.scope->name);
      ss->mutable_scope()->set_version(first.scope->version);
      ToProto(first.scope->attributes, ss->mutable_scope()->mutable_attributes());
    }
    for (const auto* s : group) SpanToProto(*s, ss->add_spans());
  }
  return req.SerializeAsString();
}

std::string EncodeTracesRequestJson(const std::vector<model::Span>& spans) {
  std::string out = "{\"resourceSpans\":[";
  bool first_group = true;
  for (const auto& [key, group] : GroupByResourceScope(spans)) {
    if (!first_group) out += ',';
    first_group = false;
    const model::Span& first = *group.front();
    out += "{\"resource\":{\"attributes\":";
    AppendAttrsJson(out, first.resource ? first.resource->attributes : model::Attributes{});
    out += "},\"scopeSpans\":[{\"scope\":{\"name\":";
    model::AppendJsonString(out, first.scope ? first.scope->name : "");
    out += ",\"version\":";
    model::AppendJsonString(out, first.scope ? first.scope->version : "");
    out += "},\"spans\":[";
    for (size_t i = 0; i < group.size(); ++i) {
      if (i) out += ',';
      AppendSpanJson(out, *group[i]);
    }
    out += "]}]}";
  }
  out += "]}";
  return out;
}

std::string EncodeLogsRequestProtobuf(const std::vector<model::LogRecord>& records) {
  opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest req;
  for (const auto& [key, group] : GroupByResourceScope(records)) {
    auto* rl = req.add_resource_logs();
    const model::LogRecord& first = *group.front();
    if (first.resource) ToProto(first.resource->attributes, rl->mutable_resource()->mutable_attributes());
    auto* sl = rl->add_scope_logs();
    if (first.scope) sl->mutable_scope()->set_name(first.scope->name);
    for (const auto* r : group) {
      auto* p = sl->add_log_records();
      p->set_time_unix_nano(r->time_unix_nano);
      p->set_observed_time_unix_nano(r->observed_time_unix_nano);
      p->set_severity_number(r->severity_number);
      p->set_severity_text(r->severity_text);
      if (!r->body.empty()) ToProto(r->body, p->mutable_body());
      ToProto(r->attributes, p->mutable_attributes());
      p->set_flags(r->flags);
      if (!r->trace_id.IsZero()) p->set_trace_id(std::string(r->trace_id.AsStringView()));
      if (!r->span_id.IsZero()) p->set_span_id(std::string(r->span_id.AsStringView()));
      p->set_event_name(r->event_name);
    }
  }
  return req.SerializeAsString();
}

std::string EncodeTraceResponseProtobuf(int64_t rejected, std::string_view message) {
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse resp;
  if (rejected > 0 || !message.empty()) {
    resp.mutable_partial_success()->set_rejected_spans(rejected);
    resp.mutable_partial_success()->set_error_message(std::string(message));
  }
  return resp.SerializeAsString();
}

std::string EncodeLogsResponseProtobuf(int64_t rejected, std::string_view message) {
  opentelemetry::proto::collector::logs::v1::ExportLogsServiceResponse resp;
  if (rejected > 0 || !message.empty()) {
    resp.mutable_partial_success()->set_rejected_log_records(rejected);
    resp.mutable_partial_success()->set_error_message(std::string(message));
  }
  return resp.SerializeAsString();
}

namespace {
std::string PartialJson(const char* field, int64_t rejected, std::string_view message) {
  if (rejected <= 0 && message.empty()) return "{}";
  std::string out = "{\"partialSuccess\":{\"";
  out += field;
  out += "\":\"" + std::to_string(rejected) + "\",\"errorMessage\":";
  model::AppendJsonString(out, message);
  out += "}}";
  return out;
}
}  // namespace

std::string EncodeTraceResponseJson(int64_t rejected, std::string_view message) {
  return PartialJson("rejectedSpans", rejected, message);
}
std::string EncodeLogsResponseJson(int64_t rejected, std::string_view message) {
  return PartialJson("rejectedLogRecords", rejected, message);
}

std::string EncodeRpcStatusProtobuf(int32_t code, std::string_view message) {
  google::rpc::Status st;
  st.set_code(code);
  st.set_message(std::string(message));
  return st.SerializeAsString();
}

std::string EncodeRpcStatusJson(int32_t code, std::string_view message) {
  std::string out = "{\"code\":" + std::to_string(code) + ",\"message\":";
  model::AppendJsonString(out, message);
  out += '}';
  return out;
}

std::string EncodeSpanProtobuf(const model::Span& span) {
  pb_trace::Span p;
  SpanToProto(span, &p);
  return p.SerializeAsString();
}

}  // namespace tracelake::otlp
