// AnyValue and KeyValue: OpenTelemetry attribute values, independent of protobuf.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace tracelake::model {

struct KeyValue;

// Bytes held as a string of raw octets, distinct from text.
struct Bytes {
  std::string data;
  friend bool operator==(const Bytes&, const Bytes&) = default;
};

// One OTel AnyValue. Empty (monostate) means "no value set".
class AnyValue {
 public:
  using Array = std::vector<AnyValue>;
  using KvList = std::vector<KeyValue>;
  using Storage =
      std::variant<std::monostate, std::string, bool, int64_t, double, Array, KvList, Bytes>;

  AnyValue() = default;
  // Defined below KeyValue: clang needs KeyValue complete to instantiate the variant's
  // converting constructors (their cleanup path destroys a std::vector<KeyValue>).
  AnyValue(std::string s);   // NOLINT
  AnyValue(const char* s);   // NOLINT
  AnyValue(bool b);          // NOLINT
  AnyValue(int64_t i);       // NOLINT
  AnyValue(int i);           // NOLINT
  AnyValue(double d);        // NOLINT
  AnyValue(Array a);         // NOLINT
  AnyValue(KvList kv);       // NOLINT
  AnyValue(Bytes b);         // NOLINT

  bool empty() const { return v_.index() == 0; }
  bool is_string() const { return std::holds_alternative<std::string>(v_); }
  bool is_bool() const { return std::holds_alternative<bool>(v_); }
  bool is_int() const { return std::holds_alternative<int64_t>(v_); }
  bool is_double() const { return std::holds_alternative<double>(v_); }
  bool is_array() const { return std::holds_alternative<Array>(v_); }
  bool is_kvlist() const { return std::holds_alternative<KvList>(v_); }
  bool is_bytes() const { return std::holds_alternative<Bytes>(v_); }

  const std::string& as_string() const { return std::get<std::string>(v_); }
  bool as_bool() const { return std::get<bool>(v_); }
  int64_t as_int() const { return std::get<int64_t>(v_); }
  double as_double() const { return std::get<double>(v_); }
  const Array& as_array() const { return std::get<Array>(v_); }
  const KvList& as_kvlist() const { return std::get<KvList>(v_); }
  const Bytes& as_bytes() const { return std::get<Bytes>(v_); }
  Array& mutable_array() { return std::get<Array>(v_); }
  KvList& mutable_kvlist() { return std::get<KvList>(v_); }

  const Storage& storage() const { return v_; }

  // JSON text of the value: strings quoted, bytes as base64 string, kvlist as object.
  std::string ToJson() const;
  // The value as a plain string: strings unquoted, everything else as ToJson().
  std::string ToDisplayString() const;

  friend bool operator==(const AnyValue& a, const AnyValue& b);

 private:
  Storage v_;
};

struct KeyValue {
  std::string key;
  AnyValue value;
  friend bool operator==(const KeyValue& a, const KeyValue& b) {
    return a.key == b.key && a.value == b.value;
  }
};

inline AnyValue::AnyValue(std::string s) : v_(std::move(s)) {}
inline AnyValue::AnyValue(const char* s) : v_(std::string(s)) {}
inline AnyValue::AnyValue(bool b) : v_(b) {}
inline AnyValue::AnyValue(int64_t i) : v_(i) {}
inline AnyValue::AnyValue(int i) : v_(static_cast<int64_t>(i)) {}
inline AnyValue::AnyValue(double d) : v_(d) {}
inline AnyValue::AnyValue(Array a) : v_(std::move(a)) {}
inline AnyValue::AnyValue(KvList kv) : v_(std::move(kv)) {}
inline AnyValue::AnyValue(Bytes b) : v_(std::move(b)) {}

using Attributes = std::vector<KeyValue>;

// Linear search (attribute lists are short). Returns nullptr when absent.
const AnyValue* FindAttribute(const Attributes& attrs, std::string_view key);
// Sets or replaces key.
void SetAttribute(Attributes& attrs, std::string_view key, AnyValue value);

// Appends s to out as a JSON string literal (quoted, escaped; invalid UTF-8 replaced).
void AppendJsonString(std::string& out, std::string_view s);

}  // namespace tracelake::model
