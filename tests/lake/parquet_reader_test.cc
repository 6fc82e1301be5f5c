#include "lake/parquet_reader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "lake/parquet_writer.h"
#include "tests/common/status_matchers.h"

namespace tracelake::lake {
namespace {

using ::tracelake_testing::StatusIs;

// Exact equality, doubles by bit pattern (NaN included).
bool Same(const Value& a, const Value& b) {
  if (a.get().index() != b.get().index()) return false;
  if (const auto* d = std::get_if<double>(&a.get())) {
    const double e = std::get<double>(b.get());
    return std::memcmp(d, &e, sizeof(double)) == 0;
  }
  if (const auto* l = std::get_if<ListValue>(&a.get())) {
    const auto& m = std::get<ListValue>(b.get());
    if (l->items.size() != m.items.size()) return false;
    for (size_t i = 0; i < l->items.size(); ++i) {
      if (!Same(l->items[i], m.items[i])) return false;
    }
    return true;
  }
  if (const auto* s = std::get_if<StructValue>(&a.get())) {
    const auto& t = std::get<StructValue>(b.get());
    if (s->fields.size() != t.fields.size()) return false;
    for (size_t i = 0; i < s->fields.size(); ++i) {
      if (!Same(s->fields[i], t.fields[i])) return false;
    }
    return true;
  }
  if (const auto* m = std::get_if<MapValue>(&a.get())) {
    const auto& n = std::get<MapValue>(b.get());
    if (m->entries.size() != n.entries.size()) return false;
    for (size_t i = 0; i < m->entries.size(); ++i) {
      if (m->entries[i].first != n.entries[i].first ||
          !Same(m->entries[i].second, n.entries[i].second)) {
        return false;
      }
    }
    return true;
  }
  if (a.is_null()) return true;
  if (const auto* s = std::get_if<std::string>(&a.get()))
    return *s == std::get<std::string>(b.get());
  if (const auto* i = std::get_if<int64_t>(&a.get())) return *i == std::get<int64_t>(b.get());
  if (const auto* i = std::get_if<int32_t>(&a.get())) return *i == std::get<int32_t>(b.get());
  return std::get<bool>(a.get()) == std::get<bool>(b.get());
}

std::vector<Field> Fields() {
  Field attrs = Field::Map("attributes", Field::Leaf("value", FieldType::kString));
  return {
      Field::Leaf("id", FieldType::kString, Repetition::kRequired),
      Field::Leaf("n", FieldType::kInt64),
      Field::Leaf("i", FieldType::kInt32),
      Field::Leaf("ok", FieldType::kBoolean),
      Field::Leaf("d", FieldType::kDouble),
      Field::Leaf("time", FieldType::kTimestampMicros),
      Field::Leaf("day", FieldType::kDate),
      Field::Leaf("blob", FieldType::kBinary),
      attrs,
      Field::List("events",
                  Field::Struct("element", {attrs, Field::Leaf("name", FieldType::kString)},
                                Repetition::kRequired)),
      Field::Struct("status", {Field::Leaf("code", FieldType::kString),
                               Field::List("tags", Field::Leaf("element", FieldType::kString))}),
      Field::List("nums", Field::Leaf("element", FieldType::kInt64, Repetition::kRequired)),
  };
}

// prefix + n, appended (GCC 12 warns falsely, -Wrestrict, about "literal" + std::string).
std::string Name(std::string_view prefix, int n) {
  std::string s(prefix);
  s += std::to_string(n);
  return s;
}

std::string Blob(int r) {
  std::string blob(2, '\0');
  blob[1] = '\xff';
  blob += std::to_string(r % 10);
  return blob;
}

std::vector<Row> Rows(int count) {
  std::vector<Row> rows;
  for (int r = 0; r < count; ++r) {
    auto attrs = [](int k) {
      if (k % 5 == 4) return Value();
      std::vector<std::pair<std::string, Value>> entries;
      for (int j = 0; j < k % 4; ++j) {
        entries.emplace_back(Name("k", j), j == 2 ? Value() : Value(Name("v ✓", k)));
      }
      return Value::Map(std::move(entries));
    };
    std::vector<Value> events;
    for (int e = 0; e < r % 4; ++e) {
      events.push_back(Value::Struct({attrs(r + e), e == 1 ? Value() : Value(Name("ev", e))}));
    }
    std::vector<Value> tags;
    for (int t = 0; t < r % 3; ++t) tags.push_back(t == 1 ? Value() : Value(Name("t", t)));
    std::vector<Value> nums;
    for (int k = 0; k < r % 5; ++k) nums.emplace_back(int64_t{r} * int64_t{1000000000000} + k);
    rows.push_back({
        Value(Name("row-", r)),
        r % 6 == 0 ? Value() : Value(int64_t{r} * int64_t{1718445600250123}),
        r % 7 == 0 ? Value() : Value(static_cast<int32_t>(r % 3 - 1)),
        r % 4 == 0 ? Value() : Value(r % 3 == 0),
        r % 9 == 0 ? Value(std::nan("")) : Value(r * 0.5),
        Value(int64_t{1718445600250123} + r),
        Value(static_cast<int32_t>(19889 + r % 2)),
        r % 3 == 0 ? Value() : Value(Blob(r)),
        attrs(r),
        r % 8 == 7 ? Value() : Value::List(std::move(events)),
        r % 6 == 5 ? Value()
                   : Value::Struct({r % 2 == 0 ? Value() : Value("OK"),
                                    r % 5 == 0 ? Value() : Value::List(std::move(tags))}),
        Value::List(std::move(nums)),
    });
  }
  return rows;
}

class ParquetReaderTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    path_ =
        std::filesystem::temp_directory_path() / ("reader_test_" + std::to_string(::getpid()) +
                                                  "_" + std::to_string(GetParam()) + ".parquet");
  }
  void TearDown() override { std::filesystem::remove(path_); }
  std::filesystem::path path_;
};

