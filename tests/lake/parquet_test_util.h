// Test-side readers of what the Parquet writer produces: an RLE/bit-packed hybrid decoder and a
// walk over a column chunk's pages. Written from Encodings.md, independent of the encoder.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "lake/compression.h"
#include "lake/parquet_format.h"

namespace tracelake::lake {

inline uint64_t ReadUleb128(std::string_view in, size_t& pos) {
  uint64_t value = 0;
  for (int shift = 0;; shift += 7) {
    auto byte = static_cast<uint8_t>(in.at(pos++));
    value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return value;
  }
}

// Decodes `count` values of runs at `in[pos...]`; advances pos past the runs it read.
inline std::vector<uint32_t> DecodeRleHybrid(std::string_view in, size_t& pos, int bit_width,
                                             size_t count) {
  std::vector<uint32_t> out;
  while (out.size() < count) {
    uint64_t header = ReadUleb128(in, pos);
    if ((header & 1) == 0) {
      uint32_t value = 0;
      for (int i = 0; i < (bit_width + 7) / 8; ++i) {
        value |= static_cast<uint32_t>(static_cast<uint8_t>(in.at(pos++))) << (8 * i);
      }
      out.insert(out.end(), header >> 1, value);
    } else {
      size_t n = (header >> 1) * 8;
      size_t bit = 0;
      for (size_t i = 0; i < n; ++i) {
        uint32_t value = 0;
        for (int b = 0; b < bit_width; ++b, ++bit) {
          auto byte = static_cast<uint8_t>(in.at(pos + bit / 8));
          value |= static_cast<uint32_t>((byte >> (bit % 8)) & 1) << b;
        }
        out.push_back(value);
      }
      pos += (n * bit_width + 7) / 8;
    }
  }
  out.resize(count);
  return out;
}

inline std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct DecodedPage {
  pq::PageHeader header;
  int64_t offset = 0;
  std::string body;  // decompressed
};

// Every page of a column chunk, checking on the way that the chunk's sizes, offsets and value
// count add up exactly (the pitfalls of shared/spec/delta-parquet.md section 2.9).
inline std::vector<DecodedPage> ReadChunkPages(std::string_view file,
                                               const pq::ColumnMetaData& meta, Codec codec) {
  std::vector<DecodedPage> pages;
  int64_t pos =
      meta.__isset.dictionary_page_offset ? meta.dictionary_page_offset : meta.data_page_offset;
  const int64_t end = pos + meta.total_compressed_size;
  int64_t uncompressed = 0;
  int64_t values = 0;
  while (pos < end) {
    DecodedPage page;
    page.offset = pos;
    auto used = DeserializeCompact(file.substr(pos), page.header);
    EXPECT_TRUE(used.ok()) << used.status().ToString();
    if (!used.ok()) return pages;
    pos += static_cast<int64_t>(*used);
    auto body = Decompress(codec, file.substr(pos, page.header.compressed_page_size),
                           page.header.uncompressed_page_size);
    EXPECT_TRUE(body.ok()) << body.status().ToString();
    if (body.ok()) page.body = *body;
    pos += page.header.compressed_page_size;
    uncompressed += static_cast<int64_t>(*used) + page.header.uncompressed_page_size;
    if (page.header.type == pq::PageType::DATA_PAGE) {
      values += page.header.data_page_header.num_values;
    }
    pages.push_back(std::move(page));
  }
  EXPECT_EQ(pos, end);
  EXPECT_EQ(uncompressed, meta.total_uncompressed_size);
  EXPECT_EQ(values, meta.num_values);
  return pages;
}

}  // namespace tracelake::lake
