#include "server/http/gzip_body.h"

#include <zlib.h>

namespace tracelake::server {

GzipBody::GzipBody(size_t max_bytes) : max_bytes_(max_bytes), stream_(new z_stream{}) {
  // 16 + MAX_WBITS: a gzip header and trailer (CRC-32 and length checked), not zlib or raw.
  ok_ = inflateInit2(stream_, 16 + MAX_WBITS) == Z_OK;
}

GzipBody::~GzipBody() {
  if (ok_) inflateEnd(stream_);
  delete stream_;
}

GzipBody::Result GzipBody::Append(std::string_view in, std::string* out) {
  if (!ok_) return Result::kCorrupt;
  if (in.empty()) return Result::kOk;
  z_stream& z = *stream_;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  char buffer[64 * 1024];
  do {
    if (z.avail_in > 0) in_member_ = true;
    z.next_out = reinterpret_cast<Bytef*>(buffer);
    z.avail_out = sizeof(buffer);
    const uInt in_before = z.avail_in;
    const int rc = inflate(&z, Z_NO_FLUSH);
    const size_t produced = sizeof(buffer) - z.avail_out;
    if (out->size() + produced > max_bytes_) return Result::kTooLarge;
    out->append(buffer, produced);
    if (rc == Z_STREAM_END) {
      ++members_;
      in_member_ = false;
      // Bytes after a member must be another member: its header is checked by the next inflate.
      if (z.avail_in > 0 && inflateReset(&z) != Z_OK) return Result::kCorrupt;
      continue;
    }
    if (rc == Z_BUF_ERROR && produced == 0 && z.avail_in == in_before && z.avail_in > 0)
      return Result::kCorrupt;                                     // no progress possible
    if (rc != Z_OK && rc != Z_BUF_ERROR) return Result::kCorrupt;  // Z_DATA_ERROR and the like
  } while (z.avail_in > 0 || z.avail_out == 0);
  return Result::kOk;
}

}  // namespace tracelake::server
