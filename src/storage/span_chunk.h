// SpanChunk: the bodies of one trace's spans from one ingest batch, compressed together.
//
// Compressing per chunk instead of per span is what makes span bodies small: within a chunk the
// attribute keys, scope, resource reference and common values repeat, and zstd stores each
// repetition in a few bytes. A 500-byte body alone barely compresses.
//
// Raw layout (before Compress):
//   varint resource_count, resource_count x fixed64 resource hash
//   varint span_count, then per span:
//     varint resource index + 1 (0 = no resource), varint body length, body (AppendSpanBody)
//
// Spans carry no ids: the writer stores them in ascending SpanIdToInt order, the order of the
// `spans` rows that point at the chunk, so the k-th such row owns the k-th body. (Span ids are
// random bytes that no compressor shrinks; leaving them out saves 8 bytes a span.)
//
//   std::string chunk = EncodeSpanChunk({&span_a, &span_b}, {resource_hash, 0});
//   SpanChunk decoded;
//   RETURN_IF_ERROR(decoded.Parse(chunk));
//   for (const ChunkSpan& s : decoded.spans()) ...
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/span.h"
#include "tracelake/status.h"

namespace tracelake::storage {

struct ChunkSpan {
  uint64_t resource_hash = 0;  // ContentHash(EncodeResource(...)); 0 = no resource
  std::string_view body;       // AppendSpanBody bytes, pointing into the SpanChunk
};

// Encodes the spans' bodies into one compressed chunk. resource_hashes[i] belongs to spans[i].
std::string EncodeSpanChunk(const std::vector<const model::Span*>& spans,
                            const std::vector<uint64_t>& resource_hashes);
// Re-encodes already decoded entries (used when a re-delivered span leaves its old chunk).
std::string EncodeSpanChunk(const std::vector<ChunkSpan>& spans);

// A decoded chunk. Confine to one thread; spans() point into this object.
class SpanChunk {
 public:
  SpanChunk() = default;
  SpanChunk(const SpanChunk&) = delete;  // spans() point into raw_, which must not move
  SpanChunk& operator=(const SpanChunk&) = delete;

  // kDataLoss when framed is not a well-formed chunk.
  Status Parse(std::string_view framed);
  const std::vector<ChunkSpan>& spans() const { return spans_; }

 private:
  std::string raw_;
  std::vector<ChunkSpan> spans_;
};

}  // namespace tracelake::storage
