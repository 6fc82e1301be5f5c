// One value of a Parquet row, as the writer takes it (ParquetWriter::Append). A row is one
// Value per top-level field of the schema, in schema order.
//
//   Row row = {Value("span-1"), Value(int64_t{1718445600250123456}), Value()};  // last is null
//   Value attrs = Value::Map({{"k", Value("v")}, {"empty", Value()}});
//   Value events = Value::List({Value::Struct({Value("start"), Value(int64_t{1})})});
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace tracelake::lake {

class Value;

struct ListValue {
  std::vector<Value> items;
};
struct StructValue {
  std::vector<Value> fields;  // one per child field, in schema order
};
struct MapValue {
  std::vector<std::pair<std::string, Value>> entries;  // keys are strings, never null
};

// A null, a primitive, or a nested value. Which alternative fits which field type:
// bool -> kBoolean; int32_t -> kInt32, kDate (days since 1970-01-01); int64_t -> kInt64,
// kTimestampMicros (microseconds since the epoch, UTC); double -> kDouble; std::string ->
// kString (UTF-8), kBinary; ListValue -> kList; StructValue -> kStruct; MapValue -> kMap.
class Value {
 public:
  using Variant = std::variant<std::monostate, bool, int32_t, int64_t, double, std::string,
                               ListValue, StructValue, MapValue>;

  Value() = default;  // null
  explicit Value(bool v) : v_(v) {}
  explicit Value(int32_t v) : v_(v) {}
  explicit Value(int64_t v) : v_(v) {}
  explicit Value(double v) : v_(v) {}
  explicit Value(std::string v) : v_(std::move(v)) {}
  explicit Value(const char* v) : v_(std::string(v)) {}

  static Value List(std::vector<Value> items) { return Value(ListValue{std::move(items)}); }
  static Value Struct(std::vector<Value> fields) { return Value(StructValue{std::move(fields)}); }
  static Value Map(std::vector<std::pair<std::string, Value>> entries) {
    return Value(MapValue{std::move(entries)});
  }

  bool is_null() const { return std::holds_alternative<std::monostate>(v_); }
  const Variant& get() const { return v_; }

 private:
  explicit Value(ListValue v) : v_(std::move(v)) {}
  explicit Value(StructValue v) : v_(std::move(v)) {}
  explicit Value(MapValue v) : v_(std::move(v)) {}

  Variant v_;
};

using Row = std::vector<Value>;

}  // namespace tracelake::lake
