#include "lake/rle_encoder.h"

#include <algorithm>
#include <bit>
#include <cstddef>

namespace tracelake::lake {
namespace {

// A bit-packed run header holds the number of 8-value groups. Readers accept any count, but
// parquet-java and arrow-rs write at most 63 (a one-byte header); we do the same.
constexpr size_t kMaxGroupsPerRun = 63;
// Equal values at least this long become an RLE run (a bit-packed group holds 8 values).
constexpr size_t kMinRleRun = 8;

void AppendLittleEndian(uint32_t value, int bytes, std::string& out) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

// Bit-packs `values` LSB first in runs of at most kMaxGroupsPerRun groups; a last partial group
// is padded with zeros.
void AppendBitPacked(std::span<const uint32_t> values, int bit_width, std::string& out) {
  size_t pos = 0;
  while (pos < values.size()) {
    size_t count = std::min(values.size() - pos, kMaxGroupsPerRun * 8);
    size_t groups = (count + 7) / 8;
    AppendUleb128((groups << 1) | 1, out);
    uint64_t buffer = 0;
    int buffered_bits = 0;
    for (size_t i = 0; i < groups * 8; ++i) {
      uint64_t v = pos + i < pos + count ? values[pos + i] : 0;
      buffer |= v << buffered_bits;
      buffered_bits += bit_width;
      while (buffered_bits >= 8) {
        out.push_back(static_cast<char>(buffer & 0xff));
        buffer >>= 8;
        buffered_bits -= 8;
      }
    }
    // groups * 8 * bit_width is a multiple of 8: nothing is left in the buffer.
    pos += count;
  }
}

}  // namespace

int BitWidth(uint32_t max_value) { return static_cast<int>(std::bit_width(max_value)); }

void AppendUleb128(uint64_t value, std::string& out) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

void AppendRleHybrid(std::span<const uint32_t> values, int bit_width, std::string& out) {
  const int value_bytes = (bit_width + 7) / 8;
  // Values not yet written that will be bit-packed; bit-packed runs must hold a multiple of 8
  // values except at the very end, so before an RLE run the pending values are topped up to a
  // multiple of 8 from the start of that run.
  size_t pending_begin = 0;
  size_t i = 0;
  while (i < values.size()) {
    size_t run = 1;
    while (i + run < values.size() && values[i + run] == values[i]) ++run;
    // A short run is bit-packed, unless it ends the input with nothing pending to pad (then
    // an RLE run is shorter, and [0, 0] at width 0 is the common `04`).
    const bool last_run_alone = i + run == values.size() && i == pending_begin;
    if (run < kMinRleRun && !last_run_alone) {
      i += run;
      continue;
    }
    size_t pending = i - pending_begin;
    if (pending % 8 != 0) {
      size_t fill = 8 - pending % 8;
      i += fill;
      run -= fill;
    }
    AppendBitPacked(values.subspan(pending_begin, i - pending_begin), bit_width, out);
    if (run > 0) {
      AppendUleb128(static_cast<uint64_t>(run) << 1, out);
      AppendLittleEndian(values[i], value_bytes, out);
    }
    i += run;
    pending_begin = i;
  }
  AppendBitPacked(values.subspan(pending_begin), bit_width, out);
}

void AppendLevels(std::span<const uint32_t> levels, int bit_width, std::string& out) {
  size_t length_at = out.size();
  out.append(4, '\0');
  AppendRleHybrid(levels, bit_width, out);
  auto length = static_cast<uint32_t>(out.size() - length_at - 4);
  for (int i = 0; i < 4; ++i) out[length_at + i] = static_cast<char>((length >> (8 * i)) & 0xff);
}

}  // namespace tracelake::lake
