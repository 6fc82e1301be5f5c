// How a ParquetWriter encodes a file. The defaults follow parquet-java's (shared/spec/
// delta-parquet.md sections 2.6-2.7): ZSTD, ~1 MiB pages, dictionary pages up to 1 MiB.
#pragma once

#include <cstddef>
#include <string>

#include "lake/compression.h"

namespace tracelake::lake {

// kAuto writes a column chunk dictionary-encoded when that is smaller than PLAIN and its
// dictionary fits `max_dictionary_bytes`; kAlways and kNever force one form (tests, benchmarks).
// BOOLEAN columns are always PLAIN.
enum class DictionaryMode { kAuto, kAlways, kNever };

struct ParquetWriterOptions {
  Codec codec = Codec::kZstd;
  int zstd_level = 3;
  // A data page is cut at the first row boundary after this many bytes of encoded values.
  size_t page_bytes = 1 << 20;
  // A row group is flushed when its buffered values pass this many bytes (and by Flush()).
  size_t row_group_bytes = 64 << 20;
  DictionaryMode dictionary = DictionaryMode::kAuto;
  size_t max_dictionary_bytes = 1 << 20;
  // FileMetaData.created_by; parquet-java ignores string statistics unless it parses as
  // "<app> version <semver> (build <hash>)" (spec section 2.8).
  std::string created_by = "tracelake version 0.1.0 (build unknown)";
};

}  // namespace tracelake::lake
