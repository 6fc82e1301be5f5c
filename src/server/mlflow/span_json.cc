#include "server/mlflow/span_json.h"

#include <charconv>
#include <cmath>
#include <memory>

#include "common/ids.h"
#include "model/normalize.h"
#include "server/mlflow/params.h"

namespace tracelake::server {
namespace {

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// --- writing ------------------------------------------------------------------------------

Json AnyValueToOtlpJson(const model::AnyValue& v) {
  if (v.is_string()) return {{"string_value", v.as_string()}};
  if (v.is_bool()) return {{"bool_value", v.as_bool()}};
  if (v.is_int()) return {{"int_value", v.as_int()}};
  if (v.is_double()) {
    const double d = v.as_double();
    // Protobuf JSON spells non-finite doubles as strings.
    if (std::isnan(d)) return {{"double_value", "NaN"}};
    if (std::isinf(d)) return {{"double_value", d > 0 ? "Infinity" : "-Infinity"}};
    return {{"double_value", d}};
  }
  if (v.is_array()) {
    Json values = Json::array();
    for (const auto& e : v.as_array()) values.push_back(AnyValueToOtlpJson(e));
    Json arr = Json::object();
    if (!values.empty()) arr["values"] = std::move(values);
    return {{"array_value", std::move(arr)}};
  }
  if (v.is_kvlist()) {
    Json values = Json::array();
    for (const auto& kv : v.as_kvlist())
      values.push_back({{"key", kv.key}, {"value", AnyValueToOtlpJson(kv.value)}});
    Json list = Json::object();
    if (!values.empty()) list["values"] = std::move(values);
    return {{"kvlist_value", std::move(list)}};
  }
  if (v.is_bytes()) return {{"bytes_value", Base64Encode(v.as_bytes().data)}};
  return Json::object();
}

Json AttributesToOtlpJson(const model::Attributes& attrs) {
  Json arr = Json::array();
  for (const auto& kv : attrs)
    arr.push_back({{"key", kv.key}, {"value", AnyValueToOtlpJson(kv.value)}});
  return arr;
}

// MLflow keeps every span attribute as JSON text; a string attribute is written as-is (it is
// that text from an OTel exporter of MLflow's spans, or a plain string that MLflow's Span reads
// back as itself when it is not JSON), anything else as its JSON rendering.
Json AttributesToTraceDataJson(const model::Attributes& attrs) {
  Json obj = Json::object();
  for (const auto& kv : attrs) {
    if (kv.value.empty()) continue;
    obj[kv.key] = kv.value.is_string() ? kv.value.as_string() : kv.value.ToJson();
  }
  return obj;
}

// Event attributes are plain OTel values in every schema (MLflow does not JSON-encode them).
Json EventAttributesToTraceDataJson(const model::Attributes& attrs) {
  Json obj = Json::object();
  for (const auto& kv : attrs) {
    if (kv.value.empty()) continue;
    if (kv.value.is_string()) {
      obj[kv.key] = kv.value.as_string();
      continue;
    }
    Json value = Json::parse(kv.value.ToJson(), nullptr, /*allow_exceptions=*/false);
    obj[kv.key] = value.is_discarded() ? Json(kv.value.ToJson()) : std::move(value);
  }
  return obj;
}

// --- reading ------------------------------------------------------------------------------

class SpanReader {
 public:
  SpanReader(const Json& span, size_t index)
      : span_(span), where_("spans[" + std::to_string(index) + "]") {}

  Status Bad(std::string_view field, std::string_view why) const {
    std::string where = field.empty() ? where_ : where_ + "." + std::string(field);
    return InvalidArgumentError("Invalid trace data: " + where + " " + std::string(why));
  }

  const Json* Get(const char* key) const {
    auto it = span_.find(key);
    return it == span_.end() || it->is_null() ? nullptr : &*it;
  }

