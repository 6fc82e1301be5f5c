#include "lake/otel_tables.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "lake/parquet_reader.h"
#include "lake/parquet_writer.h"
#include "lake/variant.h"
#include "tests/common/status_matchers.h"

namespace tracelake::lake {
namespace {

using tracelake_testing::IsOk;

std::vector<std::string> Names(const std::vector<Field>& fields) {
  std::vector<std::string> out;
  for (const Field& f : fields) out.push_back(f.name);
  return out;
}

const std::string& Str(const Value& v) { return std::get<std::string>(v.get()); }
int64_t I64(const Value& v) { return std::get<int64_t>(v.get()); }
int32_t I32(const Value& v) { return std::get<int32_t>(v.get()); }
const MapValue& Map(const Value& v) { return std::get<MapValue>(v.get()); }
const StructValue& Struct(const Value& v) { return std::get<StructValue>(v.get()); }
const ListValue& List(const Value& v) { return std::get<ListValue>(v.get()); }

size_t Index(const std::vector<Field>& fields, const std::string& name) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].name == name) return i;
  }
  ADD_FAILURE() << "no column " << name;
  return 0;
}

model::Span SampleSpan() {
  model::Span s;
  s.trace_id = *TraceId::FromHex("0af7651916cd43dd8448eb211c80319c");
  s.span_id = *SpanId::FromHex("b7ad6b7169203331");
  s.parent_span_id = *SpanId::FromHex("00f067aa0ba902b7");
  s.trace_state = "k=v";
  s.flags = 1;
  s.name = "tool: søk";
  s.kind = model::SpanKind::kClient;
  s.start_time_unix_nano = 1718445600250123456;  // 2024-06-15T10:00:00.250123456Z
  s.end_time_unix_nano = 1718445601000000000;
  s.attributes = {{"str", "täxt"},
                  {"int", int64_t{42}},
                  {"dbl", 1.5},
                  {"bool", true},
                  {"bytes", model::Bytes{"\x01\x02\x03"}},
                  {"arr", model::AnyValue::Array{1, "a"}},
                  {"empty", model::AnyValue()},
                  {"derived", "x"}};
  s.view.derived_attribute_count = 1;
  s.events.push_back({1718445600300000000, "ev", {{"k", "v"}}, 2});
  model::SpanLink link;
  link.trace_id = s.trace_id;
  link.span_id = s.parent_span_id;
  link.flags = 3;
  s.links.push_back(link);
  s.status_code = model::SpanStatusCode::kError;
  s.status_message = "boom";
  auto resource = std::make_shared<model::Resource>();
  resource->attributes = {{"service.name", "agent"}};
  resource->schema_url = "https://r";
  s.resource = resource;
  auto scope = std::make_shared<model::Scope>();
  scope->name = "lib";
  scope->version = "1.0";
  scope->schema_url = "https://s";
  s.scope = scope;
  return s;
}

TEST(OtelTablesTest, SpanColumnsFollowTheSpecOrder) {
  EXPECT_THAT(Names(OtelSpanColumns()),
              testing::ElementsAre(
                  "record_id", "time", "date", "service_name", "trace_id", "span_id",
                  "parent_span_id", "trace_state", "flags", "name", "kind", "start_time_unix_nano",
                  "end_time_unix_nano", "attributes", "dropped_attributes_count",
                  "dropped_events_count", "dropped_links_count", "events", "links", "status",
                  "resource", "resource_schema_url", "span_schema_url", "instrumentation_scope"));
  EXPECT_EQ(OtelSpanColumns()[1].type, FieldType::kTimestampMicros);
  EXPECT_EQ(OtelSpanColumns()[2].type, FieldType::kDate);
  EXPECT_EQ(OtelSpanColumns()[13].type, FieldType::kMap);
  EXPECT_EQ(OtelSpanColumns()[17].children[0].repetition, Repetition::kRequired);
  // 28 stats leaves (spec 3.3): every leaf but date, maps and lists counting once.
  auto schema = ParquetSchema::Make(OtelSpanColumns());
  ASSERT_THAT(schema, IsOk());
  EXPECT_GT(schema->leaves().size(), 28u);
}

TEST(OtelTablesTest, LogAndAnnotationColumnsFollowTheSpecOrder) {
  EXPECT_THAT(Names(OtelLogColumns()),
              testing::ElementsAre(
                  "record_id", "time", "date", "service_name", "event_name", "trace_id", "span_id",
                  "time_unix_nano", "observed_time_unix_nano", "severity_number", "severity_text",
                  "body", "attributes", "dropped_attributes_count", "flags", "resource",
                  "resource_schema_url", "instrumentation_scope", "log_schema_url"));
  EXPECT_THAT(Names(OtelAnnotationColumns()),
              testing::ElementsAre("annotation_id", "annotation_type", "target_type", "target_id",
                                   "span_id", "name", "value", "metadata", "comment", "source_type",
                                   "source_id", "created_at", "updated_at", "deleted_at"));
  EXPECT_THAT(ParquetSchema::Make(OtelLogColumns()), IsOk());
  EXPECT_THAT(ParquetSchema::Make(OtelAnnotationColumns()), IsOk());
}

