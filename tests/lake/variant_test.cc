// The Variant binary encoding (Parquet VariantEncoding.md) byte for byte, against hand-derived
// examples: the spec's metadata for {"a":1,"b":"hi"} (shared/spec/delta-parquet.md 3.2), each
// primitive, offset and id widths, large objects and arrays, and repeated keys.
#include "lake/variant.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/common/status_matchers.h"

namespace tracelake::lake {
namespace {

using model::AnyValue;

std::string Bytes(std::initializer_list<int> bytes) {
  std::string out;
  for (int b : bytes) out += static_cast<char>(b);
  return out;
}

std::string Hex(const std::string& s) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    if (!out.empty()) out += ' ';
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

TEST(VariantTest, SpecExampleObject) {
  Result<VariantBytes> v = VariantFromJson(R"({"b":"hi","a":1})");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  // Version 1, sorted, 1-byte offsets; keys "a", "b".
  EXPECT_EQ(Hex(v->metadata), Hex(Bytes({0x11, 0x02, 0x00, 0x01, 0x02, 'a', 'b'})));
  // Object, 1-byte ids and offsets, 2 fields: ids 0 1, offsets 0 2 5; int8 1; short string.
  EXPECT_EQ(Hex(v->value),
            Hex(Bytes({0x02, 0x02, 0x00, 0x01, 0x00, 0x02, 0x05, 0x0C, 0x01, 0x09, 'h', 'i'})));
}

TEST(VariantTest, Primitives) {
  auto value = [](const AnyValue& v) { return Hex(VariantFromAnyValue(v).value); };
  EXPECT_EQ(value(AnyValue()), "00");
  EXPECT_EQ(value(AnyValue(true)), "04");
  EXPECT_EQ(value(AnyValue(false)), "08");
  EXPECT_EQ(value(AnyValue(int64_t{-1})), "0c ff");
  EXPECT_EQ(value(AnyValue(int64_t{300})), "10 2c 01");
  EXPECT_EQ(value(AnyValue(int64_t{70000})), "14 70 11 01 00");
  EXPECT_EQ(value(AnyValue(int64_t{1} << 40)), "18 00 00 00 00 00 01 00 00");
  EXPECT_EQ(value(AnyValue(1.5)), "1c 00 00 00 00 00 00 f8 3f");
  EXPECT_EQ(value(AnyValue(model::Bytes{std::string("\x00\x01", 2)})), "3c 02 00 00 00 00 01");
  EXPECT_EQ(value(AnyValue("")), "01");
  const std::string long_string(64, 'x');
  const std::string encoded = VariantFromAnyValue(AnyValue(long_string)).value;
  EXPECT_EQ(Hex(encoded.substr(0, 5)), "40 40 00 00 00");  // string (16), 4-byte length 64
  EXPECT_EQ(encoded.substr(5), long_string);
  // No object anywhere: an empty, sorted dictionary.
  EXPECT_EQ(Hex(VariantFromAnyValue(AnyValue(int64_t{1})).metadata), "11 00 00");
}

TEST(VariantTest, ArraysAndNestedObjectsShareOneDictionary) {
  AnyValue::KvList inner = {{"z", AnyValue(int64_t{2})}, {"a", AnyValue("q")}};
  AnyValue v(AnyValue::Array{AnyValue(std::move(inner)), AnyValue()});
  VariantBytes b = VariantFromAnyValue(v);
  EXPECT_EQ(Hex(b.metadata), Hex(Bytes({0x11, 0x02, 0x00, 0x01, 0x02, 'a', 'z'})));
  // Array (header 0x03, 1-byte offsets), 2 items at 0 and 11, ending at 12:
  // object {a:"q", z:2} = 02 02 | ids 00 01 | offsets 00 02 04 | 05 'q' | 0c 02, then null.
  EXPECT_EQ(Hex(b.value), Hex(Bytes({0x03, 0x02, 0x00, 0x0B, 0x0C, 0x02, 0x02, 0x00, 0x01, 0x00,
                                     0x02, 0x04, 0x05, 'q', 0x0C, 0x02, 0x00})));
}

TEST(VariantTest, RepeatedKeysKeepTheLastValue) {
  model::Attributes attrs = {{"k", AnyValue("first")}, {"k", AnyValue("v")}};
  VariantBytes b = VariantFromAttributes(attrs);
  EXPECT_EQ(Hex(b.metadata), Hex(Bytes({0x11, 0x01, 0x00, 0x01, 'k'})));
  EXPECT_EQ(Hex(b.value), Hex(Bytes({0x02, 0x01, 0x00, 0x00, 0x02, 0x05, 'v'})));
  // No attributes: an empty object.
  EXPECT_EQ(Hex(VariantFromAttributes({}).value), "02 00 00");
}

TEST(VariantTest, LargeObjectsUseWideCountsIdsAndOffsets) {
  model::Attributes attrs;
  for (int i = 0; i < 300; ++i) {
    char key[8];
    std::snprintf(key, sizeof key, "k%03d", i);
    attrs.push_back({key, AnyValue(std::string(300, 'v'))});
  }
  VariantBytes b = VariantFromAttributes(attrs);
  // Metadata: 1200 bytes of keys need 2-byte offsets: header 0x11 | (1 << 6).
  EXPECT_EQ(static_cast<uint8_t>(b.metadata[0]), 0x51);
  EXPECT_EQ(b.metadata.size(), 1u + 2 + 2 * 301 + 1200);
  // Object: large (4-byte count), 2-byte ids, 3-byte offsets (300 long strings of 305 bytes).
  EXPECT_EQ(static_cast<uint8_t>(b.value[0]),
            static_cast<uint8_t>(((1 << 4 | 1 << 2 | 2) << 2) | 2));
  EXPECT_EQ(Hex(b.value.substr(1, 4)), "2c 01 00 00");
  EXPECT_EQ(b.value.size(), 1u + 4 + 2 * 300 + 3 * 301 + 300 * 305);
}

TEST(VariantTest, JsonNumbersAndErrors) {
  Result<VariantBytes> v = VariantFromJson("[1, 2.5, 18446744073709551615, null, \"s\"]");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(Hex(v->value.substr(0, 2)), "03 05");
  EXPECT_FALSE(VariantFromJson("{").ok());
  EXPECT_FALSE(VariantFromJson("1 2").ok());
  EXPECT_FALSE(VariantFromJson("").ok());
}

}  // namespace
}  // namespace tracelake::lake
