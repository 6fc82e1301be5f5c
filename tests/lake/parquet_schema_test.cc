#include "lake/parquet_schema.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lake/parquet_format.h"
#include "tests/common/status_matchers.h"

namespace tracelake::lake {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::tracelake_testing::StatusIs;

Field Str(const std::string& name) { return Field::Leaf(name, FieldType::kString); }

// The span table's nested columns (shared/spec/delta-parquet.md section 2.5).
ParquetSchema SpanLikeSchema() {
  auto schema = ParquetSchema::Make({
      Field::Leaf("trace_id", FieldType::kString, Repetition::kRequired),
      Field::Map("attributes", Str("value")),
      Field::List("events", Field::Struct("element",
                                          {Field::Leaf("time_unix_nano", FieldType::kInt64),
                                           Str("name"), Field::Map("attributes", Str("value"))},
                                          Repetition::kRequired)),
      Field::Struct("status", {Str("message"), Str("code")}),
  });
  EXPECT_TRUE(schema.ok());
  return *schema;
}

TEST(ParquetSchemaTest, LeavesHaveTheirPathsAndMaximumLevels) {
  ParquetSchema schema = SpanLikeSchema();
  std::vector<std::string> paths;
  std::vector<std::pair<int, int>> levels;
  for (const LeafColumn& leaf : schema.leaves()) {
    std::string path;
    for (const auto& part : leaf.path) path += (path.empty() ? "" : ".") + part;
    paths.push_back(path);
    levels.emplace_back(leaf.max_definition_level, leaf.max_repetition_level);
  }
  EXPECT_THAT(paths,
              ElementsAre("trace_id", "attributes.key_value.key", "attributes.key_value.value",
                          "events.list.element.time_unix_nano", "events.list.element.name",
                          "events.list.element.attributes.key_value.key",
                          "events.list.element.attributes.key_value.value", "status.message",
                          "status.code"));
  EXPECT_THAT(levels, ElementsAre(std::pair(0, 0), std::pair(2, 1), std::pair(3, 1),
                                  std::pair(3, 1), std::pair(3, 1), std::pair(4, 2),
                                  std::pair(5, 2), std::pair(2, 0), std::pair(2, 0)));
}

TEST(ParquetSchemaTest, SchemaElementsCarryLogicalAndConvertedTypes) {
  auto schema = ParquetSchema::Make({
      Field::Leaf("s", FieldType::kString),
      Field::Leaf("t", FieldType::kTimestampMicros, Repetition::kRequired),
      Field::Leaf("d", FieldType::kDate),
      Field::Leaf("n", FieldType::kInt64),
      Field::Leaf("b", FieldType::kBinary),
      Field::Map("m", Str("value")),
      Field::List("l", Field::Leaf("x", FieldType::kInt32)),
  });
  ASSERT_TRUE(schema.ok());
  std::vector<pq::SchemaElement> e = ToSchemaElements(*schema);
  ASSERT_EQ(e.size(), 1 + 5 + 4 + 3);
  EXPECT_EQ(e[0].name, "schema");
  EXPECT_EQ(e[0].num_children, 7);
  EXPECT_FALSE(e[0].__isset.repetition_type);
  EXPECT_EQ(e[1].type, pq::Type::BYTE_ARRAY);
  EXPECT_EQ(e[1].converted_type, pq::ConvertedType::UTF8);
  EXPECT_TRUE(e[1].logicalType.__isset.STRING);
  EXPECT_EQ(e[2].repetition_type, pq::FieldRepetitionType::REQUIRED);
  EXPECT_EQ(e[2].type, pq::Type::INT64);
  EXPECT_EQ(e[2].converted_type, pq::ConvertedType::TIMESTAMP_MICROS);
  EXPECT_TRUE(e[2].logicalType.TIMESTAMP.isAdjustedToUTC);
  EXPECT_TRUE(e[2].logicalType.TIMESTAMP.unit.__isset.MICROS);
  EXPECT_EQ(e[3].type, pq::Type::INT32);
  EXPECT_EQ(e[3].converted_type, pq::ConvertedType::DATE);
  EXPECT_EQ(e[4].converted_type, pq::ConvertedType::INT_64);
  EXPECT_EQ(e[4].logicalType.INTEGER.bitWidth, 64);
  EXPECT_FALSE(e[5].__isset.converted_type);
  EXPECT_FALSE(e[5].__isset.logicalType);
  // m (MAP) { repeated key_value { required key (STRING); optional value (STRING) } }
  EXPECT_EQ(e[6].converted_type, pq::ConvertedType::MAP);
  EXPECT_TRUE(e[6].logicalType.__isset.MAP);
  EXPECT_EQ(e[7].name, "key_value");
  EXPECT_EQ(e[7].repetition_type, pq::FieldRepetitionType::REPEATED);
  EXPECT_FALSE(e[7].__isset.converted_type);
  EXPECT_EQ(e[8].name, "key");
  EXPECT_EQ(e[8].repetition_type, pq::FieldRepetitionType::REQUIRED);
  EXPECT_EQ(e[9].name, "value");
  // l (LIST) { repeated list { optional element } }
  EXPECT_EQ(e[10].converted_type, pq::ConvertedType::LIST);
  EXPECT_EQ(e[11].name, "list");
  EXPECT_EQ(e[12].name, "element");
  EXPECT_EQ(e[12].converted_type, pq::ConvertedType::INT_32);
}

TEST(ParquetSchemaTest, RefusesMalformedSchemas) {
  EXPECT_THAT(ParquetSchema::Make({}), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ParquetSchema::Make({Str("a"), Str("a")}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("duplicate field a")));
  EXPECT_THAT(ParquetSchema::Make({Str("")}), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ParquetSchema::Make({Field::Struct("s", {})}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("at least one field")));
  Field bad_leaf = Str("x");
  bad_leaf.children.push_back(Str("y"));
  EXPECT_THAT(ParquetSchema::Make({bad_leaf}), StatusIs(StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace tracelake::lake