TEST(OtelTablesTest, AttributeValuesFollowThePortableRule) {
  EXPECT_EQ(AttributeValueText(model::AnyValue("a\"b")), "a\"b");
  EXPECT_EQ(AttributeValueText(model::AnyValue(true)), "true");
  EXPECT_EQ(AttributeValueText(model::AnyValue(int64_t{-7})), "-7");
  EXPECT_EQ(AttributeValueText(model::AnyValue(0.25)), "0.25");
  EXPECT_EQ(AttributeValueText(model::AnyValue(model::Bytes{"hi"})), "aGk=");
  EXPECT_EQ(AttributeValueText(model::AnyValue(model::AnyValue::Array{1, "x"})), "[1,\"x\"]");
  EXPECT_EQ(AttributeValueText(model::AnyValue(model::AnyValue::KvList{{"k", false}})),
            "{\"k\":false}");
  EXPECT_EQ(AttributeValueText(model::AnyValue()), std::nullopt);
}

TEST(OtelTablesTest, SpanRowHoldsEveryField) {
  const model::Span span = SampleSpan();
  const Row row = SpanRow(span);
  const auto& cols = OtelSpanColumns();
  ASSERT_EQ(row.size(), cols.size());
  EXPECT_EQ(Str(row[Index(cols, "record_id")]),
            "0af7651916cd43dd8448eb211c80319c:b7ad6b7169203331");
  EXPECT_EQ(I64(row[Index(cols, "time")]), 1718445600250123);
  EXPECT_EQ(I32(row[Index(cols, "date")]), 19889);  // 2024-06-15
  EXPECT_EQ(Str(row[Index(cols, "service_name")]), "agent");
  EXPECT_EQ(Str(row[Index(cols, "parent_span_id")]), "00f067aa0ba902b7");
  EXPECT_EQ(Str(row[Index(cols, "kind")]), "SPAN_KIND_CLIENT");
  EXPECT_EQ(I64(row[Index(cols, "start_time_unix_nano")]), 1718445600250123456);
  const MapValue& attrs = Map(row[Index(cols, "attributes")]);
  ASSERT_EQ(attrs.entries.size(), 7u);  // the derived one is left out
  EXPECT_EQ(Str(attrs.entries[0].second), "täxt");
  EXPECT_EQ(Str(attrs.entries[1].second), "42");
  EXPECT_EQ(Str(attrs.entries[4].second), "AQID");
  EXPECT_TRUE(attrs.entries[6].second.is_null());
  const ListValue& events = List(row[Index(cols, "events")]);
  ASSERT_EQ(events.items.size(), 1u);
  EXPECT_EQ(Str(Struct(events.items[0]).fields[1]), "ev");
  EXPECT_EQ(I32(Struct(events.items[0]).fields[3]), 2);
  const ListValue& links = List(row[Index(cols, "links")]);
  ASSERT_EQ(links.items.size(), 1u);
  EXPECT_EQ(I32(Struct(links.items[0]).fields[5]), 3);
  const StructValue& status = Struct(row[Index(cols, "status")]);
  EXPECT_EQ(Str(status.fields[0]), "boom");
  EXPECT_EQ(Str(status.fields[1]), "STATUS_CODE_ERROR");
  EXPECT_EQ(Str(row[Index(cols, "resource_schema_url")]), "https://r");
  EXPECT_EQ(Str(row[Index(cols, "span_schema_url")]), "https://s");
  EXPECT_EQ(Str(Struct(row[Index(cols, "instrumentation_scope")]).fields[1]), "1.0");
}

TEST(OtelTablesTest, SpanColumnIsOneColumnOfTheRow) {
  const model::Span span = SampleSpan();
  const Row row = SpanRow(span);
  EXPECT_EQ(Str(SpanColumn(span, 0)), Str(row[0]));
  EXPECT_EQ(I64(SpanColumn(span, 1)), I64(row[1]));
  EXPECT_EQ(Map(SpanColumn(span, 13)).entries.size(), Map(row[13]).entries.size());
  EXPECT_TRUE(SpanColumn(span, OtelSpanColumns().size()).is_null());
}

