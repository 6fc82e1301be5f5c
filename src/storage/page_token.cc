#include "storage/page_token.h"

#include "storage/span_codec.h"

namespace tracelake::storage {
namespace {

constexpr uint8_t kVersion = 1;
constexpr size_t kMaxTokenChars = 8192;
constexpr uint64_t kChecksumSalt = 0x7472616365746f6bULL;  // "tracetok"
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string Base64Url(std::string_view in) {
  std::string out;
  out.reserve((in.size() * 4 + 2) / 3);
  uint32_t buf = 0;
  int bits = 0;
  for (unsigned char c : in) {
    buf = (buf << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(buf >> bits) & 63];
    }
  }
  if (bits > 0) out += kAlphabet[(buf << (6 - bits)) & 63];
  return out;
}

bool FromBase64Url(std::string_view in, std::string& out) {
  uint32_t buf = 0;
  int bits = 0;
  for (char c : in) {
    int v = -1;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '-') v = 62;
    else if (c == '_') v = 63;
    if (v < 0) return false;
    buf = (buf << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buf >> bits) & 0xff);
    }
  }
  return true;
}

uint64_t ZigZag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

Status Invalid() {
  return InvalidArgumentError(
      "Invalid page_token: pass the next_page_token of a previous response to the same query");
}

}  // namespace

std::string EncodePageToken(const PageToken& token) {
  std::string raw;
  raw += static_cast<char>(kVersion);
  PutFixed64(raw, token.query_fingerprint);
  PutVarint(raw, token.values.size());
  for (const auto& v : token.values) {
    if (const auto* i = std::get_if<int64_t>(&v)) {
      raw += '\0';
      PutVarint(raw, ZigZag(*i));
    } else {
      const auto& s = std::get<std::string>(v);
      raw += '\1';
      PutVarint(raw, s.size());
      raw += s;
    }
  }
  PutFixed64(raw, ContentHash(raw) ^ kChecksumSalt);
  return Base64Url(raw);
}

Result<PageToken> DecodePageToken(std::string_view text, uint64_t expected_fingerprint) {
  if (text.empty() || text.size() > kMaxTokenChars) return Invalid();
  std::string raw;
  if (!FromBase64Url(text, raw) || raw.size() < 1 + 8 + 1 + 8) return Invalid();
  const std::string_view body(raw.data(), raw.size() - 8);
  ByteReader sum(std::string_view(raw).substr(raw.size() - 8));
  if (sum.Fixed64() != (ContentHash(body) ^ kChecksumSalt)) return Invalid();
  ByteReader r(body);
  if (r.Byte() != kVersion) return Invalid();
  PageToken token;
  token.query_fingerprint = r.Fixed64();
  const uint64_t n = r.Count();
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    const uint8_t tag = r.Byte();
    if (tag == 0) token.values.emplace_back(UnZigZag(r.Varint()));
    else if (tag == 1) token.values.emplace_back(r.String());
    else r.Fail();
  }
  if (!r.ok() || !r.done() || token.query_fingerprint != expected_fingerprint) return Invalid();
  return token;
}

}  // namespace tracelake::storage
