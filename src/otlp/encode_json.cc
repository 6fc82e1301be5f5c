// OTLP/JSON encoding of requests and responses. Written by hand (no DOM) because the SDK
// exporter and the load generator encode on their hot path.
#include <charconv>
#include <cmath>

#include "otlp/encode.h"
#include "otlp/group.h"

namespace tracelake::otlp {
namespace {

using model::AppendJsonString;

// 64-bit integers are decimal strings in OTLP/JSON (JavaScript numbers lose precision).
void AppendQuotedU64(std::string& out, uint64_t v) {
  out += '"';
  out += std::to_string(v);
  out += '"';
}

void AppendDouble(std::string& out, double d) {
  if (std::isnan(d)) {
    out += "\"NaN\"";
  } else if (std::isinf(d)) {
    out += d > 0 ? "\"Infinity\"" : "\"-Infinity\"";
  } else {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);  // shortest round-trip form
    const std::string_view text(buf, static_cast<size_t>(end - buf));
    out += text;
    // "3" or "-0" would read back as integers (and -0 as 0): keep the value a double.
    if (text.find_first_of(".e") == std::string_view::npos) out += ".0";
  }
}

void AppendAnyValue(std::string& out, const model::AnyValue& value);

void AppendAttributes(std::string& out, const model::Attributes& attributes) {
  out += '[';
  bool first = true;
  for (const auto& kv : attributes) {
    if (!first) out += ',';
    first = false;
    out += "{\"key\":";
    AppendJsonString(out, kv.key);
    out += ",\"value\":";
    AppendAnyValue(out, kv.value);
    out += '}';
  }
  out += ']';
}

void AppendAnyValue(std::string& out, const model::AnyValue& value) {
  const auto& v = value.storage();
  if (const auto* s = std::get_if<std::string>(&v)) {
    out += "{\"stringValue\":";
    AppendJsonString(out, *s);
  } else if (const auto* b = std::get_if<bool>(&v)) {
    out += *b ? "{\"boolValue\":true" : "{\"boolValue\":false";
  } else if (const auto* i = std::get_if<int64_t>(&v)) {
    out += "{\"intValue\":\"";
    out += std::to_string(*i);
    out += '"';
  } else if (const auto* d = std::get_if<double>(&v)) {
    out += "{\"doubleValue\":";
    AppendDouble(out, *d);
  } else if (const auto* a = std::get_if<model::AnyValue::Array>(&v)) {
    out += "{\"arrayValue\":{\"values\":[";
    bool first = true;
    for (const auto& e : *a) {
      if (!first) out += ',';
      first = false;
      AppendAnyValue(out, e);
    }
    out += "]}";
  } else if (const auto* kv = std::get_if<model::AnyValue::KvList>(&v)) {
    out += "{\"kvlistValue\":{\"values\":";
    AppendAttributes(out, *kv);
    out += '}';
  } else if (std::holds_alternative<model::Bytes>(v)) {
    out += "{\"bytesValue\":";
    out += value.ToJson();  // base64 string
  } else {
    out += '{';  // empty AnyValue
  }
  out += '}';
}

void AppendDropped(std::string& out, uint32_t count) {
  if (count == 0) return;
  out += ",\"droppedAttributesCount\":";
  out += std::to_string(count);
}

void AppendResource(std::string& out, const model::Resource* resource) {
  out += "\"resource\":{\"attributes\":";
  AppendAttributes(out, resource != nullptr ? resource->attributes : model::Attributes{});
  if (resource != nullptr) AppendDropped(out, resource->dropped_attributes_count);
  out += '}';
  if (resource != nullptr && !resource->schema_url.empty()) {
    out += ",\"schemaUrl\":";
    AppendJsonString(out, resource->schema_url);
  }
}

void AppendScope(std::string& out, const model::Scope* scope) {
  out += "\"scope\":{";
  if (scope != nullptr) {
    out += "\"name\":";
    AppendJsonString(out, scope->name);
    out += ",\"version\":";
    AppendJsonString(out, scope->version);
    out += ",\"attributes\":";
    AppendAttributes(out, scope->attributes);
    AppendDropped(out, scope->dropped_attributes_count);
  }
  out += '}';
  if (scope != nullptr && !scope->schema_url.empty()) {
    out += ",\"schemaUrl\":";
    AppendJsonString(out, scope->schema_url);
  }
}

void AppendSpan(std::string& out, const model::Span& s) {
  out += "{\"traceId\":\"";
  out += s.trace_id.Hex();
  out += "\",\"spanId\":\"";
  out += s.span_id.Hex();
  out += '"';
  if (!s.parent_span_id.IsZero()) {
    out += ",\"parentSpanId\":\"";
    out += s.parent_span_id.Hex();
    out += '"';
  }
  if (!s.trace_state.empty()) {
    out += ",\"traceState\":";
    AppendJsonString(out, s.trace_state);
  }
  if (s.flags != 0) out += ",\"flags\":" + std::to_string(s.flags);
  out += ",\"name\":";
  AppendJsonString(out, s.name);
  out += ",\"kind\":" + std::to_string(static_cast<int>(s.kind));
  out += ",\"startTimeUnixNano\":";
  AppendQuotedU64(out, s.start_time_unix_nano);
  out += ",\"endTimeUnixNano\":";
  AppendQuotedU64(out, s.end_time_unix_nano);
  out += ",\"attributes\":";
  AppendAttributes(out, s.attributes);
  AppendDropped(out, s.dropped_attributes_count);
  if (!s.events.empty()) {
    out += ",\"events\":[";
    for (size_t i = 0; i < s.events.size(); ++i) {
      const model::SpanEvent& e = s.events[i];
      if (i != 0) out += ',';
      out += "{\"timeUnixNano\":";
      AppendQuotedU64(out, e.time_unix_nano);
      out += ",\"name\":";
      AppendJsonString(out, e.name);
      out += ",\"attributes\":";
      AppendAttributes(out, e.attributes);
      AppendDropped(out, e.dropped_attributes_count);
      out += '}';
    }
    out += ']';
  }
  if (s.dropped_events_count != 0)
    out += ",\"droppedEventsCount\":" + std::to_string(s.dropped_events_count);
  if (!s.links.empty()) {
    out += ",\"links\":[";
    for (size_t i = 0; i < s.links.size(); ++i) {
      const model::SpanLink& l = s.links[i];
      if (i != 0) out += ',';
      out += "{\"traceId\":\"";
      out += l.trace_id.Hex();
      out += "\",\"spanId\":\"";
      out += l.span_id.Hex();
      out += '"';
      if (!l.trace_state.empty()) {
        out += ",\"traceState\":";
        AppendJsonString(out, l.trace_state);
      }
      out += ",\"attributes\":";
      AppendAttributes(out, l.attributes);
      AppendDropped(out, l.dropped_attributes_count);
      if (l.flags != 0) out += ",\"flags\":" + std::to_string(l.flags);
      out += '}';
    }
    out += ']';
  }
  if (s.dropped_links_count != 0)
    out += ",\"droppedLinksCount\":" + std::to_string(s.dropped_links_count);
  out += ",\"status\":{\"code\":" + std::to_string(static_cast<int>(s.status_code));
  if (!s.status_message.empty()) {
    out += ",\"message\":";
    AppendJsonString(out, s.status_message);
  }
  out += "}}";
}

void AppendLogRecord(std::string& out, const model::LogRecord& r) {
  out += "{\"timeUnixNano\":";
  AppendQuotedU64(out, r.time_unix_nano);
  out += ",\"observedTimeUnixNano\":";
  AppendQuotedU64(out, r.observed_time_unix_nano);
  out += ",\"severityNumber\":" + std::to_string(r.severity_number);
  if (!r.severity_text.empty()) {
    out += ",\"severityText\":";
    AppendJsonString(out, r.severity_text);
  }
  if (!r.body.empty()) {
    out += ",\"body\":";
    AppendAnyValue(out, r.body);
  }
  out += ",\"attributes\":";
  AppendAttributes(out, r.attributes);
  AppendDropped(out, r.dropped_attributes_count);
  if (r.flags != 0) out += ",\"flags\":" + std::to_string(r.flags);
  if (!r.trace_id.IsZero()) out += ",\"traceId\":\"" + r.trace_id.Hex() + '"';
  if (!r.span_id.IsZero()) out += ",\"spanId\":\"" + r.span_id.Hex() + '"';
  if (!r.event_name.empty()) {
    out += ",\"eventName\":";
    AppendJsonString(out, r.event_name);
  }
  out += '}';
}

// {"<resources>":[{"resource":…,"<scopes>":[{"scope":…,"<items>":[…]}]}]}
template <typename T, typename AppendItem>
std::string EncodeRequest(const std::vector<T>& items, const char* resources, const char* scopes,
                          const char* item_key, AppendItem append_item) {
  std::string out;
  out.reserve(256 + items.size() * 512);
  out += "{\"";
  out += resources;
  out += "\":[";
  bool first_resource = true;
  for (const auto& group : internal::GroupByResourceAndScope(items)) {
    if (!first_resource) out += ',';
    first_resource = false;
    out += '{';
    AppendResource(out, group.resource);
    out += ",\"";
    out += scopes;
    out += "\":[";
    bool first_scope = true;
    for (const auto& scope_group : group.scopes) {
      if (!first_scope) out += ',';
      first_scope = false;
      out += '{';
      AppendScope(out, scope_group.scope);
      out += ",\"";
      out += item_key;
      out += "\":[";
      for (size_t i = 0; i < scope_group.items.size(); ++i) {
        if (i != 0) out += ',';
        append_item(out, *scope_group.items[i]);
      }
      out += "]}";
    }
    out += "]}";
  }
  out += "]}";
  return out;
}

std::string PartialSuccessJson(const char* count_field, int64_t rejected,
                               std::string_view message) {
  if (rejected <= 0 && message.empty()) return "{}";
  std::string out = "{\"partialSuccess\":{\"";
  out += count_field;
  out += "\":\"" + std::to_string(rejected) + "\",\"errorMessage\":";
  AppendJsonString(out, message);
  out += "}}";
  return out;
}

}  // namespace

std::string EncodeTracesRequestJson(const std::vector<model::Span>& spans) {
  return EncodeRequest(spans, "resourceSpans", "scopeSpans", "spans", AppendSpan);
}

std::string EncodeLogsRequestJson(const std::vector<model::LogRecord>& records) {
  return EncodeRequest(records, "resourceLogs", "scopeLogs", "logRecords", AppendLogRecord);
}

std::string EncodeTraceResponseJson(int64_t rejected_spans, std::string_view error_message) {
  return PartialSuccessJson("rejectedSpans", rejected_spans, error_message);
}

std::string EncodeLogsResponseJson(int64_t rejected_records, std::string_view error_message) {
  return PartialSuccessJson("rejectedLogRecords", rejected_records, error_message);
}

std::string EncodeRpcStatusJson(int32_t code, std::string_view message) {
  std::string out = "{\"code\":" + std::to_string(code) + ",\"message\":";
  AppendJsonString(out, message);
  out += '}';
  return out;
}

}  // namespace tracelake::otlp