  // An id given as hex (optionally "tr-" / "0x" prefixed) or as base64 of its bytes.
  template <size_t N>
  Result<std::optional<ByteId<N>>> Id(const Json* v, std::string_view field) const {
    if (v == nullptr) return std::optional<ByteId<N>>();
    if (!v->is_string()) return Bad(field, "must be a string");
    std::string_view s = v->get_ref<const std::string&>();
    if (s.empty()) return std::optional<ByteId<N>>();
    std::string_view hex = s;
    if (hex.starts_with("tr-") || hex.starts_with("0x")) hex.remove_prefix(hex[0] == 't' ? 3 : 2);
    if (hex.size() == 2 * N) {
      if (auto id = ByteId<N>::FromHex(hex)) return std::optional<ByteId<N>>(*id);
    }
    std::string raw;
    if (Base64Decode(s, raw)) {
      if (auto id = ByteId<N>::FromBytes(raw)) return std::optional<ByteId<N>>(*id);
    }
    return Bad(field, "is not a valid id (hex or base64 of " + std::to_string(N) + " bytes)");
  }

  Result<uint64_t> Nanos(const Json* v, std::string_view field) const {
    if (v == nullptr) return uint64_t{0};
    if (v->is_number_unsigned()) return v->get<uint64_t>();
    if (v->is_number_integer() && v->get<int64_t>() >= 0)
      return static_cast<uint64_t>(v->get<int64_t>());
    if (v->is_number_float() && v->get<double>() >= 0 && v->get<double>() < 1.8e19)
      return static_cast<uint64_t>(v->get<double>());
    if (v->is_string()) {
      const std::string& s = v->get_ref<const std::string&>();
      uint64_t n = 0;
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
      if (ec == std::errc() && p == s.data() + s.size() && !s.empty()) return n;
    }
    return Bad(field, "must be a non-negative integer of nanoseconds");
  }

  Result<model::SpanStatusCode> StatusCode(const Json* v, std::string_view field) const {
    if (v == nullptr) return model::SpanStatusCode::kUnset;
    std::string s = v->is_string()           ? v->get<std::string>()
                    : v->is_number_integer() ? v->dump()
                                             : "?";
    if (s.starts_with("STATUS_CODE_")) s = s.substr(12);
    if (s == "UNSET" || s == "0" || s.empty()) return model::SpanStatusCode::kUnset;
    if (s == "OK" || s == "1") return model::SpanStatusCode::kOk;
    if (s == "ERROR" || s == "2") return model::SpanStatusCode::kError;
    return Bad(field, "must be one of UNSET, OK, ERROR");
  }

  // values_are_json_text: the document follows MLflow's convention, where each value is JSON
  // text (json.dumps of the value); it is decoded as MLflow's Span attributes do (json.loads,
  // falling back to the raw string), so that the spans hold the same typed values as the OTLP
  // copy MLflow's client exports (Span.to_otel_proto). Otherwise (the TypeScript SDK's form, event
  // attributes) values are already decoded and are taken as they are.
  Result<model::Attributes> Attributes(const Json* v, std::string_view field,
                                       bool values_are_json_text) const {
    model::Attributes out;
    if (v == nullptr) return out;
    if (!v->is_object()) return Bad(field, "must be an object");
    for (const auto& [k, e] : v->items()) {
      if (e.is_null()) continue;
      if (e.is_string() && values_are_json_text) {
        const std::string& text = e.get_ref<const std::string&>();
        Json decoded = Json::parse(text, nullptr, /*allow_exceptions=*/false);
        out.push_back({k, decoded.is_discarded() ? model::AnyValue(text) : AnyValueOf(decoded)});
      } else {
        out.push_back({k, AnyValueOf(e)});
      }
    }
    return out;
  }

  // A decoded JSON value as the OTel value MLflow's _set_otel_proto_anyvalue makes of it; null
  // stays an attribute without a value, as there.
  static model::AnyValue AnyValueOf(const Json& j) {
    if (j.is_string()) return model::AnyValue(j.get<std::string>());
    if (j.is_boolean()) return model::AnyValue(j.get<bool>());
    if (j.is_number_unsigned()) {
      const uint64_t u = j.get<uint64_t>();
      if (u <= static_cast<uint64_t>(INT64_MAX)) return model::AnyValue(static_cast<int64_t>(u));
      return model::AnyValue(static_cast<double>(u));
    }
    if (j.is_number_integer()) return model::AnyValue(j.get<int64_t>());
    if (j.is_number_float()) return model::AnyValue(j.get<double>());
    if (j.is_array()) {
      model::AnyValue::Array arr;
      arr.reserve(j.size());
      for (const auto& e : j) arr.push_back(AnyValueOf(e));
      return model::AnyValue(std::move(arr));
    }
    if (j.is_object()) {
      model::AnyValue::KvList list;
      list.reserve(j.size());
      for (const auto& [k, e] : j.items()) list.push_back({k, AnyValueOf(e)});
      return model::AnyValue(std::move(list));
    }
    return model::AnyValue();
  }

