#include "model/any_value.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace tracelake::model {
namespace {

void AppendBase64(std::string& out, std::string_view in) {
  static constexpr char kTable[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out += kTable[n >> 18];
    out += kTable[(n >> 12) & 63];
    out += kTable[(n >> 6) & 63];
    out += kTable[n & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t n = uint8_t(in[i]) << 16;
    out += kTable[n >> 18];
    out += kTable[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += kTable[n >> 18];
    out += kTable[(n >> 12) & 63];
    out += kTable[(n >> 6) & 63];
    out += '=';
  }
}

void AppendDouble(std::string& out, double d) {
  if (!std::isfinite(d)) {
    out += "null";
    return;
  }
  char buf[32];
  int n = std::snprintf(buf, sizeof buf, "%.17g", d);
  // Prefer the shortest representation that round-trips.
  for (int prec = 1; prec <= 17; ++prec) {
    char tmp[32];
    int m = std::snprintf(tmp, sizeof tmp, "%.*g", prec, d);
    if (std::strtod(tmp, nullptr) == d) {
      out.append(tmp, static_cast<size_t>(m));
      return;
    }
  }
  out.append(buf, static_cast<size_t>(n));
}

void AppendJson(std::string& out, const AnyValue& v);

void AppendJson(std::string& out, const AnyValue& v) {
  const auto& s = v.storage();
  switch (s.index()) {
    case 0: out += "null"; break;
    case 1: AppendJsonString(out, std::get<1>(s)); break;
    case 2: out += std::get<2>(s) ? "true" : "false"; break;
    case 3: out += std::to_string(std::get<3>(s)); break;
    case 4: AppendDouble(out, std::get<4>(s)); break;
    case 5: {
      out += '[';
      bool first = true;
      for (const auto& e : std::get<5>(s)) {
        if (!first) out += ',';
        first = false;
        AppendJson(out, e);
      }
      out += ']';
      break;
    }
    case 6: {
      out += '{';
      bool first = true;
      for (const auto& kv : std::get<6>(s)) {
        if (!first) out += ',';
        first = false;
        AppendJsonString(out, kv.key);
        out += ':';
        AppendJson(out, kv.value);
      }
      out += '}';
      break;
    }
    case 7: {
      out += '"';
      AppendBase64(out, std::get<7>(s).data);
      out += '"';
      break;
    }
  }
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
          if (c < 0x20) {
            out += "\\u00";
            out += kHex[c >> 4];
            out += kHex[c & 0xf];
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    // Validate one UTF-8 sequence; replace invalid bytes with U+FFFD.
    size_t len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    bool valid = len != 0 && i + len <= s.size();
    for (size_t k = 1; valid && k < len; ++k)
      valid = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    if (valid && len == 2 && c < 0xC2) valid = false;
    if (valid && len == 3) {
      unsigned cp = ((c & 0x0F) << 12) | ((uint8_t(s[i + 1]) & 0x3F) << 6) | (uint8_t(s[i + 2]) & 0x3F);
      if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)) valid = false;
    }
    if (valid && len == 4) {
      unsigned cp = ((c & 0x07) << 18) | ((uint8_t(s[i + 1]) & 0x3F) << 12) |
                    ((uint8_t(s[i + 2]) & 0x3F) << 6) | (uint8_t(s[i + 3]) & 0x3F);
      if (cp < 0x10000 || cp > 0x10FFFF) valid = false;
    }
    if (valid) {
      out.append(s.data() + i, len);
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  out += '"';
}

std::string AnyValue::ToJson() const {
  std::string out;
  AppendJson(out, *this);
  return out;
}

std::string AnyValue::ToDisplayString() const {
  if (is_string()) return as_string();
  return ToJson();
}

bool operator==(const AnyValue& a, const AnyValue& b) { return a.v_ == b.v_; }

const AnyValue* FindAttribute(const Attributes& attrs, std::string_view key) {
  for (const auto& kv : attrs)
    if (kv.key == key) return &kv.value;
  return nullptr;
}

void SetAttribute(Attributes& attrs, std::string_view key, AnyValue value) {
  for (auto& kv : attrs) {
    if (kv.key == key) {
      kv.value = std::move(value);
      return;
    }
  }
  attrs.push_back(KeyValue{std::string(key), std::move(value)});
}

}  // namespace tracelake::model
