#include "otlp/json_read.h"

#include <charconv>
#include <cmath>
#include <limits>

#include "otlp/limits.h"
#include "otlp/validate.h"

namespace tracelake::otlp::internal::json {
namespace {

using simdjson::SUCCESS;
using simdjson::dom::element_type;

bool Fail(std::string& reason, std::string_view field, std::string_view what) {
  reason = "field '";
  reason += field;
  reason += "' must be ";
  reason += what;
  return false;
}

// Integral doubles are accepted for integer fields (proto3 JSON allows 1e3 for 1000).
bool DoubleToU64(double d, uint64_t& out) {
  if (!(d >= 0.0 && d < 18446744073709551616.0) || d != std::floor(d)) return false;
  out = static_cast<uint64_t>(d);
  return true;
}

bool DoubleToI64(double d, int64_t& out) {
  if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0) || d != std::floor(d))
    return false;
  out = static_cast<int64_t>(d);
  return true;
}

template <typename T>
bool ParseDecimal(std::string_view s, T& out) {
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

}  // namespace

bool Base64Decode(std::string_view in, std::string& out) {
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  if (in.size() % 4 == 1) return false;
  out.clear();
  out.reserve(in.size() * 3 / 4);
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : in) {
    const int v = Base64Value(c);
    if (v < 0) return false;
    buffer = (buffer << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  return true;
}

bool ReadString(Element e, std::string_view field, std::string& out, std::string& reason) {
  std::string_view s;
  if (e.get_string().get(s) == SUCCESS) {
    out.assign(s);
    return true;
  }
  if (e.is_null()) {
    out.clear();
    return true;
  }
  return Fail(reason, field, "a string");
}

bool ReadU64(Element e, std::string_view field, uint64_t& out, std::string& reason) {
  switch (e.type()) {
    case element_type::UINT64:
      out = e.get_uint64().value_unsafe();
      return true;
    case element_type::INT64: {
      const int64_t v = e.get_int64().value_unsafe();
      if (v >= 0) {
        out = static_cast<uint64_t>(v);
        return true;
      }
      break;
    }
    case element_type::DOUBLE:
      if (DoubleToU64(e.get_double().value_unsafe(), out)) return true;
      break;
    case element_type::STRING:
      if (ParseDecimal(e.get_string().value_unsafe(), out)) return true;
      break;
    case element_type::NULL_VALUE:
      out = 0;
      return true;
    default:
      break;
  }
  return Fail(reason, field, "an unsigned integer (number or decimal string)");
}

bool ReadU32(Element e, std::string_view field, uint32_t& out, std::string& reason) {
  uint64_t v = 0;
  if (!ReadU64(e, field, v, reason)) return false;
  if (v > std::numeric_limits<uint32_t>::max()) return Fail(reason, field, "a 32-bit integer");
  out = static_cast<uint32_t>(v);
  return true;
}

bool ReadI64(Element e, std::string_view field, int64_t& out, std::string& reason) {
  switch (e.type()) {
    case element_type::INT64:
      out = e.get_int64().value_unsafe();
      return true;
    case element_type::UINT64:
      break;  // only values above INT64_MAX are typed UINT64
    case element_type::DOUBLE:
      if (DoubleToI64(e.get_double().value_unsafe(), out)) return true;
      break;
    case element_type::STRING:
      if (ParseDecimal(e.get_string().value_unsafe(), out)) return true;
      break;
    case element_type::NULL_VALUE:
      out = 0;
      return true;
    default:
      break;
  }
  return Fail(reason, field, "a 64-bit integer (number or decimal string)");
}

bool ReadEnum(Element e, std::string_view field, std::initializer_list<std::string_view> names,
              int& out, std::string& reason) {
  std::string_view name;
  if (e.get_string().get(name) == SUCCESS) {
    int64_t number = 0;
    if (ParseDecimal(name, number)) {
      out = number >= 0 && number <= std::numeric_limits<int>::max() ? static_cast<int>(number) : 0;
      return true;
    }
    out = 0;
    int i = 0;
    for (std::string_view n : names) {
      if (n == name) {
        out = i;
        break;
      }
      ++i;
    }
    return true;
  }
  int64_t number = 0;
  if (!ReadI64(e, field, number, reason)) return Fail(reason, field, "an enum number or name");
  out = number >= std::numeric_limits<int>::min() && number <= std::numeric_limits<int>::max()
            ? static_cast<int>(number)
            : 0;
  return true;
}

template <size_t N>
bool ReadId(Element e, std::string_view field, ByteId<N>& out, bool& present, std::string& reason) {
  present = false;
  if (e.is_null()) return true;
  std::string_view text;
  if (e.get_string().get(text) != SUCCESS) return Fail(reason, field, "a hex string");
  if (text.empty()) return true;
  if (auto id = ByteId<N>::FromHex(text)) {
    out = *id;
    present = true;
    return true;
  }
  constexpr size_t kBase64Padded = (N + 2) / 3 * 4;
  constexpr size_t kBase64Bare = (N * 8 + 5) / 6;
  if (text.size() == kBase64Padded || text.size() == kBase64Bare) {
    std::string raw;
    if (Base64Decode(text, raw)) {
      if (auto id = ByteId<N>::FromBytes(raw)) {
        out = *id;
        present = true;
        return true;
      }
    }
  }
  reason = "field '";
  reason += field;
  reason += "' must be " + std::to_string(2 * N) + " hex digits";
  return false;
}

template bool ReadId<8>(Element, std::string_view, ByteId<8>&, bool&, std::string&);
template bool ReadId<16>(Element, std::string_view, ByteId<16>&, bool&, std::string&);

bool ReadObject(Element e, std::string_view field, Object& out, bool& present,
                std::string& reason) {
  present = false;
  if (e.is_null()) return true;
  if (e.get_object().get(out) != SUCCESS) return Fail(reason, field, "an object");
  present = true;
  return true;
}

namespace {

bool ReadDouble(Element e, double& out, std::string& reason) {
  switch (e.type()) {
    case element_type::DOUBLE:
      out = e.get_double().value_unsafe();
      return true;
    case element_type::INT64:
      out = static_cast<double>(e.get_int64().value_unsafe());
      return true;
    case element_type::UINT64:
      out = static_cast<double>(e.get_uint64().value_unsafe());
      return true;
    case element_type::STRING: {
      // proto3 JSON spells the non-finite values as strings and allows quoted numbers.
      std::string_view s = e.get_string().value_unsafe();
      if (s == "NaN") {
        out = std::numeric_limits<double>::quiet_NaN();
        return true;
      }
      if (s == "Infinity") {
        out = std::numeric_limits<double>::infinity();
        return true;
      }
      if (s == "-Infinity") {
        out = -std::numeric_limits<double>::infinity();
        return true;
      }
      if (ParseDecimal(s, out)) return true;
      break;
    }
    case element_type::NULL_VALUE:
      out = 0;
      return true;
    default:
      break;
  }
  return Fail(reason, "doubleValue", "a number");
}

// {"values": [...]} of arrayValue / kvlistValue.
bool ValuesOf(Element e, std::string_view field, Element& values, bool& present,
              std::string& reason) {
  Object object;
  if (!ReadObject(e, field, object, present, reason)) return false;
  if (!present) return true;
  present = false;
  for (auto [key, value] : object) {
    if (key == "values") {
      values = value;
      present = true;
    }
  }
  return true;
}

}  // namespace

bool ReadAnyValue(Element e, int depth, ItemBudget& budget, model::AnyValue& out,
                  std::string& reason) {
  if (depth > kMaxAnyValueDepth) {
    reason = kTooDeep;
    return false;
  }
  if (!budget.Take(reason)) return false;
  out = model::AnyValue();
  if (e.is_null()) return true;
  Object object;
  if (e.get_object().get(object) != SUCCESS) {
    reason = "an AnyValue must be a JSON object such as {\"stringValue\": ...}";
    return false;
  }
  for (auto [key, value] : object) {
    if (value.is_null()) continue;
    if (KeyIs(key, "stringValue", "string_value")) {
      std::string s;
      if (!ReadString(value, "stringValue", s, reason)) return false;
      out = model::AnyValue(std::move(s));
    } else if (KeyIs(key, "boolValue", "bool_value")) {
      bool b = false;
      if (value.get_bool().get(b) != SUCCESS) return Fail(reason, "boolValue", "a boolean");
      out = model::AnyValue(b);
    } else if (KeyIs(key, "intValue", "int_value")) {
      int64_t i = 0;
      if (!ReadI64(value, "intValue", i, reason)) return false;
      out = model::AnyValue(i);
    } else if (KeyIs(key, "doubleValue", "double_value")) {
      double d = 0;
      if (!ReadDouble(value, d, reason)) return false;
      out = model::AnyValue(d);
    } else if (KeyIs(key, "arrayValue", "array_value")) {
      Element values;
      bool present = false;
      if (!ValuesOf(value, "arrayValue", values, present, reason)) return false;
      model::AnyValue::Array array;
      if (present) {
        simdjson::dom::array items;
        if (values.get_array().get(items) == SUCCESS) array.reserve(items.size());
        const bool ok = ForEach(values, "arrayValue.values", reason, [&](Element item) {
          return ReadAnyValue(item, depth + 1, budget, array.emplace_back(), reason);
        });
        if (!ok) return false;
      }
      out = model::AnyValue(std::move(array));
    } else if (KeyIs(key, "kvlistValue", "kvlist_value")) {
      Element values;
      bool present = false;
      if (!ValuesOf(value, "kvlistValue", values, present, reason)) return false;
      model::AnyValue::KvList list;
      if (present && !ReadAttributes(values, depth + 1, budget, list, reason)) return false;
      out = model::AnyValue(std::move(list));
    } else if (KeyIs(key, "bytesValue", "bytes_value")) {
      std::string_view text;
      if (value.get_string().get(text) != SUCCESS) return Fail(reason, "bytesValue", "base64");
      model::Bytes bytes;
      if (!Base64Decode(text, bytes.data)) return Fail(reason, "bytesValue", "base64");
      out = model::AnyValue(std::move(bytes));
    }
  }
  return true;
}

bool ReadAttributes(Element e, int depth, ItemBudget& budget, model::Attributes& out,
                    std::string& reason) {
  simdjson::dom::array items;
  if (e.get_array().get(items) == SUCCESS) out.reserve(out.size() + items.size());
  return ForEach(e, "attributes", reason, [&](Element item) {
    Object object;
    if (item.get_object().get(object) != SUCCESS) {
      reason = "an attribute must be a JSON object {\"key\": ..., \"value\": ...}";
      return false;
    }
    if (!budget.Take(reason)) return false;
    model::KeyValue& kv = out.emplace_back();
    for (auto [key, value] : object) {
      if (key == "key") {
        if (!ReadString(value, "key", kv.key, reason)) return false;
      } else if (key == "value") {
        if (!ReadAnyValue(value, depth, budget, kv.value, reason)) return false;
      }
    }
    return true;
  });
}

}  // namespace tracelake::otlp::internal::json
