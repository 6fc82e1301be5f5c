#include "storage/span_chunk.h"

#include <algorithm>

#include "storage/span_codec.h"

namespace tracelake::storage {
namespace {

// Writes the resource table and returns each hash's index + 1 (0 for "no resource").
std::vector<uint64_t> PutResources(std::string& out, const std::vector<uint64_t>& hashes) {
  std::vector<uint64_t> distinct;
  for (uint64_t h : hashes)
    if (h != 0 && std::find(distinct.begin(), distinct.end(), h) == distinct.end())
      distinct.push_back(h);
  PutVarint(out, distinct.size());
  for (uint64_t h : distinct) PutFixed64(out, h);
  std::vector<uint64_t> refs;
  refs.reserve(hashes.size());
  for (uint64_t h : hashes)
    refs.push_back(h == 0 ? 0 : 1 + static_cast<uint64_t>(
                                        std::find(distinct.begin(), distinct.end(), h) -
                                        distinct.begin()));
  return refs;
}

}  // namespace

std::string EncodeSpanChunk(const std::vector<const model::Span*>& spans,
                            const std::vector<uint64_t>& resource_hashes) {
  std::string raw;
  raw.reserve(spans.size() * 512);
  const std::vector<uint64_t> refs = PutResources(raw, resource_hashes);
  PutVarint(raw, spans.size());
  std::string body;
  for (size_t i = 0; i < spans.size(); ++i) {
    PutVarint(raw, refs[i]);
    body.clear();
    AppendSpanBody(*spans[i], body);
    PutVarint(raw, body.size());
    raw.append(body);
  }
  return Compress(raw);
}

std::string EncodeSpanChunk(const std::vector<ChunkSpan>& spans) {
  std::string raw;
  std::vector<uint64_t> hashes;
  hashes.reserve(spans.size());
  for (const auto& s : spans) hashes.push_back(s.resource_hash);
  const std::vector<uint64_t> refs = PutResources(raw, hashes);
  PutVarint(raw, spans.size());
  for (size_t i = 0; i < spans.size(); ++i) {
    PutVarint(raw, refs[i]);
    PutVarint(raw, spans[i].body.size());
    raw.append(spans[i].body);
  }
  return Compress(raw);
}

Status SpanChunk::Parse(std::string_view framed) {
  spans_.clear();
  ASSIGN_OR_RETURN(raw_, Decompress(framed));
  ByteReader r(raw_);
  const uint64_t resource_count = r.Varint();
  if (!r.ok() || resource_count > raw_.size() / 8) return DataLossError("corrupt span chunk");
  std::vector<uint64_t> resources;
  resources.reserve(resource_count);
  for (uint64_t i = 0; i < resource_count; ++i) resources.push_back(r.Fixed64());
  const uint64_t n = r.Count();
  spans_.reserve(n);
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    ChunkSpan s;
    const uint64_t ref = r.Varint();
    if (ref > resources.size()) r.Fail();
    else if (ref > 0) s.resource_hash = resources[ref - 1];
    const uint64_t len = r.Varint();
    s.body = r.Bytes(static_cast<size_t>(std::min<uint64_t>(len, raw_.size() + 1)));
    spans_.push_back(s);
  }
  if (!r.ok() || !r.done()) {
    spans_.clear();
    return DataLossError("corrupt span chunk");
  }
  return OkStatus();
}

}  // namespace tracelake::storage
