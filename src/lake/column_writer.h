// Buffers the values of one leaf column for the current row group and encodes them as one
// column chunk: an optional dictionary page, then DataPage V1 pages, each compressed with the
// file's codec, and the chunk's ColumnMetaData with statistics. Confine to one thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lake/parquet_format.h"
#include "lake/parquet_options.h"
#include "lake/parquet_schema.h"
#include "tracelake/status.h"

namespace tracelake::lake {

// A column chunk ready to be appended to the file at the offset given to Finish().
struct EncodedChunk {
  std::string bytes;        // page headers and page bodies
  pq::ColumnMetaData meta;  // offsets already absolute
};

class ColumnWriter {
 public:
  ColumnWriter(LeafColumn leaf, const ParquetWriterOptions& options);

  // One level entry each (Dremel levels, spec section 2.5). `rep` is the repetition level;
  // AddNull's `def` is below the leaf's maximum; the others store a value at the maximum.
  // REQUIRES: the Add call matches the leaf's physical type.
  void AddNull(uint32_t rep, uint32_t def);
  void AddInt(uint32_t rep, int64_t value);  // BOOLEAN (0/1), INT32, INT64
  void AddDouble(uint32_t rep, double value);
  void AddBytes(uint32_t rep, std::string_view value);

  // Bytes of values and levels buffered, roughly what the chunk takes uncompressed.
  size_t buffered_bytes() const { return buffered_bytes_; }
  int64_t num_entries() const { return static_cast<int64_t>(entries_); }

  // Encodes the buffered entries as a chunk starting at `file_offset` and clears the buffer.
  // Errors: kInternal when compression fails; kResourceExhausted when a page passes 2 GiB.
  Result<EncodedChunk> Finish(int64_t file_offset);

  const LeafColumn& leaf() const { return leaf_; }

 private:
  void AddLevels(uint32_t rep, uint32_t def);
  size_t num_values() const;
  // The PLAIN bytes of value `i` (without a length prefix for byte arrays).
  std::string_view BytesAt(size_t i) const;

  const LeafColumn leaf_;
  const ParquetWriterOptions& options_;
  const pq::Type::type physical_;

  size_t entries_ = 0;
  std::vector<uint32_t> rep_levels_;  // empty when max_repetition_level == 0
  std::vector<uint32_t> def_levels_;  // empty when max_definition_level == 0
  std::vector<int64_t> ints_;         // BOOLEAN, INT32, INT64
  std::vector<double> doubles_;
  std::string arena_;                  // BYTE_ARRAY values, back to back
  std::vector<size_t> offsets_ = {0};  // value i is arena_[offsets_[i], offsets_[i + 1])
  size_t buffered_bytes_ = 0;
};

}  // namespace tracelake::lake
