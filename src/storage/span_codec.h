// SpanCodec: the compact binary forms storage keeps (format in docs/schema.md).
//
// Everything here is protobuf-free: varint-prefixed strings and counts, a tag byte per AnyValue.
// "Raw" functions produce or read uncompressed bytes; Compress/Decompress add the one-byte frame
// (raw or zstd with a built-in dictionary of common attribute keys). Decoders treat their input
// as untrusted: any inconsistency is kDataLoss, never a crash or an unbounded allocation.
// All functions are pure and safe for concurrent use.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "model/log_record.h"
#include "model/span.h"
#include "tracelake/status.h"

namespace tracelake::storage {

// Appends the body of a span: kind, flags, trace state, status message, scope, the sender's
// attributes (not the ones NormalizeSpan derived: those are derived again on read), events,
// links and dropped counts. Ids, parent, name, times and status code are stored as columns.
void AppendSpanBody(const model::Span& span, std::string& out);
// Fills the body fields of span from AppendSpanBody's bytes.
Status DecodeSpanBody(std::string_view raw, model::Span& span);

// A resource's attributes, dropped count and schema URL, and the 64-bit content hash that
// identifies it in storage.
std::string EncodeResource(const model::Resource& resource);
Status DecodeResource(std::string_view raw, model::Resource& resource);
uint64_t ContentHash(std::string_view bytes);

// A GenAI log record (time, severity, event name, body, attributes), framed.
std::string EncodeLogRecord(const model::LogRecord& record);
Status DecodeLogRecord(std::string_view framed, model::LogRecord& record);

// Frames raw bytes: zstd (level 3, dictionary) when that is smaller, else stored as is.
std::string Compress(std::string_view raw);
// Inverse of Compress. kDataLoss on corrupt input or a declared size over 256 MiB.
Result<std::string> Decompress(std::string_view framed);

// Varint helpers shared by the chunk codec.
void PutVarint(std::string& out, uint64_t v);
void PutFixed64(std::string& out, uint64_t v);

// Reads the primitives written above; the first failure sticks (ok() == false) and every later
// read returns zero values, so callers check once at the end.
class ByteReader {
 public:
  explicit ByteReader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool done() const { return pos_ == in_.size(); }
  uint64_t Varint();
  uint64_t Fixed64();
  uint8_t Byte();
  std::string_view Bytes(size_t n);
  std::string String();
  // A count of elements that each take at least one byte: never more than the bytes left.
  uint64_t Count();
  void Fail() {
    ok_ = false;
    pos_ = in_.size();
  }

 private:
  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace tracelake::storage
