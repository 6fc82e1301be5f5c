// Parquet's Thrift structs (generated from parquet_format.thrift into namespace tracelake::pq)
// and their compact-protocol encoding. Internal to src/lake/: nothing outside it sees pq types.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "lake/parquet_schema.h"
#include "parquet_format_types.h"
#include "tracelake/status.h"

namespace tracelake::lake {

// The compact-protocol bytes of a generated struct (PageHeader, FileMetaData, ...).
std::string SerializeCompact(const apache::thrift::TBase& object);

// Reads one struct from the start of `bytes`; returns how many bytes it used.
// Errors: kDataLoss when the bytes are not a valid encoding of it.
Result<size_t> DeserializeCompact(std::string_view bytes, apache::thrift::TBase& object);

// The schema as Parquet lists it: the root, then every node depth-first, each leaf with its
// physical type, LogicalType and ConvertedType.
std::vector<pq::SchemaElement> ToSchemaElements(const ParquetSchema& schema);

// The footer of a whole Parquet file held in memory: checks both magics and the length.
// Errors: kDataLoss when the bytes are not a Parquet file.
Result<pq::FileMetaData> ReadFileMetaData(std::string_view file);

// The physical type of a leaf type. REQUIRES: IsLeafType(type).
pq::Type::type PhysicalType(FieldType type);

}  // namespace tracelake::lake
