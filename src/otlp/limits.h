// Limits the OTLP decoders enforce on untrusted input. Internal to src/otlp.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tracelake::otlp {

// Deepest AnyValue accepted: a scalar attribute value is depth 1, a value inside an array or
// kvlist one more. Deeper values reject their span (or the whole request when they sit in a
// resource or scope), so converting a value never recurses further than this.
inline constexpr int kMaxAnyValueDepth = 64;

// Protobuf message nesting accepted by the parser. ExportTraceServiceRequest > ResourceSpans >
// ScopeSpans > Span > KeyValue takes 5 levels and each AnyValue level 2 more (AnyValue +
// ArrayValue/KeyValueList), so 64 AnyValue levels need 5 + 2 * 64 = 133; the slack lets the
// per-span depth check above answer first. Anything deeper fails the parse as a whole.
// (protobuf's default is 100, which would fail whole requests at ~47 levels.)
inline constexpr int kMaxProtoRecursion = 160;

// Most spans, log records, events, links, key-values and AnyValues one request may hold. Parsed
// and converted, each costs ~50-120 bytes however small it is on the wire (an empty KeyValue is
// 2 bytes), so this bounds a request's memory at a few hundred MB. An OTel SDK batch of 512
// spans holds ~20 000. Larger requests fail as a whole (kInvalidArgument: send smaller batches).
inline constexpr int64_t kMaxItemsPerRequest = 2'000'000;

// A span whose name exceeds this is rejected: names are indexed and shown in lists.
inline constexpr size_t kMaxSpanNameBytes = size_t{64} * 1024;

}  // namespace tracelake::otlp
