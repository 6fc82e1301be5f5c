#include "lake/compression.h"

#include <snappy.h>
#include <zstd.h>

namespace tracelake::lake {

std::string_view CodecName(Codec codec) {
  switch (codec) {
    case Codec::kUncompressed:
      return "UNCOMPRESSED";
    case Codec::kSnappy:
      return "SNAPPY";
    case Codec::kZstd:
      return "ZSTD";
  }
  return "UNKNOWN";
}

std::string_view CodecFileExtension(Codec codec) {
  switch (codec) {
    case Codec::kUncompressed:
      return "uncompressed";
    case Codec::kSnappy:
      return "snappy";
    case Codec::kZstd:
      return "zstd";
  }
  return "unknown";
}

Result<std::string> Compress(Codec codec, std::string_view input, int zstd_level) {
  std::string out;
  switch (codec) {
    case Codec::kUncompressed:
      out.assign(input);
      return out;
    case Codec::kSnappy:
      snappy::Compress(input.data(), input.size(), &out);
      return out;
    case Codec::kZstd: {
      out.resize(ZSTD_compressBound(input.size()));
      size_t n = ZSTD_compress(out.data(), out.size(), input.data(), input.size(), zstd_level);
      if (ZSTD_isError(n) != 0) {
        return InternalError(std::string("zstd compression failed: ") + ZSTD_getErrorName(n));
      }
      out.resize(n);
      return out;
    }
  }
  return InternalError("unknown codec");
}

Result<std::string> Decompress(Codec codec, std::string_view input, size_t uncompressed_size) {
  std::string out;
  switch (codec) {
    case Codec::kUncompressed:
      if (input.size() != uncompressed_size) return DataLossError("page size mismatch");
      out.assign(input);
      return out;
    case Codec::kSnappy: {
      if (!snappy::Uncompress(input.data(), input.size(), &out) ||
          out.size() != uncompressed_size) {
        return DataLossError("bad snappy block");
      }
      return out;
    }
    case Codec::kZstd: {
      out.resize(uncompressed_size);
      size_t n = ZSTD_decompress(out.data(), out.size(), input.data(), input.size());
      if (ZSTD_isError(n) != 0 || n != uncompressed_size) return DataLossError("bad zstd frame");
      return out;
    }
  }
  return DataLossError("unknown codec");
}

}  // namespace tracelake::lake
