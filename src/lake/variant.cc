#include "lake/variant.h"

#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

namespace tracelake::lake {
namespace {

using model::AnyValue;

// Basic types (the low two bits of a value's header byte) and primitive type ids.
constexpr uint8_t kPrimitive = 0;
constexpr uint8_t kShortString = 1;
constexpr uint8_t kObject = 2;
constexpr uint8_t kArray = 3;
constexpr uint8_t kNull = 0;
constexpr uint8_t kTrue = 1;
constexpr uint8_t kFalse = 2;
constexpr uint8_t kInt8 = 3;
constexpr uint8_t kInt16 = 4;
constexpr uint8_t kInt32 = 5;
constexpr uint8_t kInt64 = 6;
constexpr uint8_t kDouble = 7;
constexpr uint8_t kBinary = 15;
constexpr uint8_t kString = 16;
constexpr size_t kMaxShortString = 63;

// The fewest bytes (1-4) that hold `n` unsigned.
int WidthOf(size_t n) {
  if (n <= 0xFF) return 1;
  if (n <= 0xFFFF) return 2;
  if (n <= 0xFFFFFF) return 3;
  return 4;
}

void PutLittleEndian(uint64_t v, int width, std::string& out) {
  for (int i = 0; i < width; ++i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
}

void PutPrimitiveHeader(uint8_t type_id, std::string& out) {
  out += static_cast<char>(static_cast<uint8_t>(type_id << 2) | kPrimitive);
}

// The object keys of a value, gathered, sorted and deduplicated: the metadata dictionary.
void CollectKeys(const AnyValue& value, std::vector<std::string_view>& keys) {
  const auto& s = value.storage();
  if (const auto* array = std::get_if<AnyValue::Array>(&s)) {
    for (const AnyValue& item : *array) CollectKeys(item, keys);
  } else if (const auto* kvs = std::get_if<AnyValue::KvList>(&s)) {
    for (const model::KeyValue& kv : *kvs) {
      keys.push_back(kv.key);
      CollectKeys(kv.value, keys);
    }
  }
}

class Encoder {
 public:
  explicit Encoder(std::vector<std::string_view> keys) : keys_(std::move(keys)) {
    std::sort(keys_.begin(), keys_.end());
    keys_.erase(std::unique(keys_.begin(), keys_.end()), keys_.end());
  }

  // Version 1, sorted strings, offsets as wide as the largest of count and total size.
  std::string Metadata() const {
    size_t total = 0;
    for (std::string_view key : keys_) total += key.size();
    const int width = WidthOf(std::max(total, keys_.size()));
    std::string out;
    out += static_cast<char>(0x01 | 0x10 | ((width - 1) << 6));
    PutLittleEndian(keys_.size(), width, out);
    size_t offset = 0;
    PutLittleEndian(offset, width, out);
    for (std::string_view key : keys_) {
      offset += key.size();
      PutLittleEndian(offset, width, out);
    }
    for (std::string_view key : keys_) out.append(key);
    return out;
  }

  void Encode(const AnyValue& value, std::string& out) const {
    const auto& s = value.storage();
    switch (s.index()) {
      case 1:
        String(std::get<std::string>(s), out);
        return;
      case 2:
        PutPrimitiveHeader(std::get<bool>(s) ? kTrue : kFalse, out);
        return;
      case 3:
        Int(std::get<int64_t>(s), out);
        return;
      case 4: {
        PutPrimitiveHeader(kDouble, out);
        uint64_t bits = 0;
        const double d = std::get<double>(s);
        std::memcpy(&bits, &d, sizeof bits);
        PutLittleEndian(bits, 8, out);
        return;
      }
      case 5:
        Array(std::get<AnyValue::Array>(s), out);
        return;
      case 6:
        Object(std::get<AnyValue::KvList>(s), out);
        return;
      case 7: {
        const std::string& bytes = std::get<model::Bytes>(s).data;
        PutPrimitiveHeader(kBinary, out);
        PutLittleEndian(bytes.size(), 4, out);
        out += bytes;
        return;
      }
      default:
        PutPrimitiveHeader(kNull, out);
        return;
    }
  }

  // An object from key/value pairs; a repeated key keeps its last value.
  void Object(const std::vector<model::KeyValue>& kvs, std::string& out) const {
    // (key id, index into kvs), sorted by id (= by key, the dictionary being sorted).
    std::vector<std::pair<uint32_t, size_t>> fields;
    fields.reserve(kvs.size());
    for (size_t i = 0; i < kvs.size(); ++i) fields.emplace_back(KeyId(kvs[i].key), i);
    std::stable_sort(fields.begin(), fields.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<std::pair<uint32_t, size_t>> unique;
    for (size_t i = 0; i < fields.size(); ++i) {
      if (i + 1 < fields.size() && fields[i + 1].first == fields[i].first) continue;
      unique.push_back(fields[i]);
    }
    std::string data;
    std::vector<size_t> offsets;
    offsets.reserve(unique.size() + 1);
    for (const auto& [id, index] : unique) {
      offsets.push_back(data.size());
      Encode(kvs[index].value, data);
    }
    offsets.push_back(data.size());
    const bool large = unique.size() > 0xFF;
    const int id_width = WidthOf(keys_.empty() ? 0 : keys_.size() - 1);
    const int offset_width = WidthOf(data.size());
    const uint8_t header =
        static_cast<uint8_t>(((large ? 1 : 0) << 4) | ((id_width - 1) << 2) | (offset_width - 1));
    out += static_cast<char>(static_cast<uint8_t>(header << 2) | kObject);
    PutLittleEndian(unique.size(), large ? 4 : 1, out);
    for (const auto& field : unique) PutLittleEndian(field.first, id_width, out);
    for (size_t offset : offsets) PutLittleEndian(offset, offset_width, out);
    out += data;
  }

 private:
  uint32_t KeyId(std::string_view key) const {
    return static_cast<uint32_t>(std::lower_bound(keys_.begin(), keys_.end(), key) - keys_.begin());
  }

  static void String(const std::string& s, std::string& out) {
    if (s.size() <= kMaxShortString) {
      out += static_cast<char>(static_cast<uint8_t>(s.size() << 2) | kShortString);
    } else {
      PutPrimitiveHeader(kString, out);
      PutLittleEndian(s.size(), 4, out);
    }
    out += s;
  }

  static void Int(int64_t v, std::string& out) {
    auto fits = [v](auto limits) {
      return v >= decltype(limits)::min() && v <= decltype(limits)::max();
    };
    if (fits(std::numeric_limits<int8_t>())) {
      PutPrimitiveHeader(kInt8, out);
      PutLittleEndian(static_cast<uint64_t>(v), 1, out);
    } else if (fits(std::numeric_limits<int16_t>())) {
      PutPrimitiveHeader(kInt16, out);
      PutLittleEndian(static_cast<uint64_t>(v), 2, out);
    } else if (fits(std::numeric_limits<int32_t>())) {
      PutPrimitiveHeader(kInt32, out);
      PutLittleEndian(static_cast<uint64_t>(v), 4, out);
    } else {
      PutPrimitiveHeader(kInt64, out);
      PutLittleEndian(static_cast<uint64_t>(v), 8, out);
    }
  }

  void Array(const AnyValue::Array& items, std::string& out) const {
    std::string data;
    std::vector<size_t> offsets;
    offsets.reserve(items.size() + 1);
    for (const AnyValue& item : items) {
      offsets.push_back(data.size());
      Encode(item, data);
    }
    offsets.push_back(data.size());
    const bool large = items.size() > 0xFF;
    const int offset_width = WidthOf(data.size());
    const uint8_t header = static_cast<uint8_t>(((large ? 1 : 0) << 2) | (offset_width - 1));
    out += static_cast<char>(static_cast<uint8_t>(header << 2) | kArray);
    PutLittleEndian(items.size(), large ? 4 : 1, out);
    for (size_t offset : offsets) PutLittleEndian(offset, offset_width, out);
    out += data;
  }

  std::vector<std::string_view> keys_;
};

// JSON into the OTel value model: the variant mapping is then the same for both.
void FromJson(simdjson::dom::element e, AnyValue& out) {
  using simdjson::SUCCESS;
  simdjson::dom::object object;
  simdjson::dom::array array;
  std::string_view text;
  int64_t i = 0;
  uint64_t u = 0;
  double d = 0;
  bool b = false;
  if (e.get(object) == SUCCESS) {
    AnyValue::KvList kvs;
    for (simdjson::dom::key_value_pair field : object) {
      model::KeyValue& kv = kvs.emplace_back();
      kv.key = std::string(field.key);
      FromJson(field.value, kv.value);
    }
    out = AnyValue(std::move(kvs));
  } else if (e.get(array) == SUCCESS) {
    AnyValue::Array items;
    for (simdjson::dom::element item : array) FromJson(item, items.emplace_back());
    out = AnyValue(std::move(items));
  } else if (e.get(text) == SUCCESS) {
    out = AnyValue(std::string(text));
  } else if (e.is_int64() && e.get(i) == SUCCESS) {
    out = AnyValue(i);
  } else if (e.is_uint64() && e.get(u) == SUCCESS) {
    out = AnyValue(static_cast<double>(u));
  } else if (e.get(d) == SUCCESS) {
    out = AnyValue(d);
  } else if (e.get(b) == SUCCESS) {
    out = AnyValue(b);
  } else {
    out = AnyValue();
  }
}

}  // namespace

VariantBytes VariantFromAnyValue(const model::AnyValue& value) {
  std::vector<std::string_view> keys;
  CollectKeys(value, keys);
  const Encoder encoder(std::move(keys));
  VariantBytes out;
  out.metadata = encoder.Metadata();
  encoder.Encode(value, out.value);
  return out;
}

VariantBytes VariantFromAttributes(const model::Attributes& attributes) {
  std::vector<std::string_view> keys;
  for (const model::KeyValue& kv : attributes) {
    keys.push_back(kv.key);
    CollectKeys(kv.value, keys);
  }
  const Encoder encoder(std::move(keys));
  VariantBytes out;
  out.metadata = encoder.Metadata();
  encoder.Object(attributes, out.value);
  return out;
}

Result<VariantBytes> VariantFromJson(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) {
    return InvalidArgumentError("not a JSON document");
  }
  AnyValue value;
  FromJson(root, value);
  return VariantFromAnyValue(value);
}

Value VariantColumnValue(VariantBytes variant) {
  return Value::Struct({Value(std::move(variant.metadata)), Value(std::move(variant.value))});
}

}  // namespace tracelake::lake
