// OTLP/JSON decoding. OTLP's JSON differs from plain proto3 JSON: trace and span ids are hex,
// enums are integers, keys are lowerCamelCase (snake_case accepted too), 64-bit integers arrive
// as numbers or decimal strings; unknown fields are ignored.
#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>

#include "otlp/decode.h"
#include "otlp/validate.h"

namespace tracelake::otlp {
namespace {

using Json = nlohmann::json;
constexpr int kMaxDepth = 64;

struct Bad {
  std::string message;
};

// Member by camelCase or snake_case name; nullptr when absent or null.
const Json* Member(const Json& obj, const char* camel, const char* snake) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(camel);
  if (it == obj.end() && snake != nullptr) it = obj.find(snake);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

const Json& Array(const Json& obj, const char* camel, const char* snake) {
  static const Json kEmpty = Json::array();
  const Json* v = Member(obj, camel, snake);
  if (v == nullptr) return kEmpty;
  if (!v->is_array()) throw Bad{std::string("field '") + camel + "' must be an array"};
  return *v;
}

std::string String(const Json& obj, const char* camel, const char* snake) {
  const Json* v = Member(obj, camel, snake);
  if (v == nullptr) return "";
  if (!v->is_string()) throw Bad{std::string("field '") + camel + "' must be a string"};
  return v->get<std::string>();
}

// Accepts a JSON number or a decimal string.
template <typename T>
T Integer(const Json& obj, const char* camel, const char* snake) {
  const Json* v = Member(obj, camel, snake);
  if (v == nullptr) return 0;
  if (v->is_number_unsigned()) return static_cast<T>(v->get<uint64_t>());
  if (v->is_number_integer()) return static_cast<T>(v->get<int64_t>());
  if (v->is_number_float()) {
    double d = v->get<double>();
    if (!std::isfinite(d)) throw Bad{std::string("field '") + camel + "' must be an integer"};
    return static_cast<T>(d);
  }
  if (v->is_string()) {
    const auto& s = v->get_ref<const std::string&>();
    T out{};
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec == std::errc() && p == s.data() + s.size()) return out;
  }
  throw Bad{std::string("field '") + camel + "' must be an integer or a decimal string"};
}

std::string Base64Decode(const std::string& in) {
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  std::string out;
  uint32_t buf = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    int v = val(c);
    if (v < 0) throw Bad{"bytesValue is not valid base64"};
    buf = (buf << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buf >> bits) & 0xff);
    }
  }
  return out;
}

model::AnyValue ToAny(const Json& v, int depth);

void ToAttributes(const Json& arr, model::Attributes& out, int depth) {
  if (!arr.is_array()) throw Bad{"attributes must be an array"};
  out.reserve(out.size() + arr.size());
  for (const auto& kv : arr) {
    if (!kv.is_object()) throw Bad{"attribute must be an object with key and value"};
    model::KeyValue item;
    item.key = String(kv, "key", nullptr);
    if (const Json* value = Member(kv, "value", nullptr)) item.value = ToAny(*value, depth + 1);
    out.push_back(std::move(item));
  }
}

model::AnyValue ToAny(const Json& v, int depth) {
  if (depth > kMaxDepth) throw Bad{"attribute values nested deeper than 64 levels"};
  if (!v.is_object()) throw Bad{"AnyValue must be an object"};
  if (const Json* s = Member(v, "stringValue", "string_value")) {
    if (!s->is_string()) throw Bad{"stringValue must be a string"};
    return model::AnyValue(s->get<std::string>());
  }
  if (const Json* b = Member(v, "boolValue", "bool_value")) {
    if (!b->is_boolean()) throw Bad{"boolValue must be a boolean"};
    return model::AnyValue(b->get<bool>());
  }
  if (Member(v, "intValue", "int_value")) return model::AnyValue(Integer<int64_t>(v, "intValue", "int_value"));
  if (const Json* d = Member(v, "doubleValue", "double_value")) {
    if (d->is_number()) return model::AnyValue(d->get<double>());
    if (d->is_string()) {
      const auto& s = d->get_ref<const std::string&>();
      if (s == "NaN") return model::AnyValue(std::nan(""));
      if (s == "Infinity") return model::AnyValue(HUGE_VAL);
      if (s == "-Infinity") return model::AnyValue(-HUGE_VAL);
    }
    throw Bad{"doubleValue must be a number"};
  }
  if (const Json* a = Member(v, "arrayValue", "array_value")) {
    model::AnyValue::Array arr;
    for (const auto& e : Array(*a, "values", nullptr)) arr.push_back(ToAny(e, depth + 1));
    return model::AnyValue(std::move(arr));
  }
  if (const Json* kv = Member(v, "kvlistValue", "kvlist_value")) {
    model::AnyValue::KvList list;
    ToAttributes(Array(*kv, "values", nullptr), list, depth + 1);
    return model::AnyValue(std::move(list));
  }
  if (const Json* b = Member(v, "bytesValue", "bytes_value")) {
    if (!b->is_string()) throw Bad{"bytesValue must be a base64 string"};
    return model::AnyValue(model::Bytes{Base64Decode(b->get<std::string>())});
  }
  return model::AnyValue();
}