 private:
  const Json& span_;
  std::string where_;
};

// Which attribute convention a span dict follows (see SpanReader::Attributes).
bool ValuesAreJsonText(const Json& span, bool v2_schema) {
  if (v2_schema || span.contains("otel_trace_id")) return true;
  auto status = span.find("status");
  if (status != span.end() && status->is_object()) {
    auto code = status->find("code");
    if (code != status->end() && code->is_string() &&
        code->get_ref<const std::string&>().starts_with("STATUS_CODE_"))
      return true;
  }
  // The TypeScript SDK writes decoded values: its trace id attribute is a bare "tr-..." string.
  auto attrs = span.find("attributes");
  if (attrs != span.end() && attrs->is_object()) {
    auto id = attrs->find("mlflow.traceRequestId");
    if (id != attrs->end() && id->is_string())
      return id->get_ref<const std::string&>().starts_with("\"");
  }
  return false;
}

Result<model::Span> SpanFromDict(const Json& d, size_t index, const TraceId& trace) {
  SpanReader r(d, index);
  if (!d.is_object()) return r.Bad("", "must be an object");
  const Json* context = r.Get("context");
  const bool v2 = context != nullptr && context->is_object();
  const bool json_text = ValuesAreJsonText(d, v2);
  model::Span span;

  const Json* trace_id = v2 ? (context->contains("trace_id") ? &(*context)["trace_id"] : nullptr)
                         : r.Get("otel_trace_id") ? r.Get("otel_trace_id")
                                                  : r.Get("trace_id");
  const Json* span_id =
      v2 ? (context->contains("span_id") ? &(*context)["span_id"] : nullptr) : r.Get("span_id");
  ASSIGN_OR_RETURN(std::optional<TraceId> tid, r.Id<16>(trace_id, "trace_id"));
  if (tid && *tid != trace)
    return r.Bad("trace_id", "does not match the trace of this artifact location");
  span.trace_id = trace;
  ASSIGN_OR_RETURN(std::optional<SpanId> sid, r.Id<8>(span_id, "span_id"));
  if (!sid || sid->IsZero()) return r.Bad("span_id", "is required");
  span.span_id = *sid;
  ASSIGN_OR_RETURN(std::optional<SpanId> parent,
                   r.Id<8>(v2 ? r.Get("parent_id") : r.Get("parent_span_id"), "parent_span_id"));
  if (parent) span.parent_span_id = *parent;

  const Json* name = r.Get("name");
  if (name == nullptr || !name->is_string()) return r.Bad("name", "must be a string");
  span.name = name->get<std::string>();
  if (const Json* ts = r.Get("trace_state"); ts != nullptr && ts->is_string())
    span.trace_state = ts->get<std::string>();
  span.kind = model::SpanKind::kInternal;  // what MLflow's Python and TypeScript SDKs create
  ASSIGN_OR_RETURN(
      span.start_time_unix_nano,
      r.Nanos(v2 ? r.Get("start_time") : r.Get("start_time_unix_nano"), "start_time_unix_nano"));
  ASSIGN_OR_RETURN(
      span.end_time_unix_nano,
      r.Nanos(v2 ? r.Get("end_time") : r.Get("end_time_unix_nano"), "end_time_unix_nano"));

  if (v2) {
    ASSIGN_OR_RETURN(span.status_code, r.StatusCode(r.Get("status_code"), "status_code"));
    if (const Json* m = r.Get("status_message"); m != nullptr && m->is_string())
      span.status_message = m->get<std::string>();
  } else if (const Json* status = r.Get("status")) {
    if (!status->is_object()) return r.Bad("status", "must be an object");
    auto code = status->find("code");
    ASSIGN_OR_RETURN(
        span.status_code,
        r.StatusCode(code == status->end() || code->is_null() ? nullptr : &*code, "status.code"));
    auto msg = status->find("message");
    if (msg != status->end() && msg->is_string()) span.status_message = msg->get<std::string>();
  }
  ASSIGN_OR_RETURN(span.attributes, r.Attributes(r.Get("attributes"), "attributes", json_text));

  if (const Json* events = r.Get("events")) {
    if (!events->is_array()) return r.Bad("events", "must be a list");
    for (size_t i = 0; i < events->size(); ++i) {
      const Json& e = (*events)[i];
      const std::string field = "events[" + std::to_string(i) + "]";
      if (!e.is_object()) return r.Bad(field, "must be an object");
      model::SpanEvent ev;
      auto name_it = e.find("name");
      if (name_it != e.end() && name_it->is_string()) ev.name = name_it->get<std::string>();
      auto time_it = e.find(v2 ? "timestamp" : "time_unix_nano");
      ASSIGN_OR_RETURN(ev.time_unix_nano,
                       r.Nanos(time_it == e.end() || time_it->is_null() ? nullptr : &*time_it,
                               field + ".time_unix_nano"));
      auto attrs_it = e.find("attributes");
      // Event attributes are plain OTel values in every schema (MLflow does not JSON-encode them).
      ASSIGN_OR_RETURN(
          ev.attributes,
          r.Attributes(attrs_it == e.end() || attrs_it->is_null() ? nullptr : &*attrs_it,
                       field + ".attributes", /*values_are_json_text=*/false));
      span.events.push_back(std::move(ev));
    }
  }
  return span;
}

}  // namespace

std::string Base64Encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out += {kBase64[n >> 18], kBase64[(n >> 12) & 63], kBase64[(n >> 6) & 63], kBase64[n & 63]};
  }
  if (i + 1 == in.size()) {
    uint32_t n = uint8_t(in[i]) << 16;
    out += {kBase64[n >> 18], kBase64[(n >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += {kBase64[n >> 18], kBase64[(n >> 12) & 63], kBase64[(n >> 6) & 63], '='};
  }
  return out;
}

bool Base64Decode(std::string_view in, std::string& out) {
  out.clear();
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == '+' || c == '-')
      v = 62;
    else if (c == '/' || c == '_')
      v = 63;
    else
      return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return bits < 6;  // a lone trailing sextet cannot come from whole bytes
}

Json SpanToOtlpJson(const model::Span& s) {
  // Proto3 JSON: fields holding their default value are left out, as MessageToJson does.
  Json j = {{"trace_id", Base64Encode(s.trace_id.AsStringView())},
            {"span_id", Base64Encode(s.span_id.AsStringView())},
            {"name", s.name}};
  if (!s.trace_state.empty()) j["trace_state"] = s.trace_state;
  if (!s.parent_span_id.IsZero())
    j["parent_span_id"] = Base64Encode(s.parent_span_id.AsStringView());
  if (s.flags != 0) j["flags"] = s.flags;
  if (s.kind != model::SpanKind::kUnspecified) j["kind"] = model::SpanKindName(s.kind);
  if (s.start_time_unix_nano != 0) j["start_time_unix_nano"] = s.start_time_unix_nano;
  if (s.end_time_unix_nano != 0) j["end_time_unix_nano"] = s.end_time_unix_nano;
  if (!s.attributes.empty()) j["attributes"] = AttributesToOtlpJson(s.attributes);
  if (s.dropped_attributes_count != 0) j["dropped_attributes_count"] = s.dropped_attributes_count;
  if (!s.events.empty()) {
    Json events = Json::array();
    for (const auto& e : s.events) {
      Json ev = {{"time_unix_nano", e.time_unix_nano}, {"name", e.name}};
      if (!e.attributes.empty()) ev["attributes"] = AttributesToOtlpJson(e.attributes);
      if (e.dropped_attributes_count != 0)
        ev["dropped_attributes_count"] = e.dropped_attributes_count;
      events.push_back(std::move(ev));
    }
    j["events"] = std::move(events);
  }
  if (s.dropped_events_count != 0) j["dropped_events_count"] = s.dropped_events_count;
  if (!s.links.empty()) {
    Json links = Json::array();
    for (const auto& l : s.links) {
      Json link = {{"trace_id", Base64Encode(l.trace_id.AsStringView())},
                   {"span_id", Base64Encode(l.span_id.AsStringView())}};
      if (!l.trace_state.empty()) link["trace_state"] = l.trace_state;
      if (!l.attributes.empty()) link["attributes"] = AttributesToOtlpJson(l.attributes);
      if (l.dropped_attributes_count != 0)
        link["dropped_attributes_count"] = l.dropped_attributes_count;
      if (l.flags != 0) link["flags"] = l.flags;
      links.push_back(std::move(link));
    }
    j["links"] = std::move(links);
  }
  if (s.dropped_links_count != 0) j["dropped_links_count"] = s.dropped_links_count;
  Json status = Json::object();
  if (s.status_code != model::SpanStatusCode::kUnset)
    status["code"] = model::SpanStatusCodeName(s.status_code);
  if (!s.status_message.empty()) status["message"] = s.status_message;
  j["status"] = std::move(status);
  return j;
}

namespace {

// Streaming forms of the functions above, for answers with many spans (traces/get of a
// 100,000-span trace): the same JSON text as DumpJson(SpanToOtlpJson(span)), keys in the same
// (sorted) order, without building a Json tree per span.
class OtlpJsonWriter {
 public:
  explicit OtlpJsonWriter(std::string& out) : out_(out) {}

  void Span(const model::Span& s) {
    Open();
    if (!s.attributes.empty()) Attributes("attributes", s.attributes);
    Uint("dropped_attributes_count", s.dropped_attributes_count);
    Uint("dropped_events_count", s.dropped_events_count);
    Uint("dropped_links_count", s.dropped_links_count);
    Uint("end_time_unix_nano", s.end_time_unix_nano);
    if (!s.events.empty()) {
      Key("events");
      out_ += '[';
      for (size_t i = 0; i < s.events.size(); ++i) {
        if (i != 0) out_ += ',';
        const model::SpanEvent& e = s.events[i];
        Open();
        if (!e.attributes.empty()) Attributes("attributes", e.attributes);
        Uint("dropped_attributes_count", e.dropped_attributes_count);
        String("name", e.name);
        Key("time_unix_nano");
        Number(e.time_unix_nano);
        Close();
      }
      out_ += ']';
    }
    Uint("flags", s.flags);
    if (s.kind != model::SpanKind::kUnspecified) String("kind", model::SpanKindName(s.kind));
    if (!s.links.empty()) {
      Key("links");
      out_ += '[';
      for (size_t i = 0; i < s.links.size(); ++i) {
        if (i != 0) out_ += ',';
        const model::SpanLink& l = s.links[i];
        Open();
        if (!l.attributes.empty()) Attributes("attributes", l.attributes);
        Uint("dropped_attributes_count", l.dropped_attributes_count);
        Uint("flags", l.flags);
        String("span_id", Base64Encode(l.span_id.AsStringView()));
        String("trace_id", Base64Encode(l.trace_id.AsStringView()));
        if (!l.trace_state.empty()) String("trace_state", l.trace_state);
        Close();
      }
      out_ += ']';
    }
    String("name", s.name);
    if (!s.parent_span_id.IsZero()) {
      String("parent_span_id", Base64Encode(s.parent_span_id.AsStringView()));
    }
    String("span_id", Base64Encode(s.span_id.AsStringView()));
    Uint("start_time_unix_nano", s.start_time_unix_nano);
    Key("status");
    Open();
    if (s.status_code != model::SpanStatusCode::kUnset) {
      String("code", model::SpanStatusCodeName(s.status_code));
    }
    if (!s.status_message.empty()) String("message", s.status_message);
    Close();
    String("trace_id", Base64Encode(s.trace_id.AsStringView()));
    if (!s.trace_state.empty()) String("trace_state", s.trace_state);
    Close();
  }

 private:
  // Objects: Open, then members (Key + value), then Close; a nested object is a value.
  void Open() {
    out_ += '{';
    first_ = true;
  }
  void Close() {
    out_ += '}';
    first_ = false;
  }
  void Key(std::string_view key) {
    if (!first_) out_ += ',';
    first_ = false;
    out_ += '"';
    out_ += key;
    out_ += "\":";
  }
  void Number(uint64_t v) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, r.ptr);
  }
  void Number(int64_t v) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, r.ptr);
  }
  // Proto3 JSON leaves zero out.
  void Uint(std::string_view key, uint64_t v) {
    if (v == 0) return;
    Key(key);
    Number(v);
  }
  void String(std::string_view key, std::string_view v) {
    Key(key);
    model::AppendJsonString(out_, v);
  }
  void Attributes(std::string_view key, const model::Attributes& attrs) {
    Key(key);
    KeyValues(attrs);
  }
  void KeyValues(const std::vector<model::KeyValue>& kvs) {
    out_ += '[';
    for (size_t i = 0; i < kvs.size(); ++i) {
      if (i != 0) out_ += ',';
      Open();
      String("key", kvs[i].key);
      Key("value");
      AnyValue(kvs[i].value);
      Close();
    }
    out_ += ']';
  }
  void AnyValue(const model::AnyValue& v) {
    Open();
    if (v.is_string()) {
      String("string_value", v.as_string());
    } else if (v.is_bool()) {
      Key("bool_value");
      out_ += v.as_bool() ? "true" : "false";
    } else if (v.is_int()) {
      Key("int_value");
      Number(v.as_int());
    } else if (v.is_double()) {
      // As nlohmann prints it (and NaN and infinities as protobuf JSON strings).
      Key("double_value");
      out_ += DumpJson(AnyValueToOtlpJson(v)["double_value"]);
    } else if (v.is_array()) {
      Key("array_value");
      Open();
      const auto& items = v.as_array();
      if (!items.empty()) {
        Key("values");
        out_ += '[';
        for (size_t i = 0; i < items.size(); ++i) {
          if (i != 0) out_ += ',';
          AnyValue(items[i]);
        }
        out_ += ']';
      }
      Close();
    } else if (v.is_kvlist()) {
      Key("kvlist_value");
      Open();
      if (!v.as_kvlist().empty()) {
        Key("values");
        KeyValues(v.as_kvlist());
      }
      Close();
    } else if (v.is_bytes()) {
      String("bytes_value", Base64Encode(v.as_bytes().data));
    }
    Close();
  }

  std::string& out_;
  bool first_ = true;  // no member written yet in the innermost open object
};

}  // namespace

