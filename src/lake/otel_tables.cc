#include "lake/otel_tables.h"

#include <algorithm>
#include <map>
#include <utility>

#include "lake/variant.h"

namespace tracelake::lake {
namespace {

using model::AnyValue;

// Attribute values never get min/max statistics: they prune nothing (parquet_schema.h).
Field Attrs(std::string name, LakeSchema schema) {
  if (schema == LakeSchema::kUcExact) return Field::Variant(std::move(name));
  return Field::Map(std::move(name), Field::Leaf("value", FieldType::kString, Repetition::kOptional,
                                                 MinMaxStats::kSkip));
}
Field Str(std::string name) { return Field::Leaf(std::move(name), FieldType::kString); }
Field Json(std::string name, LakeSchema schema) {
  if (schema == LakeSchema::kUcExact) return Field::Variant(std::move(name));
  return Field::Leaf(std::move(name), FieldType::kString, Repetition::kOptional,
                     MinMaxStats::kSkip);
}
Field Int(std::string name) { return Field::Leaf(std::move(name), FieldType::kInt32); }
Field Long(std::string name) { return Field::Leaf(std::move(name), FieldType::kInt64); }
Field Time(std::string name) { return Field::Leaf(std::move(name), FieldType::kTimestampMicros); }
Field Date() { return Field::Leaf("date", FieldType::kDate); }

Field ResourceField(LakeSchema schema) {
  return Field::Struct("resource", {Attrs("attributes", schema), Int("dropped_attributes_count")});
}
Field ScopeField(LakeSchema schema) {
  return Field::Struct(
      "instrumentation_scope",
      {Str("name"), Str("version"), Attrs("attributes", schema), Int("dropped_attributes_count")});
}

std::vector<Field> MakeSpanColumns(LakeSchema schema) {
  Field event = Field::Struct("element",
                              {Long("time_unix_nano"), Str("name"), Attrs("attributes", schema),
                               Int("dropped_attributes_count")},
                              Repetition::kRequired);
  Field link =
      Field::Struct("element",
                    {Str("trace_id"), Str("span_id"), Str("trace_state"),
                     Attrs("attributes", schema), Int("dropped_attributes_count"), Int("flags")},
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
          Attrs("attributes", schema),
          Int("dropped_attributes_count"),
          Int("dropped_events_count"),
          Int("dropped_links_count"),
          Field::List("events", std::move(event)),
          Field::List("links", std::move(link)),
          Field::Struct("status", {Str("message"), Str("code")}),
          ResourceField(schema),
          Str("resource_schema_url"),
          Str("span_schema_url"),
          ScopeField(schema)};
}

std::vector<Field> MakeLogColumns(LakeSchema schema) {
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
          Json("body", schema),
          Attrs("attributes", schema),
          Int("dropped_attributes_count"),
          Int("flags"),
          ResourceField(schema),
          Str("resource_schema_url"),
          ScopeField(schema),
          Str("log_schema_url")};
}

std::vector<Field> MakeAnnotationColumns(LakeSchema schema) {
  return {Str("annotation_id"),  Str("annotation_type"),   Str("target_type"),
          Str("target_id"),      Str("span_id"),           Str("name"),
          Json("value", schema), Json("metadata", schema), Str("comment"),
          Str("source_type"),    Str("source_id"),         Time("created_at"),
          Time("updated_at"),    Time("deleted_at")};
}

Value I32(uint32_t v) { return Value(static_cast<int32_t>(v)); }
Value I64(uint64_t v) { return Value(static_cast<int64_t>(v)); }
Value StrOrNull(const std::string& s) { return s.empty() ? Value() : Value(s); }

Value ResourceValue(const model::Resource* r, LakeSchema schema) {
  if (r == nullptr) return Value();
  return Value::Struct({AttributesValue(r->attributes, schema), I32(r->dropped_attributes_count)});
}
Value ScopeValue(const model::Scope* s, LakeSchema schema) {
  if (s == nullptr) return Value();
  return Value::Struct({Value(s->name), Value(s->version), AttributesValue(s->attributes, schema),
                        I32(s->dropped_attributes_count)});
}
// A JSON text column: the text (portable) or its variant (uc-exact). Text that is not JSON
// (never written by the store) becomes a variant string rather than a lost value.
Value JsonValue(std::string text, LakeSchema schema) {
  if (schema == LakeSchema::kPortable) return Value(std::move(text));
  Result<VariantBytes> variant = VariantFromJson(text);
  if (!variant.ok()) return VariantColumnValue(VariantFromAnyValue(AnyValue(std::move(text))));
  return VariantColumnValue(*std::move(variant));
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

const std::vector<Field>& OtelSpanColumns(LakeSchema schema) {
  static const std::vector<Field> kPortable = MakeSpanColumns(LakeSchema::kPortable);
  static const std::vector<Field> kUcExact = MakeSpanColumns(LakeSchema::kUcExact);
  return schema == LakeSchema::kPortable ? kPortable : kUcExact;
}
const std::vector<Field>& OtelLogColumns(LakeSchema schema) {
  static const std::vector<Field> kPortable = MakeLogColumns(LakeSchema::kPortable);
  static const std::vector<Field> kUcExact = MakeLogColumns(LakeSchema::kUcExact);
  return schema == LakeSchema::kPortable ? kPortable : kUcExact;
}
const std::vector<Field>& OtelAnnotationColumns(LakeSchema schema) {
  static const std::vector<Field> kPortable = MakeAnnotationColumns(LakeSchema::kPortable);
  static const std::vector<Field> kUcExact = MakeAnnotationColumns(LakeSchema::kUcExact);
  return schema == LakeSchema::kPortable ? kPortable : kUcExact;
}

DeltaProtocol OtelTableProtocol(LakeSchema schema) {
  DeltaProtocol protocol;
  if (schema == LakeSchema::kUcExact) {
    protocol.min_reader_version = 3;
    protocol.min_writer_version = 7;
    protocol.reader_features = {"variantType"};
    protocol.writer_features = {"variantType"};
  }
  return protocol;
}

std::map<std::string, std::string> OtelTableConfiguration(LakeSchema schema) {
  if (schema == LakeSchema::kUcExact) return {{"otel.schemaVersion", "v2"}};
  return {{"tracelake.attributes.encoding", kAttributesEncoding}};
}

Result<LakeSchema> ParseLakeSchema(std::string_view name) {
  if (name == "portable") return LakeSchema::kPortable;
  if (name == "uc-exact") return LakeSchema::kUcExact;
  return InvalidArgumentError("unknown lake schema mode '" + std::string(name) +
                              "': use portable or uc-exact");
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

Value AttributesValue(const model::Attributes& attributes, LakeSchema schema) {
  if (schema == LakeSchema::kUcExact) {
    return VariantColumnValue(VariantFromAttributes(attributes));
  }
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

Value SpanColumn(const model::Span& span, size_t index, LakeSchema schema) {
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
      if (schema == LakeSchema::kUcExact) {
        const model::Attributes sent(span.attributes.begin(),
                                     span.attributes.end() - static_cast<ptrdiff_t>(derived));
        return VariantColumnValue(VariantFromAttributes(sent));
      }
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
        events.push_back(Value::Struct({I64(e.time_unix_nano), Value(e.name),
                                        AttributesValue(e.attributes, schema),
                                        I32(e.dropped_attributes_count)}));
      }
      return Value::List(std::move(events));
    }
    case 18: {
      std::vector<Value> links;
      links.reserve(span.links.size());
      for (const model::SpanLink& l : span.links) {
        links.push_back(Value::Struct({Value(l.trace_id.Hex()), Value(l.span_id.Hex()),
                                       Value(l.trace_state), AttributesValue(l.attributes, schema),
                                       I32(l.dropped_attributes_count), I32(l.flags)}));
      }
      return Value::List(std::move(links));
    }
    case 19:
      return Value::Struct(
          {Value(span.status_message), Value(model::SpanStatusCodeName(span.status_code))});
    case 20:
      return ResourceValue(resource, schema);
    case 21:
      return resource != nullptr ? Value(resource->schema_url) : Value();
    case 22:
      return scope != nullptr ? Value(scope->schema_url) : Value();
    case 23:
      return ScopeValue(scope, schema);
    default:
      return Value();
  }
}

Row SpanRow(const model::Span& span, LakeSchema schema) {
  const size_t n = OtelSpanColumns(schema).size();
  Row row;
  row.reserve(n);
  for (size_t i = 0; i < n; ++i) row.push_back(SpanColumn(span, i, schema));
  return row;
}

Row LogRow(const model::LogRecord& log, std::string record_id, LakeSchema schema) {
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
  if (log.body.empty()) {
    row.emplace_back();
  } else if (schema == LakeSchema::kUcExact) {
    row.push_back(VariantColumnValue(VariantFromAnyValue(log.body)));
  } else {
    row.emplace_back(log.body.ToJson());
  }
  row.push_back(AttributesValue(log.attributes, schema));
  row.push_back(I32(log.dropped_attributes_count));
  row.push_back(I32(log.flags));
  row.push_back(ResourceValue(resource, schema));
  row.push_back(resource != nullptr ? Value(resource->schema_url) : Value());
  row.push_back(ScopeValue(scope, schema));
  row.push_back(scope != nullptr ? Value(scope->schema_url) : Value());
  return row;
}

std::vector<Row> AnnotationRows(const model::TraceInfo& info,
                                std::optional<int64_t> observed_at_micros, LakeSchema schema) {
  const std::string trace_hex = info.trace_id.Hex();
  const Value request_time(info.request_time_ns / 1000);
  const Value observed = observed_at_micros ? Value(*observed_at_micros) : Value();
  std::vector<Row> rows;
  rows.reserve(info.assessments.size() + info.tags.size() + info.trace_metadata.size());

  for (const model::Assessment& a : info.assessments) {
    Value value;
    if (a.feedback && !a.feedback->value_json.empty()) {
      value = JsonValue(a.feedback->value_json, schema);
    }
    if (a.expectation && !a.expectation->value_json.empty()) {
      value = JsonValue(a.expectation->value_json, schema);
    }
    rows.push_back(
        Row{Value(a.assessment_id), Value(a.feedback ? "FEEDBACK" : "EXPECTATION"), Value("TRACE"),
            Value(trace_hex), StrOrNull(a.span_id), Value(a.assessment_name), std::move(value),
            a.metadata.empty() ? Value() : JsonValue(JsonObject(a.metadata), schema),
            StrOrNull(a.rationale), Value(model::AssessmentSourceTypeName(a.source.source_type)),
            StrOrNull(a.source.source_id), Value(a.create_time_ms * 1000),
            Value(a.last_update_time_ms * 1000), Value()});
  }
  auto add_entries = [&](const std::map<std::string, std::string>& entries, const char* type,
                         const char* id_prefix) {
    for (const auto& [key, text] : entries) {
      std::string id = id_prefix;
      id += trace_hex;
      id += ':';
      id += key;
      rows.push_back(Row{Value(std::move(id)), Value(type), Value("TRACE"), Value(trace_hex),
                         Value(), Value(key), JsonValue(JsonString(text), schema), Value(), Value(),
                         Value(), Value(), request_time, observed, Value()});
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