// Ids in OTLP/JSON are hex. Empty string = absent. Returns false on a malformed id.
template <typename Id>
bool HexId(const Json& obj, const char* camel, const char* snake, Id& out, bool& present) {
  std::string s = String(obj, camel, snake);
  present = !s.empty();
  if (!present) return true;
  auto id = Id::FromHex(s);
  if (!id) return false;
  out = *id;
  return true;
}

std::shared_ptr<const model::Resource> ResourceFrom(const Json& rs) {
  auto r = std::make_shared<model::Resource>();
  if (const Json* res = Member(rs, "resource", nullptr)) {
    ToAttributes(Array(*res, "attributes", nullptr), r->attributes, 0);
    r->dropped_attributes_count = Integer<uint32_t>(*res, "droppedAttributesCount", "dropped_attributes_count");
  }
  r->schema_url = String(rs, "schemaUrl", "schema_url");
  return r;
}

std::shared_ptr<const model::Scope> ScopeFrom(const Json& ss) {
  auto s = std::make_shared<model::Scope>();
  if (const Json* sc = Member(ss, "scope", nullptr)) {
    s->name = String(*sc, "name", nullptr);
    s->version = String(*sc, "version", nullptr);
    ToAttributes(Array(*sc, "attributes", nullptr), s->attributes, 0);
  }
  s->schema_url = String(ss, "schemaUrl", "schema_url");
  return s;
}

int EnumValue(const Json& obj, const char* camel, const char* snake,
              std::initializer_list<const char*> names) {
  const Json* v = Member(obj, camel, snake);
  if (v == nullptr) return 0;
  if (v->is_string()) {
    int i = 0;
    for (const char* n : names) {
      if (v->get_ref<const std::string&>() == n) return i;
      ++i;
    }
    throw Bad{std::string("unknown value for enum field '") + camel + "'"};
  }
  return Integer<int>(obj, camel, snake);
}

bool ConvertSpan(const Json& in, model::Span& s, std::string& reason) {
  bool present = false;
  if (!HexId(in, "traceId", "trace_id", s.trace_id, present) || !present || s.trace_id.IsZero()) {
    reason = "span has an invalid traceId (must be 32 hex digits, not all zero)";
    return false;
  }
  if (!HexId(in, "spanId", "span_id", s.span_id, present) || !present || s.span_id.IsZero()) {
    reason = "span has an invalid spanId (must be 16 hex digits, not all zero)";
    return false;
  }
  if (!HexId(in, "parentSpanId", "parent_span_id", s.parent_span_id, present)) {
    reason = "span has an invalid parentSpanId (must be empty or 16 hex digits)";
    return false;
  }
  s.trace_state = String(in, "traceState", "trace_state");
  s.flags = Integer<uint32_t>(in, "flags", nullptr);
  s.name = String(in, "name", nullptr);
  int kind = EnumValue(in, "kind", nullptr,
                       {"SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER",
                        "SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"});
  s.kind = kind >= 0 && kind <= 5 ? static_cast<model::SpanKind>(kind) : model::SpanKind::kUnspecified;
  s.start_time_unix_nano = Integer<uint64_t>(in, "startTimeUnixNano", "start_time_unix_nano");
  s.end_time_unix_nano = Integer<uint64_t>(in, "endTimeUnixNano", "end_time_unix_nano");
  ToAttributes(Array(in, "attributes", nullptr), s.attributes, 0);
  s.dropped_attributes_count = Integer<uint32_t>(in, "droppedAttributesCount", "dropped_attributes_count");
  for (const auto& e : Array(in, "events", nullptr)) {
    model::SpanEvent ev;
    ev.time_unix_nano = Integer<uint64_t>(e, "timeUnixNano", "time_unix_nano");
    ev.name = String(e, "name", nullptr);
    ToAttributes(Array(e, "attributes", nullptr), ev.attributes, 0);
    ev.dropped_attributes_count = Integer<uint32_t>(e, "droppedAttributesCount", "dropped_attributes_count");
    s.events.push_back(std::move(ev));
  }
  s.dropped_events_count = Integer<uint32_t>(in, "droppedEventsCount", "dropped_events_count");
  for (const auto& l : Array(in, "links", nullptr)) {
    model::SpanLink link;
    bool p = false;
    HexId(l, "traceId", "trace_id", link.trace_id, p);
    HexId(l, "spanId", "span_id", link.span_id, p);
    link.trace_state = String(l, "traceState", "trace_state");
    ToAttributes(Array(l, "attributes", nullptr), link.attributes, 0);
    link.flags = Integer<uint32_t>(l, "flags", nullptr);
    s.links.push_back(std::move(link));
  }
  s.dropped_links_count = Integer<uint32_t>(in, "droppedLinksCount", "dropped_links_count");
  if (const Json* st = Member(in, "status", nullptr)) {
    int code = EnumValue(*st, "code", nullptr,
                         {"STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"});
    s.status_code = code >= 0 && code <= 2 ? static_cast<model::SpanStatusCode>(code)
                                           : model::SpanStatusCode::kUnset;
    s.status_message = String(*st, "message", nullptr);
  }
  return ValidateSpan(s, reason);
}

