// Parquet's RLE/bit-packing hybrid encoding (apache/parquet-format Encodings.md, "Run Length
// Encoding / Bit-Packing Hybrid"), used for definition and repetition levels and dictionary
// indices. Functions only; safe for concurrent use.
//
//   std::string out;
//   AppendRleHybrid({1, 0, 1}, /*bit_width=*/1, out);  // levels of [x, null, y]
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace tracelake::lake {

// Bits needed to store values 0..max_value: 0 for 0, 1 for 1, 2 for 2-3, ...
int BitWidth(uint32_t max_value);

// Appends ULEB128 of `value` to `out`.
void AppendUleb128(uint64_t value, std::string& out);

// Appends `values` as RLE/bit-packed runs without a length prefix (what dictionary indices
// use; data page V1 levels add a 4-byte length themselves). Runs of 8 or more equal values
// become RLE runs; the rest are bit-packed in groups of 8, the last group padded with zeros
// (readers stop at the page's value count).
// REQUIRES: every value < 2^bit_width; 0 <= bit_width <= 32.
void AppendRleHybrid(std::span<const uint32_t> values, int bit_width, std::string& out);

// Appends the data page V1 form of levels: 4-byte little-endian byte length, then the runs.
void AppendLevels(std::span<const uint32_t> levels, int bit_width, std::string& out);

}  // namespace tracelake::lake
