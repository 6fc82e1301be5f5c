// TraceId and SpanId: OpenTelemetry ids as fixed byte arrays, with hex conversions.
// The MLflow trace id of a trace is "tr-" + the 32 lowercase hex digits of its TraceId.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tracelake {

template <size_t N>
struct ByteId {
  std::array<uint8_t, N> bytes{};

  bool IsZero() const {
    for (uint8_t b : bytes)
      if (b != 0) return false;
    return true;
  }
  std::string Hex() const;
  std::string_view AsStringView() const {
    return {reinterpret_cast<const char*>(bytes.data()), N};
  }
  // Accepts exactly 2*N hex digits (either case).
  static std::optional<ByteId> FromHex(std::string_view hex);
  // Accepts exactly N raw bytes.
  static std::optional<ByteId> FromBytes(std::string_view raw);

  friend bool operator==(const ByteId& a, const ByteId& b) { return a.bytes == b.bytes; }
  friend bool operator!=(const ByteId& a, const ByteId& b) { return a.bytes != b.bytes; }
  friend bool operator<(const ByteId& a, const ByteId& b) { return a.bytes < b.bytes; }
};

using TraceId = ByteId<16>;
using SpanId = ByteId<8>;

// SpanId <-> int64 (big-endian reinterpretation), for compact storage keys.
int64_t SpanIdToInt(const SpanId& id);
SpanId SpanIdFromInt(int64_t v);

// Random non-zero ids (thread-local generators seeded from std::random_device), for traces and
// spans the server itself writes (evaluation records, judge calls).
TraceId RandomTraceId();
SpanId RandomSpanId();

// "tr-<hex>" for a TraceId.
std::string MlflowTraceId(const TraceId& id);
// Parses "tr-<32 hex>" or bare "<32 hex>"; nullopt otherwise.
std::optional<TraceId> ParseMlflowTraceId(std::string_view s);

struct ByteIdHash {
  template <size_t N>
  size_t operator()(const ByteId<N>& id) const {
    uint64_t h = 1469598103934665603ULL;
    for (uint8_t b : id.bytes) h = (h ^ b) * 1099511628211ULL;
    return static_cast<size_t>(h);
  }
};

}  // namespace tracelake
