// The three OpenTelemetry trace tables of the lake (`<prefix>_otel_spans`, `_otel_logs`,
// `_otel_annotations`): their columns as Parquet fields and the rows the store's model becomes,
// in the Unity Catalog layout of shared/spec/delta-parquet.md section 3, in either schema mode.
//
// Portable mode (the default; Delta protocol (1,2), readable by every Delta client): every
// attribute map is map<string, string>, each value by the rule
// "string-or-json-v1": an OTel string as is; bool, int and double as their JSON literal text
// (true, 42, 1.5); bytes as base64; arrays and kvlists as JSON; an empty AnyValue as null.
// Log bodies and annotation values/metadata are JSON text.
//
// uc-exact mode (opt-in; protocol (3,7) with the variantType feature, Delta 4.0+ and Databricks
// Runtime 15.3+ readers): those columns are VARIANT, as in the UC DDL (lake/variant.h).
//
//   ASSIGN_OR_RETURN(auto schema, ParquetSchema::Make(OtelSpanColumns()));
//   ParquetWriter writer(..., schema, ...);
//   for (const model::Span& span : trace.spans) RETURN_IF_ERROR(writer.Append(SpanRow(span)));
//
// The SQL engine's otel_* tables (storage/sqlite/otel_sql_tables.h) use the same columns and rows.
// Pure functions; safe for concurrent use.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lake/delta_log.h"
#include "lake/parquet_schema.h"
#include "lake/parquet_value.h"
#include "model/any_value.h"
#include "model/log_record.h"
#include "model/span.h"
#include "model/trace.h"

namespace tracelake::lake {

// Written to the Delta table's `configuration` as "tracelake.attributes.encoding".
inline constexpr const char* kAttributesEncoding = "string-or-json-v1";

enum class LakeSchema { kPortable, kUcExact };
// "portable" or "uc-exact"; kInvalidArgument otherwise.
Result<LakeSchema> ParseLakeSchema(std::string_view name);

// Columns in the spec's order (sections 3.3, 3.4, 3.5). Every field is nullable; lists have
// non-null elements. `date` (kDate) is the partition column of spans and logs.
const std::vector<Field>& OtelSpanColumns(LakeSchema schema = LakeSchema::kPortable);
const std::vector<Field>& OtelLogColumns(LakeSchema schema = LakeSchema::kPortable);
const std::vector<Field>& OtelAnnotationColumns(LakeSchema schema = LakeSchema::kPortable);
// The Delta protocol and metaData.configuration entries of a table in that mode.
DeltaProtocol OtelTableProtocol(LakeSchema schema);
std::map<std::string, std::string> OtelTableConfiguration(LakeSchema schema);

// One attribute value by the portable rule; nullopt for an empty AnyValue.
std::optional<std::string> AttributeValueText(const model::AnyValue& value);
// The value of an attributes column: a kMap (portable; duplicate keys are kept as sent) or a
// variant object (uc-exact; a repeated key keeps its last value).
Value AttributesValue(const model::Attributes& attributes,
                      LakeSchema schema = LakeSchema::kPortable);

// Microseconds since the epoch (floor) and the UTC day of a time in nanoseconds.
int64_t NanosToMicros(uint64_t unix_nano);
int32_t DaysSinceEpoch(int64_t unix_micros);

// The span as one row of OtelSpanColumns(). Attributes are the sender's: the ones
// model::NormalizeSpan appended (span.view.derived_attribute_count) are left out. A span without
// a resource (or scope) has null resource, service_name and resource_schema_url (or
// instrumentation_scope and span_schema_url). record_id is "<trace_id>:<span_id>" in hex.
Row SpanRow(const model::Span& span, LakeSchema schema = LakeSchema::kPortable);
// SpanRow(span)[index] alone (null past the last column), for readers that need a few columns
// of many spans (the SQL tables).
Value SpanColumn(const model::Span& span, size_t index, LakeSchema schema = LakeSchema::kPortable);

// The log record as one row of OtelLogColumns(). record_id is the caller's (logs carry no id of
// their own). time is time_unix_nano, or observed_time_unix_nano when that is 0; trace_id and
// span_id are null when the record is not linked to a span.
Row LogRow(const model::LogRecord& log, std::string record_id,
           LakeSchema schema = LakeSchema::kPortable);

// The trace's annotations as rows of OtelAnnotationColumns(): one per assessment (FEEDBACK or
// EXPECTATION), tag (TAG) and metadata entry (METADATA), in that order. target_id is the trace
// id in hex. Tags and metadata carry no times of their own: their created_at is the trace's
// request time and updated_at is `observed_at_micros` (the time the caller read them), null
// when not given. annotation_id of a tag or metadata entry is "<kind>:<trace hex>:<key>", so a
// later value of the same key has the same id.
std::vector<Row> AnnotationRows(const model::TraceInfo& info,
                                std::optional<int64_t> observed_at_micros = std::nullopt,
                                LakeSchema schema = LakeSchema::kPortable);

// Enum names as the UC tables hold them.
std::string SeverityNumberName(int32_t severity_number);  // SEVERITY_NUMBER_INFO, ...

}  // namespace tracelake::lake
