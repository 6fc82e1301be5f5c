#include "common/ids.h"

#include <cstring>
#include <random>

namespace tracelake {
namespace {
int HexVal(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

template <size_t N>
std::string ByteId<N>::Hex() const {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(2 * N, '0');
  for (size_t i = 0; i < N; ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 0xf];
  }
  return out;
}

template <size_t N>
std::optional<ByteId<N>> ByteId<N>::FromHex(std::string_view hex) {
  if (hex.size() != 2 * N) return std::nullopt;
  ByteId id;
  for (size_t i = 0; i < N; ++i) {
    int hi = HexVal(hex[2 * i]);
    int lo = HexVal(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    id.bytes[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return id;
}

template <size_t N>
std::optional<ByteId<N>> ByteId<N>::FromBytes(std::string_view raw) {
  if (raw.size() != N) return std::nullopt;
  ByteId id;
  std::memcpy(id.bytes.data(), raw.data(), N);
  return id;
}

template struct ByteId<16>;
template struct ByteId<8>;

namespace {
template <size_t N>
ByteId<N> RandomId() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  ByteId<N> id;
  while (id.IsZero()) {
    for (size_t i = 0; i < N; i += 8) {
      const uint64_t v = engine();
      for (size_t b = 0; b < 8 && i + b < N; ++b)
        id.bytes[i + b] = static_cast<uint8_t>(v >> (8 * b));
    }
  }
  return id;
}
}  // namespace

TraceId RandomTraceId() { return RandomId<16>(); }
SpanId RandomSpanId() { return RandomId<8>(); }

int64_t SpanIdToInt(const SpanId& id) {
  uint64_t v = 0;
  for (uint8_t b : id.bytes) v = (v << 8) | b;
  return static_cast<int64_t>(v);
}

SpanId SpanIdFromInt(int64_t v) {
  SpanId id;
  auto u = static_cast<uint64_t>(v);
  for (int i = 7; i >= 0; --i) {
    id.bytes[static_cast<size_t>(i)] = static_cast<uint8_t>(u & 0xff);
    u >>= 8;
  }
  return id;
}

std::string MlflowTraceId(const TraceId& id) { return "tr-" + id.Hex(); }

std::optional<TraceId> ParseMlflowTraceId(std::string_view s) {
  if (s.size() == 35 && s.substr(0, 3) == "tr-") s.remove_prefix(3);
  return TraceId::FromHex(s);
}

}  // namespace tracelake