TEST(OtelTablesTest, RootSpanWithoutResourceHasEmptyParentAndNullResource) {
  model::Span span = SampleSpan();
  span.parent_span_id = SpanId();
  span.resource = nullptr;
  span.scope = nullptr;
  const Row row = SpanRow(span);
  const auto& cols = OtelSpanColumns();
  EXPECT_EQ(Str(row[Index(cols, "parent_span_id")]), "");
  EXPECT_TRUE(row[Index(cols, "service_name")].is_null());
  EXPECT_TRUE(row[Index(cols, "resource")].is_null());
  EXPECT_TRUE(row[Index(cols, "instrumentation_scope")].is_null());
}

TEST(OtelTablesTest, DaysBeforeTheEpochRoundDown) {
  EXPECT_EQ(DaysSinceEpoch(0), 0);
  EXPECT_EQ(DaysSinceEpoch(-1), -1);
  EXPECT_EQ(DaysSinceEpoch(int64_t{86400} * 1000000), 1);
}

TEST(OtelTablesTest, LogRowUsesObservedTimeWhenTimeIsZero) {
  model::LogRecord log;
  log.observed_time_unix_nano = 86400000000000;
  log.severity_number = 10;
  log.body = model::AnyValue("hello");
  log.event_name = "gen_ai.user.message";
  const Row row = LogRow(log, "log-1");
  const auto& cols = OtelLogColumns();
  ASSERT_EQ(row.size(), cols.size());
  EXPECT_EQ(I64(row[Index(cols, "time")]), 86400000000);
  EXPECT_EQ(I32(row[Index(cols, "date")]), 1);
  EXPECT_EQ(Str(row[Index(cols, "severity_number")]), "SEVERITY_NUMBER_INFO2");
  EXPECT_EQ(Str(row[Index(cols, "body")]), "\"hello\"");
  EXPECT_TRUE(row[Index(cols, "trace_id")].is_null());
  EXPECT_EQ(SeverityNumberName(1), "SEVERITY_NUMBER_TRACE");
  EXPECT_EQ(SeverityNumberName(24), "SEVERITY_NUMBER_FATAL4");
}