Result<Json> Parse(std::string_view body) {
  Json doc = Json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return InvalidArgumentError("Body is not valid JSON");
  if (!doc.is_object()) return InvalidArgumentError("Body must be a JSON object");
  return doc;
}

}  // namespace

Result<DecodedTraces> DecodeTracesJson(std::string_view body) {
  ASSIGN_OR_RETURN(Json doc, Parse(body));
  DecodedTraces out;
  try {
    for (const auto& rs : Array(doc, "resourceSpans", "resource_spans")) {
      auto resource = ResourceFrom(rs);
      if (out.experiment_id.empty()) {
        if (const auto* v = model::FindAttribute(resource->attributes, "mlflow.experimentId"))
          out.experiment_id = v->ToDisplayString();
      }
      for (const auto& ss : Array(rs, "scopeSpans", "scope_spans")) {
        auto scope = ScopeFrom(ss);
        for (const auto& in : Array(ss, "spans", nullptr)) {
          model::Span s;
          std::string reason;
          bool ok = false;
          try {
            ok = ConvertSpan(in, s, reason);
          } catch (const Bad& bad) {
            reason = bad.message;
          }
          if (!ok) {
            if (out.rejected_spans++ == 0) out.rejection_reason = reason;
            continue;
          }
          s.resource = resource;
          s.scope = scope;
          out.spans.push_back(std::move(s));
        }
      }
    }
  } catch (const Bad& bad) {
    return InvalidArgumentError("Invalid OTLP/JSON traces request: " + bad.message);
  } catch (const std::exception&) {
    return InvalidArgumentError("Invalid OTLP/JSON traces request");
  }
  return out;
}

Result<DecodedLogs> DecodeLogsJson(std::string_view body) {
  ASSIGN_OR_RETURN(Json doc, Parse(body));
  DecodedLogs out;
  try {
    for (const auto& rl : Array(doc, "resourceLogs", "resource_logs")) {
      auto resource = ResourceFrom(rl);
      for (const auto& sl : Array(rl, "scopeLogs", "scope_logs")) {
        auto scope = ScopeFrom(sl);
        for (const auto& in : Array(sl, "logRecords", "log_records")) {
          model::LogRecord r;
          std::string reason;
          bool ok = true;
          try {
            r.time_unix_nano = Integer<uint64_t>(in, "timeUnixNano", "time_unix_nano");
            r.observed_time_unix_nano =
                Integer<uint64_t>(in, "observedTimeUnixNano", "observed_time_unix_nano");
            r.severity_number = Integer<int32_t>(in, "severityNumber", "severity_number");
            r.severity_text = String(in, "severityText", "severity_text");
            if (const Json* b = Member(in, "body", nullptr)) r.body = ToAny(*b, 0);
            ToAttributes(Array(in, "attributes", nullptr), r.attributes, 0);
            r.flags = Integer<uint32_t>(in, "flags", nullptr);
            r.event_name = String(in, "eventName", "event_name");
            std::string trace_hex = String(in, "traceId", "trace_id");
            std::string span_hex = String(in, "spanId", "span_id");
            auto t = TraceId::FromHex(trace_hex);
            auto s = SpanId::FromHex(span_hex);
            if ((!trace_hex.empty() && !t) || (!span_hex.empty() && !s)) {
              ok = false;
              reason = "log record has an invalid traceId or spanId (hex expected)";
            } else {
              if (t) r.trace_id = *t;
              if (s) r.span_id = *s;
            }
          } catch (const Bad& bad) {
            ok = false;
            reason = bad.message;
          }
          if (!ok) {
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
  } catch (const Bad& bad) {
    return InvalidArgumentError("Invalid OTLP/JSON logs request: " + bad.message);
  } catch (const std::exception&) {
    return InvalidArgumentError("Invalid OTLP/JSON logs request");
  }
  return out;
}

}  // namespace tracelake::otlp