TEST_P(ParquetReaderTest, ReadsBackEveryRowTheWriterWrote) {
  ParquetWriterOptions options;
  switch (GetParam()) {
    case 0:  // defaults: ZSTD, dictionaries where they pay
      break;
    case 1:  // many pages and row groups, Snappy, dictionaries everywhere
      options.codec = Codec::kSnappy;
      options.dictionary = DictionaryMode::kAlways;
      options.page_bytes = 512;
      options.row_group_bytes = 8 << 10;
      break;
    default:  // uncompressed PLAIN
      options.codec = Codec::kUncompressed;
      options.dictionary = DictionaryMode::kNever;
      options.page_bytes = 300;
  }
  auto schema = ParquetSchema::Make(Fields());
  ASSERT_TRUE(schema.ok());
  const std::vector<Row> rows = Rows(700);
  auto writer = ParquetWriter::Create(path_, *schema, options);
  ASSERT_TRUE(writer.ok());
  for (const Row& row : rows) ASSERT_TRUE((*writer)->Append(row).ok());
  auto info = (*writer)->Close();
  ASSERT_TRUE(info.ok());
  if (GetParam() == 1) {
    EXPECT_GT(info->num_row_groups, 3);
  }
  auto back = ReadParquetRows(path_, *schema);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->size(), rows.size());
  for (size_t r = 0; r < rows.size(); ++r) {
    ASSERT_EQ((*back)[r].size(), rows[r].size());
    for (size_t c = 0; c < rows[r].size(); ++c) {
      EXPECT_TRUE(Same((*back)[r][c], rows[r][c])) << "row " << r << " column " << c;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Options, ParquetReaderTest, ::testing::Values(0, 1, 2));

TEST(ParquetReaderErrorsTest, RefusesMissingAndForeignFiles) {
  auto schema = ParquetSchema::Make({Field::Leaf("s", FieldType::kString)});
  ASSERT_TRUE(schema.ok());
  EXPECT_THAT(ReadParquetRows("/nonexistent/x.parquet", *schema), StatusIs(StatusCode::kNotFound));
  const auto path = std::filesystem::temp_directory_path() /
                    ("reader_test_" + std::to_string(::getpid()) + "_other.parquet");
  auto other = ParquetSchema::Make({Field::Leaf("n", FieldType::kInt64)});
  ASSERT_TRUE(other.ok());
  auto writer = ParquetWriter::Create(path, *other);
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Append({Value(int64_t{1})}).ok());
  ASSERT_TRUE((*writer)->Close().ok());
  EXPECT_THAT(ReadParquetRows(path, *schema), StatusIs(StatusCode::kDataLoss));
  std::filesystem::remove(path);
}

// Damaged files fail cleanly (or read as other values), never crash: run under ASan in CI.
TEST(ParquetReaderErrorsTest, SurvivesDamagedBytes) {
  auto schema = ParquetSchema::Make(Fields());
  ASSERT_TRUE(schema.ok());
  const auto path = std::filesystem::temp_directory_path() /
                    ("reader_test_" + std::to_string(::getpid()) + "_damaged.parquet");
  for (Codec codec : {Codec::kUncompressed, Codec::kSnappy}) {
    ParquetWriterOptions options;
    options.codec = codec;
    options.page_bytes = 256;
    auto writer = ParquetWriter::Create(path, *schema, options);
    ASSERT_TRUE(writer.ok());
    for (const Row& row : Rows(60)) ASSERT_TRUE((*writer)->Append(row).ok());
    ASSERT_TRUE((*writer)->Close().ok());
    std::string original;
    {
      std::ifstream in(path, std::ios::binary);
      original.assign(std::istreambuf_iterator<char>(in), {});
    }
    uint64_t state = 7;
    int failures = 0;
    for (int round = 0; round < 300; ++round) {
      std::string damaged = original;
      for (int k = 0; k < 3; ++k) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        // Page bytes only (before the footer): the footer reader has its own tests.
        const size_t at = 4 + (state >> 33) % (original.size() / 2);
        damaged[at] = static_cast<char>(damaged[at] ^ (1 + (state >> 20) % 255));
      }
      std::ofstream(path, std::ios::binary | std::ios::trunc) << damaged;
      failures += ReadParquetRows(path, *schema).ok() ? 0 : 1;
    }
    EXPECT_GT(failures, 0);
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace tracelake::lake
