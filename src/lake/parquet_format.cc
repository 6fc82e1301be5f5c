#include "lake/parquet_format.h"

#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <memory>

namespace tracelake::lake {
namespace {

using apache::thrift::protocol::TCompactProtocolT;
using apache::thrift::transport::TMemoryBuffer;

pq::FieldRepetitionType::type ToThrift(Repetition repetition) {
  return repetition == Repetition::kRequired ? pq::FieldRepetitionType::REQUIRED
                                             : pq::FieldRepetitionType::OPTIONAL;
}

pq::SchemaElement Group(const std::string& name, pq::FieldRepetitionType::type repetition,
                        size_t num_children) {
  pq::SchemaElement e;
  e.__set_name(name);
  e.__set_repetition_type(repetition);
  e.__set_num_children(static_cast<int32_t>(num_children));
  return e;
}

// Sets the physical type and both annotations of a leaf (spec section 2.4: DuckDB reads
// ConvertedType, newer readers LogicalType).
void SetLeafType(FieldType type, pq::SchemaElement& e) {
  e.__set_type(PhysicalType(type));
  pq::LogicalType logical;
  switch (type) {
    case FieldType::kInt32:
    case FieldType::kInt64: {
      pq::IntType int_type;
      int_type.__set_bitWidth(type == FieldType::kInt32 ? 32 : 64);
      int_type.__set_isSigned(true);
      logical.__set_INTEGER(int_type);
      e.__set_converted_type(type == FieldType::kInt32 ? pq::ConvertedType::INT_32
                                                       : pq::ConvertedType::INT_64);
      break;
    }
    case FieldType::kString:
      logical.__set_STRING(pq::StringType());
      e.__set_converted_type(pq::ConvertedType::UTF8);
      break;
    case FieldType::kDate:
      logical.__set_DATE(pq::DateType());
      e.__set_converted_type(pq::ConvertedType::DATE);
      break;
    case FieldType::kTimestampMicros: {
      pq::TimeUnit unit;
      unit.__set_MICROS(pq::MicroSeconds());
      pq::TimestampType timestamp;
      timestamp.__set_isAdjustedToUTC(true);
      timestamp.__set_unit(unit);
      logical.__set_TIMESTAMP(timestamp);
      e.__set_converted_type(pq::ConvertedType::TIMESTAMP_MICROS);
      break;
    }
    default:  // BOOLEAN, DOUBLE, plain binary: no annotation
      return;
  }
  e.__set_logicalType(logical);
}

void AppendElements(const Field& field, std::vector<pq::SchemaElement>& out) {
  const auto repetition = ToThrift(field.repetition);
  switch (field.type) {
    case FieldType::kStruct:
      out.push_back(Group(field.name, repetition, field.children.size()));
      if (field.variant) {
        // VARIANT has no ConvertedType (PT LogicalType 16); version 1 of the encoding.
        pq::VariantType variant;
        variant.__set_specification_version(1);
        pq::LogicalType logical;
        logical.__set_VARIANT(variant);
        out.back().__set_logicalType(logical);
      }
      for (const Field& child : field.children) AppendElements(child, out);
      return;
    case FieldType::kList: {
      pq::SchemaElement list = Group(field.name, repetition, 1);
      pq::LogicalType logical;
      logical.__set_LIST(pq::ListType());
      list.__set_logicalType(logical);
      list.__set_converted_type(pq::ConvertedType::LIST);
      out.push_back(list);
      out.push_back(Group("list", pq::FieldRepetitionType::REPEATED, 1));
      AppendElements(field.children[0], out);
      return;
    }
    case FieldType::kMap: {
      pq::SchemaElement map = Group(field.name, repetition, 1);
      pq::LogicalType logical;
      logical.__set_MAP(pq::MapType());
      map.__set_logicalType(logical);
      map.__set_converted_type(pq::ConvertedType::MAP);
      out.push_back(map);
      // MAP annotates the outer group only; MAP_KEY_VALUE on key_value is legacy (PL§Maps).
      out.push_back(Group("key_value", pq::FieldRepetitionType::REPEATED, 2));
      AppendElements(Field::Leaf("key", FieldType::kString, Repetition::kRequired), out);
      AppendElements(field.children[0], out);
      return;
    }
    default: {
      pq::SchemaElement leaf;
      leaf.__set_name(field.name);
      leaf.__set_repetition_type(repetition);
      SetLeafType(field.type, leaf);
      out.push_back(leaf);
    }
  }
}

}  // namespace

std::string SerializeCompact(const apache::thrift::TBase& object) {
  auto buffer = std::make_shared<TMemoryBuffer>();
  TCompactProtocolT<TMemoryBuffer> protocol(buffer);
  object.write(&protocol);
  return buffer->getBufferAsString();
}

Result<size_t> DeserializeCompact(std::string_view bytes, apache::thrift::TBase& object) {
  try {
    // OBSERVE: the buffer reads `bytes` in place; the protocol never writes to it.
    auto buffer = std::make_shared<TMemoryBuffer>(
        reinterpret_cast<uint8_t*>(const_cast<char*>(bytes.data())),
        static_cast<uint32_t>(bytes.size()), TMemoryBuffer::OBSERVE);
    TCompactProtocolT<TMemoryBuffer> protocol(buffer);
    object.read(&protocol);
    return bytes.size() - buffer->available_read();
  } catch (const apache::thrift::TException& e) {
    return DataLossError(std::string("bad Thrift struct: ") + e.what());
  }
}

Result<pq::FileMetaData> ReadFileMetaData(std::string_view file) {
  constexpr std::string_view kMagic = "PAR1";
  if (file.size() < 12 || file.substr(0, 4) != kMagic || file.substr(file.size() - 4) != kMagic) {
    return DataLossError("not a Parquet file (no PAR1 magic)");
  }
  uint32_t length = 0;
  for (int i = 0; i < 4; ++i) {
    length |= static_cast<uint32_t>(static_cast<uint8_t>(file[file.size() - 8 + i])) << (8 * i);
  }
  if (length > file.size() - 12) return DataLossError("Parquet footer length out of range");
  pq::FileMetaData meta;
  ASSIGN_OR_RETURN(size_t used,
                   DeserializeCompact(file.substr(file.size() - 8 - length, length), meta));
  if (used != length) return DataLossError("Parquet footer length mismatch");
  return meta;
}

pq::Type::type PhysicalType(FieldType type) {
  switch (type) {
    case FieldType::kBoolean:
      return pq::Type::BOOLEAN;
    case FieldType::kInt32:
    case FieldType::kDate:
      return pq::Type::INT32;
    case FieldType::kInt64:
    case FieldType::kTimestampMicros:
      return pq::Type::INT64;
    case FieldType::kDouble:
      return pq::Type::DOUBLE;
    default:
      return pq::Type::BYTE_ARRAY;
  }
}

std::vector<pq::SchemaElement> ToSchemaElements(const ParquetSchema& schema) {
  std::vector<pq::SchemaElement> out;
  pq::SchemaElement root;
  root.__set_name("schema");
  root.__set_num_children(static_cast<int32_t>(schema.fields().size()));
  out.push_back(root);
  for (const Field& field : schema.fields()) AppendElements(field, out);
  return out;
}

}  // namespace tracelake::lake
