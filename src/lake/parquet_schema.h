// The schema of a Parquet file as tracelake writes it: named fields of a few logical types,
// nested as structs, lists and maps (shared/spec/delta-parquet.md sections 2.4-2.5). Every field
// maps to one Parquet type with both its LogicalType and its ConvertedType.
//
//   ParquetSchema::Make({
//       Field::Leaf("trace_id", FieldType::kString),
//       Field::Leaf("time", FieldType::kTimestampMicros),
//       Field::Map("attributes", Field::Leaf("value", FieldType::kString)),
//   });
//
// Immutable once made; safe for concurrent use.
#pragma once

#include <string>
#include <vector>

#include "tracelake/status.h"

namespace tracelake::lake {

enum class FieldType {
  kBoolean,
  kInt32,            // INT32, INTEGER(32, signed)
  kInt64,            // INT64, INTEGER(64, signed)
  kDouble,           // DOUBLE
  kString,           // BYTE_ARRAY, STRING / UTF8
  kBinary,           // BYTE_ARRAY, no annotation
  kDate,             // INT32, DATE: days since 1970-01-01
  kTimestampMicros,  // INT64, TIMESTAMP(isAdjustedToUTC=true, MICROS) / TIMESTAMP_MICROS
  kStruct,           // group of the children
  kList,             // 3-level LIST: group (LIST) { repeated group list { element } }
  kMap,              // MAP: group (MAP) { repeated group key_value { required key; value } }
};

enum class Repetition { kRequired, kOptional };

// Whether a leaf's column chunks carry min/max statistics (null counts are always written).
// kSkip for JSON text and attribute values, where min/max prune nothing.
enum class MinMaxStats { kWrite, kSkip };

struct Field {
  std::string name;
  FieldType type = FieldType::kString;
  Repetition repetition = Repetition::kOptional;
  // kStruct: the fields. kList: one element field (renamed "element"). kMap: one value field
  // (renamed "value"); the key is a required string.
  std::vector<Field> children;
  MinMaxStats min_max = MinMaxStats::kWrite;
  // A kStruct of two required binary fields {metadata, value} holding the Variant binary
  // encoding (lake/variant.h): annotated VARIANT in Parquet, "variant" in the Delta schema, and
  // with a null count but no min/max in Delta stats.
  bool variant = false;

  static Field Leaf(std::string name, FieldType type, Repetition repetition = Repetition::kOptional,
                    MinMaxStats min_max = MinMaxStats::kWrite);
  static Field Struct(std::string name, std::vector<Field> fields,
                      Repetition repetition = Repetition::kOptional);
  static Field List(std::string name, Field element, Repetition repetition = Repetition::kOptional);
  // A map from strings to `value`; `value.min_max` also applies to the keys.
  static Field Map(std::string name, Field value, Repetition repetition = Repetition::kOptional);
  // A VARIANT column (see `variant`).
  static Field Variant(std::string name, Repetition repetition = Repetition::kOptional);
};

// One primitive column of the file (a leaf of the schema tree), in depth-first order.
struct LeafColumn {
  std::vector<std::string> path;  // e.g. {"attributes", "key_value", "key"}
  FieldType type = FieldType::kString;
  int max_definition_level = 0;  // optional and repeated nodes on the path, the leaf included
  int max_repetition_level = 0;  // repeated nodes on the path
  MinMaxStats min_max = MinMaxStats::kWrite;
};

class ParquetSchema {
 public:
  // Errors: kInvalidArgument for an empty schema, an empty or duplicate name among siblings, a
  // struct without fields, a list or map without exactly one child, or a leaf with children.
  static Result<ParquetSchema> Make(std::vector<Field> fields);

  const std::vector<Field>& fields() const { return fields_; }
  const std::vector<LeafColumn>& leaves() const { return leaves_; }

 private:
  ParquetSchema() = default;

  std::vector<Field> fields_;
  std::vector<LeafColumn> leaves_;
};

// True for the leaf types (everything but kStruct, kList, kMap).
bool IsLeafType(FieldType type);

}  // namespace tracelake::lake
