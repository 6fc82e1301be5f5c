#include "lake/parquet_schema.h"

#include <set>
#include <utility>

namespace tracelake::lake {
namespace {

Status Validate(const Field& field, const std::string& where) {
  if (field.name.empty()) return InvalidArgumentError("a field of " + where + " has no name");
  const std::string path = where + "." + field.name;
  if (IsLeafType(field.type)) {
    if (!field.children.empty()) return InvalidArgumentError(path + ": a leaf has no children");
    return Status();
  }
  if (field.type == FieldType::kStruct && field.children.empty()) {
    return InvalidArgumentError(path + ": a struct needs at least one field");
  }
  if (field.type != FieldType::kStruct && field.children.size() != 1) {
    return InvalidArgumentError(path + ": a list or map has exactly one child");
  }
  std::set<std::string> names;
  for (const Field& child : field.children) {
    if (!names.insert(child.name).second) {
      return InvalidArgumentError(path + ": duplicate field " + child.name);
    }
    RETURN_IF_ERROR(Validate(child, path));
  }
  return Status();
}

// Appends the leaves under `field` depth-first, in the order SchemaElements lists them.
void CollectLeaves(const Field& field, std::vector<std::string> path, int def, int rep,
                   std::vector<LeafColumn>& out) {
  path.push_back(field.name);
  if (field.repetition == Repetition::kOptional) ++def;
  switch (field.type) {
    case FieldType::kStruct:
      for (const Field& child : field.children) CollectLeaves(child, path, def, rep, out);
      return;
    case FieldType::kList:
      path.emplace_back("list");
      CollectLeaves(field.children[0], path, def + 1, rep + 1, out);
      return;
    case FieldType::kMap: {
      path.emplace_back("key_value");
      Field key =
          Field::Leaf("key", FieldType::kString, Repetition::kRequired, field.children[0].min_max);
      CollectLeaves(key, path, def + 1, rep + 1, out);
      CollectLeaves(field.children[0], path, def + 1, rep + 1, out);
      return;
    }
    default:
      out.push_back(LeafColumn{std::move(path), field.type, def, rep, field.min_max});
  }
}

}  // namespace

bool IsLeafType(FieldType type) {
  return type != FieldType::kStruct && type != FieldType::kList && type != FieldType::kMap;
}

Field Field::Leaf(std::string name, FieldType type, Repetition repetition, MinMaxStats min_max) {
  return Field{std::move(name), type, repetition, {}, min_max};
}

Field Field::Struct(std::string name, std::vector<Field> fields, Repetition repetition) {
  return Field{std::move(name), FieldType::kStruct, repetition, std::move(fields)};
}

Field Field::List(std::string name, Field element, Repetition repetition) {
  element.name = "element";
  return Field{std::move(name), FieldType::kList, repetition, {std::move(element)}};
}

Field Field::Map(std::string name, Field value, Repetition repetition) {
  value.name = "value";
  return Field{std::move(name), FieldType::kMap, repetition, {std::move(value)}};
}

Field Field::Variant(std::string name, Repetition repetition) {
  Field field =
      Struct(std::move(name),
             {Leaf("metadata", FieldType::kBinary, Repetition::kRequired, MinMaxStats::kSkip),
              Leaf("value", FieldType::kBinary, Repetition::kRequired, MinMaxStats::kSkip)},
             repetition);
  field.variant = true;
  return field;
}

Result<ParquetSchema> ParquetSchema::Make(std::vector<Field> fields) {
  if (fields.empty()) return InvalidArgumentError("a Parquet schema needs at least one field");
  RETURN_IF_ERROR(Validate(Field::Struct("schema", fields), "file"));
  ParquetSchema schema;
  schema.fields_ = std::move(fields);
  for (const Field& field : schema.fields_) CollectLeaves(field, {}, 0, 0, schema.leaves_);
  return schema;
}

}  // namespace tracelake::lake