void AppendSpanOtlpJson(const model::Span& span, std::string& out) {
  OtlpJsonWriter(out).Span(span);
}

Json TraceDataToJson(const std::vector<model::Span>& spans) {
  Json list = Json::array();
  for (const auto& s : spans) {
    Json events = Json::array();
    for (const auto& e : s.events)
      events.push_back({{"name", e.name},
                        {"time_unix_nano", e.time_unix_nano},
                        {"attributes", EventAttributesToTraceDataJson(e.attributes)}});
    list.push_back(
        {{"trace_id", Base64Encode(s.trace_id.AsStringView())},
         {"span_id", Base64Encode(s.span_id.AsStringView())},
         {"trace_state", s.trace_state},
         {"parent_span_id",
          s.parent_span_id.IsZero() ? "" : Base64Encode(s.parent_span_id.AsStringView())},
         {"name", s.name},
         {"start_time_unix_nano", s.start_time_unix_nano},
         {"end_time_unix_nano", s.end_time_unix_nano},
         {"events", std::move(events)},
         {"status",
          {{"code", model::SpanStatusCodeName(s.status_code)}, {"message", s.status_message}}},
         {"attributes", AttributesToTraceDataJson(s.attributes)}});
  }
  return {{"spans", std::move(list)}};
}

Result<std::vector<model::Span>> SpansFromTraceDataJson(const Json& doc, const TraceId& trace) {
  if (!doc.is_object())
    return InvalidArgumentError("Invalid trace data: expected a JSON object with \"spans\"");
  auto it = doc.find("spans");
  if (it == doc.end() || !it->is_array())
    return InvalidArgumentError("Invalid trace data: \"spans\" must be a list");
  if (it->size() > kMaxTraceDataSpans)
    return InvalidArgumentError("Invalid trace data: more than " +
                                std::to_string(kMaxTraceDataSpans) + " spans in one document");
  // MLflow's span dicts carry no resource or scope; the store keeps an empty one for them.
  auto resource = std::make_shared<const model::Resource>();
  auto scope = std::make_shared<const model::Scope>();
  std::vector<model::Span> spans;
  spans.reserve(it->size());
  for (size_t i = 0; i < it->size(); ++i) {
    ASSIGN_OR_RETURN(model::Span span, SpanFromDict((*it)[i], i, trace));
    span.resource = resource;
    span.scope = scope;
    model::NormalizeSpan(span);
    spans.push_back(std::move(span));
  }
  return spans;
}

}  // namespace tracelake::server
