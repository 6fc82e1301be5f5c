// GzipBody: inflates a request body declared "Content-Encoding: gzip" as its bytes arrive,
// strictly. The body must be one or more complete gzip members (RFC 1952) and nothing else: an
// empty body, a truncated member, random bytes, or bytes after the last member are all kCorrupt,
// even when what inflated so far is empty or a valid request. (httplib's own inflater accepted a
// truncated stream, and an empty body, as whatever had inflated.)
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

struct z_stream_s;

namespace tracelake::server {

class GzipBody {
 public:
  enum class Result { kOk, kCorrupt, kTooLarge };

  // Inflated bytes past max_bytes make Append return kTooLarge (a gzip bomb is cut off at once).
  explicit GzipBody(size_t max_bytes);
  ~GzipBody();
  GzipBody(const GzipBody&) = delete;
  GzipBody& operator=(const GzipBody&) = delete;

  // Inflates the next bytes of the body onto *out. After a result other than kOk, do not call
  // again.
  Result Append(std::string_view in, std::string* out);
  // Whether the body so far ends at the end of a complete member (call after the last Append).
  bool Complete() const { return members_ > 0 && !in_member_; }

 private:
  const size_t max_bytes_;
  z_stream_s* stream_;  // gzip-only inflater, reset between members
  bool ok_ = true;      // inflateInit2 succeeded
  int members_ = 0;     // complete members so far
  bool in_member_ = false;
};

}  // namespace tracelake::server
