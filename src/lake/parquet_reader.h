// Reads back the rows of a Parquet file that ParquetWriter wrote, for compaction (Optimize
// rewrites small Delta files into bigger ones). It understands exactly what the writer emits:
// DataPage V1, PLAIN and RLE_DICTIONARY values, RLE levels, ZSTD/Snappy/no compression, flat
// and nested (struct, 3-level list, map) columns. It is not a general Parquet reader: other
// encodings, page types or schemas are refused with kUnimplemented or kDataLoss.
//
//   ASSIGN_OR_RETURN(ParquetSchema schema, ParquetSchema::Make(fields));
//   ASSIGN_OR_RETURN(std::vector<Row> rows, ReadParquetRows(path, schema));
//
// Pure function, safe for concurrent use.
#pragma once

#include <filesystem>
#include <vector>

#include "lake/parquet_schema.h"
#include "lake/parquet_value.h"
#include "tracelake/status.h"

namespace tracelake::lake {

// Every row of the file, in order, as Values of `schema` (which must be the file's schema).
// Errors: kNotFound/kUnavailable when the file cannot be read; kDataLoss when it is not a
// Parquet file of `schema` or is corrupt; kUnimplemented for encodings our writer never uses.
Result<std::vector<Row>> ReadParquetRows(const std::filesystem::path& path,
                                         const ParquetSchema& schema);

}  // namespace tracelake::lake
