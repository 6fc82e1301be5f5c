#include "lake/otel_tables.h"

#include <algorithm>
#include <map>
#include <utility>

namespace tracelake::lake {
namespace {

using model::AnyValue;

// Attribute values never get min/max statistics: they prune nothing (parquet_schema.h).
Field Attrs(std::string name) {
  return Field::Map(std::move(name), Field::Leaf("value", FieldType::kString, Repetition::kOptional,
                                                 MinMaxStats::kSkip));
}
Field Str(std::string name) { return Field::Leaf(std::move(name), FieldType::kString); }
Field Json(std::string name) {
  return Field::Leaf(std::move(name), FieldType::kString, Repetition::kOptional,
                     MinMaxStats::kSkip);
}
Field Int(std::string name) { return Field::Leaf(std::move(name), FieldType::kInt32); }
Field Long(std::string name) { return Field::Leaf(std::move(name), FieldType::kInt64); }
Field Time(std::string name) { return Field::Leaf(std::move(name), FieldType::kTimestampMicros); }
Field Date() { return Field::Leaf("date", FieldType::kDate); }

Field ResourceField() {
  return Field::Struct("resource", {Attrs("attributes"), Int("dropped_attributes_count")});
}
Field ScopeField() {
  return Field::Struct("instrumentation_scope", {Str("name"), Str("version"), Attrs("attributes"),
                                                 Int("dropped_attributes_count")});
}

std::vector<Field> MakeSpanColumns() {
  Field event = Field::Struct(
      "element",
      {Long("time_unix_nano"), Str("name"), Attrs("attributes"), Int("dropped_attributes_count")},
      Repetition::kRequired);
  Field link = Field::Struct("element",
                             {Str("trace_id"), Str("span_id"), Str("trace_state"),
                              Attrs("attributes"), Int("dropped_attributes_count"), Int("flags")},
                             Repetition::kRequired);
  return {Str("record_id"),
          Time("time"),
          Date(),
          Str("service_name"),
          Str("trace_id"),
          Str("span_id"),
          Str("parent_span_id"),
          Str("trace_state"),
          Int("flags"),
          Str("name"),
          Str("kind"),
          Long("start_time_unix_nano"),
          Long("end_time_unix_nano"),
          Attrs("attributes"),
          Int("dropped_attributes_count"),
          Int("dropped_events_count"),
          Int("dropped_links_count"),
          Field::List("events", std::move(event)),
          Field::List("links", std::move(link)),
          Field::Struct("status", {Str("message"), Str("code")}),
          ResourceField(),
          Str("resource_schema_url"),
          Str("span_schema_url"),
          ScopeField()};
}

std::vector<Field> MakeLogColumns() {
  return {Str("record_id"),
          Time("time"),
          Date(),
          Str("service_name"),
          Str("event_name"),
          Str("trace_id"),
          Str("span_id"),
          Long("time_unix_nano"),
          Long("observed_time_unix_nano"),
          Str("severity_number"),
          Str("severity_text"),
          Json("body"),
          Attrs("attributes"),
          Int("dropped_attributes_count"),
          Int("flags"),
          ResourceField(),
          Str("resource_schema_url"),
          ScopeField(),
          Str("log_schema_url")};
}

std::vector<Field> MakeAnnotationColumns() {
  return {Str("annotation_id"), Str("annotation_type"), Str("target_type"),
          Str("target_id"),     Str("span_id"),         Str("name"),
          Json("value"),        Json("metadata"),       Str("comment"),
          Str("source_type"),   Str("source_id"),       Time("created_at"),
          Time("updated_at"),   Time("deleted_at")};
}

Value I32(uint32_t v) { return Value(static_cast<int32_t>(v)); }
Value I64(uint64_t v) { return Value(static_cast<int64_t>(v)); }
Value StrOrNull(const std::string& s) { return s.empty() ? Value() : Value(s); }

Value ResourceValue(const model::Resource* r) {
  if (r == nullptr) return Value();
  return Value::Struct({AttributesValue(r->attributes), I32(r->dropped_attributes_count)});
}
Value ScopeValue(const model::Scope* s) {
  if (s == nullptr) return Value();
  return Value::Struct({Value(s->name), Value(s->version), AttributesValue(s->attributes),
                        I32(s->dropped_attributes_count)});
}
Value ServiceName(const model::Resource* r) {
  if (r == nullptr) return Value();
  const AnyValue* v = model::FindAttribute(r->attributes, "service.name");
  if (v == nullptr || v->empty()) return Value();
  return Value(v->ToDisplayString());
}

Value Timestamp(uint64_t unix_nano) { return Value(NanosToMicros(unix_nano)); }
Value DateOf(uint64_t unix_nano) { return Value(DaysSinceEpoch(NanosToMicros(unix_nano))); }

std::string JsonObject(const std::map<std::string, std::string>& m) {
  std::string out = "{";
  for (const auto& [k, v] : m) {
    if (out.size() > 1) out += ',';
    model::AppendJsonString(out, k);
    out += ':';
    model::AppendJsonString(out, v);
  }
  out += '}';
  return out;
}

std::string JsonString(const std::string& s) {
  std::string out;
  model::AppendJsonString(out, s);
  return out;
}

}  // namespace

const std::vector<Field>& OtelSpanColumns() {
  static const std::vector<Field> kColumns = MakeSpanColumns();
  return kColumns;
}
const std::vector<Field>& OtelLogColumns() {
  static const std::vector<Field> kColumns = MakeLogColumns();
  return kColumns;
}
const std::vector<Field>& OtelAnnotationColumns() {
  static const std::vector<Field> kColumns = MakeAnnotationColumns();
  return kColumns;
}

std::optional<std::string> AttributeValueText(const AnyValue& value) {
  if (value.empty()) return std::nullopt;
  if (value.is_string()) return value.as_string();
  if (value.is_bytes()) {
    // ToJson writes bytes as a quoted base64 string; the map holds it unquoted.
    std::string quoted = value.ToJson();
    return quoted.substr(1, quoted.size() - 2);
  }
  return value.ToJson();
}

Value AttributesValue(const model::Attributes& attributes) {
  std::vector<std::pair<std::string, Value>> entries;
  entries.reserve(attributes.size());
  for (const model::KeyValue& kv : attributes) {
    std::optional<std::string> text = AttributeValueText(kv.value);
    entries.emplace_back(kv.key, text ? Value(std::move(*text)) : Value());
  }
  return Value::Map(std::move(entries));
}

int64_t NanosToMicros(uint64_t unix_nano) { return static_cast<int64_t>(unix_nano / 1000); }

int32_t DaysSinceEpoch(int64_t unix_micros) {
  constexpr int64_t kMicrosPerDay = int64_t{86400} * 1000000;
  int64_t days = unix_micros / kMicrosPerDay;
  if (unix_micros % kMicrosPerDay < 0) --days;  // floor, not truncation, before 1970
  return static_cast<int32_t>(days);
}

Value SpanColumn(const model::Span& span, size_t index) {
  const model::Resource* resource = span.resource.get();
  const model::Scope* scope = span.scope.get();
  switch (index) {
    case 0:
      return Value(span.trace_id.Hex() + ":" + span.span_id.Hex());
    case 1:
      return Timestamp(span.start_time_unix_nano);
    case 2:
      return DateOf(span.start_time_unix_nano);
    case 3:
      return ServiceName(resource);
    case 4:
      return Value(span.trace_id.Hex());
    case 5:
      return Value(span.span_id.Hex());
    case 6:
      return Value(span.is_root() ? std::string() : span.parent_span_id.Hex());
    case 7:
      return Value(span.trace_state);
    case 8:
      return I32(span.flags);
    case 9:
      return Value(span.name);
    case 10:
      return Value(model::SpanKindName(span.kind));
    case 11:
      return I64(span.start_time_unix_nano);
    case 12:
      return I64(span.end_time_unix_nano);
    case 13: {
      const size_t derived = std::min(span.view.derived_attribute_count, span.attributes.size());
      std::vector<std::pair<std::string, Value>> entries;
      entries.reserve(span.attributes.size() - derived);
      for (size_t i = 0; i + derived < span.attributes.size(); ++i) {
        const model::KeyValue& kv = span.attributes[i];
        std::optional<std::string> text = AttributeValueText(kv.value);
        entries.emplace_back(kv.key, text ? Value(std::move(*text)) : Value());
      }
      return Value::Map(std::move(entries));
    }
    case 14:
      return I32(span.dropped_attributes_count);
    case 15:
      return I32(span.dropped_events_count);
    case 16:
      return I32(span.dropped_links_count);
    case 17: {
      std::vector<Value> events;
      events.reserve(span.events.size());
      for (const model::SpanEvent& e : span.events) {
        events.push_back(
            Value::Struct({I64(e.time_unix_nano), Value(e.name), AttributesValue(e.attributes),
                           I32(e.dropped_attributes_count)}));
      }
      return Value::List(std::move(events));
    }
    case 18: {
      std::vector<Value> links;
      links.reserve(span.links.size());
      for (const model::SpanLink& l : span.links) {
        links.push_back(Value::Struct({Value(l.trace_id.Hex()), Value(l.span_id.Hex()),
                                       Value(l.trace_state), AttributesValue(l.attributes),
                                       I32(l.dropped_attributes_count), I32(l.flags)}));
      }
      return Value::List(std::move(links));
    }
    case 19:
      return Value::Struct(
          {Value(span.status_message), Value(model::SpanStatusCodeName(span.status_code))});
    case 20:
      return ResourceValue(resource);
    case 21:
      return resource != nullptr ? Value(resource->schema_url) : Value();
    case 22:
      return scope != nullptr ? Value(scope->schema_url) : Value();
    case 23:
      return ScopeValue(scope);
    default:
      return Value();
  }
}

Row SpanRow(const model::Span& span) {
  const size_t n = OtelSpanColumns().size();
  Row row;
  row.reserve(n);
  for (size_t i = 0; i < n; ++i) row.push_back(SpanColumn(span, i));
  return row;
}

Row LogRow(const model::LogRecord& log, std::string record_id) {
  const uint64_t time = log.time_unix_nano != 0 ? log.time_unix_nano : log.observed_time_unix_nano;
  const model::Resource* resource = log.resource.get();
  const model::Scope* scope = log.scope.get();
  const bool linked = !log.trace_id.IsZero();

  Row row;
  row.reserve(OtelLogColumns().size());
  row.emplace_back(std::move(record_id));
  row.push_back(Timestamp(time));
  row.push_back(DateOf(time));
  row.push_back(ServiceName(resource));
  row.push_back(StrOrNull(log.event_name));
  row.push_back(linked ? Value(log.trace_id.Hex()) : Value());
  row.push_back(linked && !log.span_id.IsZero() ? Value(log.span_id.Hex()) : Value());
  row.push_back(I64(log.time_unix_nano));
  row.push_back(I64(log.observed_time_unix_nano));
  row.emplace_back(SeverityNumberName(log.severity_number));
  row.emplace_back(log.severity_text);
  row.push_back(log.body.empty() ? Value() : Value(log.body.ToJson()));
  row.push_back(AttributesValue(log.attributes));
  row.push_back(I32(log.dropped_attributes_count));
  row.push_back(I32(log.flags));
  row.push_back(ResourceValue(resource));
  row.push_back(resource != nullptr ? Value(resource->schema_url) : Value());
  row.push_back(ScopeValue(scope));
  row.push_back(scope != nullptr ? Value(scope->schema_url) : Value());
  return row;
}

std::vector<Row> AnnotationRows(const model::TraceInfo& info,
                                std::optional<int64_t> observed_at_micros) {
  const std::string trace_hex = info.trace_id.Hex();
  const Value request_time(info.request_time_ns / 1000);
  const Value observed = observed_at_micros ? Value(*observed_at_micros) : Value();
  std::vector<Row> rows;
  rows.reserve(info.assessments.size() + info.tags.size() + info.trace_metadata.size());

  for (const model::Assessment& a : info.assessments) {
    Value value;
    if (a.feedback && !a.feedback->value_json.empty()) value = Value(a.feedback->value_json);
    if (a.expectation && !a.expectation->value_json.empty()) {
      value = Value(a.expectation->value_json);
    }
    rows.push_back(Row{
        Value(a.assessment_id), Value(a.feedback ? "FEEDBACK" : "EXPECTATION"), Value("TRACE"),
        Value(trace_hex), StrOrNull(a.span_id), Value(a.assessment_name), std::move(value),
        a.metadata.empty() ? Value() : Value(JsonObject(a.metadata)), StrOrNull(a.rationale),
        Value(model::AssessmentSourceTypeName(a.source.source_type)), StrOrNull(a.source.source_id),
        Value(a.create_time_ms * 1000), Value(a.last_update_time_ms * 1000), Value()});
  }
  auto add_entries = [&](const std::map<std::string, std::string>& entries, const char* type,
                         const char* id_prefix) {
    for (const auto& [key, text] : entries) {
      std::string id = id_prefix;
      id += trace_hex;
      id += ':';
      id += key;
      rows.push_back(Row{Value(std::move(id)), Value(type), Value("TRACE"), Value(trace_hex),
                         Value(), Value(key), Value(JsonString(text)), Value(), Value(), Value(),
                         Value(), request_time, observed, Value()});
    }
  };
  add_entries(info.tags, "TAG", "tag:");
  add_entries(info.trace_metadata, "METADATA", "metadata:");
  return rows;
}

std::string SeverityNumberName(int32_t n) {
  // OTLP's SeverityNumber: 1-4 TRACE, 5-8 DEBUG, 9-12 INFO, 13-16 WARN, 17-20 ERROR,
  // 21-24 FATAL; the first of each group has no digit suffix.
  static constexpr const char* kGroups[] = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"};
  if (n <= 0 || n > 24) {
    return n == 0 ? "SEVERITY_NUMBER_UNSPECIFIED" : std::to_string(n);
  }
  std::string name = std::string("SEVERITY_NUMBER_") + kGroups[(n - 1) / 4];
  if (int sub = (n - 1) % 4; sub != 0) name += std::to_string(sub + 1);
  return name;
}

}  // namespace tracelake::lake
