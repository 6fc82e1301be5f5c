// Page compression codecs for Parquet (apache/parquet-format Compression.md): each page body
// is compressed as one block with no framing. Functions only; safe for concurrent use.
#pragma once

#include <string>
#include <string_view>

#include "tracelake/status.h"

namespace tracelake::lake {

enum class Codec { kUncompressed, kSnappy, kZstd };

// "UNCOMPRESSED", "SNAPPY", "ZSTD" (Parquet's names) and the file name part "zstd", ...
std::string_view CodecName(Codec codec);
std::string_view CodecFileExtension(Codec codec);

// Compresses `input` as one block: a raw Snappy block, or one zstd frame at `zstd_level`.
// Errors: kInternal when the codec library fails.
Result<std::string> Compress(Codec codec, std::string_view input, int zstd_level);

// The inverse, for tests and the footer reader. `uncompressed_size` is the page header's.
// Errors: kDataLoss when the input is not a valid block of that size.
Result<std::string> Decompress(Codec codec, std::string_view input, size_t uncompressed_size);

}  // namespace tracelake::lake