TEST(OtelTablesTest, AnnotationRowsCoverAssessmentsTagsAndMetadata) {
  model::TraceInfo info;
  info.trace_id = *TraceId::FromHex("0af7651916cd43dd8448eb211c80319c");
  info.request_time_ns = 5'000'000;
  model::Assessment a;
  a.assessment_id = "a-1";
  a.assessment_name = "correct";
  a.source.source_type = model::AssessmentSourceType::kLlmJudge;
  a.source.source_id = "judge";
  a.create_time_ms = 7;
  a.last_update_time_ms = 8;
  a.feedback = model::Feedback{"true", std::nullopt};
  a.rationale = "fine";
  a.metadata = {{"k", "v"}};
  info.assessments.push_back(a);
  info.tags = {{"t", "x"}};
  info.trace_metadata = {{"mlflow.trace.user", "ann"}};
  const std::vector<Row> rows = AnnotationRows(info, 99);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(Str(rows[0][1]), "FEEDBACK");
  EXPECT_EQ(Str(rows[0][3]), "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(Str(rows[0][6]), "true");
  EXPECT_EQ(Str(rows[0][7]), "{\"k\":\"v\"}");
  EXPECT_EQ(Str(rows[0][9]), "LLM_JUDGE");
  EXPECT_EQ(I64(rows[0][11]), 7000);
  EXPECT_EQ(Str(rows[1][0]), "tag:0af7651916cd43dd8448eb211c80319c:t");
  EXPECT_EQ(Str(rows[1][6]), "\"x\"");
  EXPECT_EQ(I64(rows[1][11]), 5000);
  EXPECT_EQ(I64(rows[1][12]), 99);
  EXPECT_EQ(Str(rows[2][1]), "METADATA");
}

// The rows fit the columns: the Parquet writer checks every value against its field's type.
void WriteRows(const std::filesystem::path& path, const std::vector<Field>& fields,
               const std::vector<Row>& rows) {
  auto schema = ParquetSchema::Make(fields);
  ASSERT_THAT(schema, IsOk());
  auto writer = ParquetWriter::Create(path, *schema);
  ASSERT_THAT(writer, IsOk());
  for (const Row& r : rows) EXPECT_THAT((*writer)->Append(r), IsOk());
  EXPECT_THAT((*writer)->Close(), IsOk());
}

TEST(OtelTablesTest, ParquetWriterAcceptsTheRows) {
  const auto dir = std::filesystem::path(testing::TempDir()) / "otel_tables_test";
  std::filesystem::create_directories(dir);
  WriteRows(dir / "spans.parquet", OtelSpanColumns(), {SpanRow(SampleSpan())});
  model::LogRecord log;
  log.resource = SampleSpan().resource;
  WriteRows(dir / "logs.parquet", OtelLogColumns(), {LogRow(log, "r")});
  model::TraceInfo info;
  info.tags = {{"a", "b"}};
  WriteRows(dir / "ann.parquet", OtelAnnotationColumns(), AnnotationRows(info));
  std::filesystem::remove_all(dir);
}

// uc-exact: the same columns, with VARIANT where the UC DDL has it, and rows that survive a
// Parquet round trip.
TEST(OtelTablesTest, UcExactModeHasVariantColumns) {
  const auto& spans = OtelSpanColumns(LakeSchema::kUcExact);
  EXPECT_EQ(Names(spans), Names(OtelSpanColumns()));
  const Field& attrs = spans[Index(spans, "attributes")];
  EXPECT_TRUE(attrs.variant);
  EXPECT_EQ(attrs.type, FieldType::kStruct);
  const auto& logs = OtelLogColumns(LakeSchema::kUcExact);
  EXPECT_TRUE(logs[Index(logs, "body")].variant);
  const auto& ann = OtelAnnotationColumns(LakeSchema::kUcExact);
  EXPECT_TRUE(ann[Index(ann, "value")].variant);
  EXPECT_TRUE(ann[Index(ann, "metadata")].variant);
  EXPECT_FALSE(ann[Index(ann, "name")].variant);
  EXPECT_FALSE(OtelSpanColumns()[Index(spans, "attributes")].variant);

  EXPECT_EQ(OtelTableProtocol(LakeSchema::kUcExact).min_reader_version, 3);
  EXPECT_EQ(OtelTableProtocol(LakeSchema::kUcExact).writer_features,
            std::vector<std::string>{"variantType"});
  EXPECT_EQ(OtelTableProtocol(LakeSchema::kPortable).min_writer_version, 2);
  EXPECT_EQ(OtelTableConfiguration(LakeSchema::kUcExact).at("otel.schemaVersion"), "v2");
  EXPECT_TRUE(ParseLakeSchema("uc-exact").ok());
  EXPECT_FALSE(ParseLakeSchema("exact").ok());
}

TEST(OtelTablesTest, UcExactRowsHoldVariants) {
  const model::Span span = SampleSpan();
  const Row row = SpanRow(span, LakeSchema::kUcExact);
  const auto& cols = OtelSpanColumns(LakeSchema::kUcExact);
  // The sender's attributes (not the derived one) as one variant object.
  model::Attributes sent(span.attributes.begin(), span.attributes.end() - 1);
  const StructValue& attrs = Struct(row[Index(cols, "attributes")]);
  ASSERT_EQ(attrs.fields.size(), 2u);
  const VariantBytes expected = VariantFromAttributes(sent);
  EXPECT_EQ(Str(attrs.fields[0]), expected.metadata);
  EXPECT_EQ(Str(attrs.fields[1]), expected.value);
  EXPECT_EQ(Str(row[Index(cols, "name")]), "tool: søk");

  model::LogRecord log;
  log.body = model::AnyValue("hello");
  const Row log_row = LogRow(log, "r", LakeSchema::kUcExact);
  const auto& log_cols = OtelLogColumns(LakeSchema::kUcExact);
  EXPECT_EQ(Str(Struct(log_row[Index(log_cols, "body")]).fields[1]),
            VariantFromAnyValue(log.body).value);
  log.body = model::AnyValue();
  EXPECT_TRUE(LogRow(log, "r", LakeSchema::kUcExact)[Index(log_cols, "body")].is_null());

  model::TraceInfo info;
  info.tags = {{"customer", "acme"}};
  const std::vector<Row> ann = AnnotationRows(info, std::nullopt, LakeSchema::kUcExact);
  ASSERT_EQ(ann.size(), 1u);
  const auto& ann_cols = OtelAnnotationColumns(LakeSchema::kUcExact);
  // The tag's JSON text "acme" becomes the variant string acme.
  EXPECT_EQ(Str(Struct(ann[0][Index(ann_cols, "value")]).fields[1]),
            VariantFromAnyValue(model::AnyValue("acme")).value);

  const auto dir = std::filesystem::path(testing::TempDir()) / "otel_tables_uc_test";
  std::filesystem::create_directories(dir);
  WriteRows(dir / "spans.parquet", cols, {row});
  auto schema = ParquetSchema::Make(cols);
  ASSERT_THAT(schema, IsOk());
  auto back = ReadParquetRows(dir / "spans.parquet", *schema);
  ASSERT_THAT(back, IsOk());
  ASSERT_EQ(back->size(), 1u);
  const StructValue& read = Struct((*back)[0][Index(cols, "attributes")]);
  EXPECT_EQ(Str(read.fields[1]), expected.value);
  WriteRows(dir / "ann.parquet", ann_cols, ann);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tracelake::lake
