#include "lake/parquet_writer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "lake/parquet_format.h"
#include "lake/rle_encoder.h"
#include "tests/common/status_matchers.h"
#include "tests/lake/parquet_test_util.h"

namespace tracelake::lake {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::tracelake_testing::StatusIs;

class ParquetWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("lake_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Writes `rows` and returns the file's bytes.
  std::string WriteFile(const std::vector<Field>& fields, const std::vector<Row>& rows,
                        const ParquetWriterOptions& options = {}) {
    auto schema = ParquetSchema::Make(fields);
    EXPECT_TRUE(schema.ok());
    const std::string path = (dir_ / "t.parquet").string();
    auto writer = ParquetWriter::Create(path, *schema, options);
    EXPECT_TRUE(writer.ok());
    for (const Row& row : rows) EXPECT_TRUE((*writer)->Append(row).ok());
    auto info = (*writer)->Close();
    EXPECT_TRUE(info.ok()) << info.status().ToString();
    std::string bytes = ReadWholeFile(path);
    EXPECT_EQ(info->size_bytes, static_cast<int64_t>(bytes.size()));
    EXPECT_EQ(info->num_rows, static_cast<int64_t>(rows.size()));
    return bytes;
  }

  std::filesystem::path dir_;
};

pq::FileMetaData Footer(const std::string& file) {
  auto meta = ReadFileMetaData(file);
  EXPECT_TRUE(meta.ok()) << meta.status().ToString();
  return meta.ok() ? *meta : pq::FileMetaData();
}

// Definition levels of a data page V1 body of a flat column (no repetition levels).
std::vector<uint32_t> DefLevels(const std::string& body, int max_def, size_t count) {
  size_t pos = 4;
  return DecodeRleHybrid(body, pos, BitWidth(max_def), count);
}

template <typename T>
std::string Plain(T v) {
  std::string out(sizeof(T), '\0');
  std::memcpy(out.data(), &v, sizeof(T));
  return out;
}

TEST_F(ParquetWriterTest, FooterDescribesTheFile) {
  std::string file = WriteFile({Field::Leaf("id", FieldType::kString, Repetition::kRequired),
                                Field::Leaf("n", FieldType::kInt64)},
                               {{Value("a"), Value(int64_t{1})}, {Value("b"), Value()}});
  EXPECT_EQ(file.substr(0, 4), "PAR1");
  pq::FileMetaData meta = Footer(file);
  EXPECT_EQ(meta.version, 1);
  EXPECT_EQ(meta.num_rows, 2);
  EXPECT_EQ(meta.created_by, "tracelake version 0.1.0 (build unknown)");
  ASSERT_EQ(meta.column_orders.size(), 2U);
  EXPECT_TRUE(meta.column_orders[0].__isset.TYPE_ORDER);
  ASSERT_EQ(meta.row_groups.size(), 1U);
  const pq::RowGroup& group = meta.row_groups[0];
  EXPECT_EQ(group.num_rows, 2);
  EXPECT_EQ(group.file_offset, 4);
  EXPECT_EQ(group.ordinal, 0);
  ASSERT_EQ(group.columns.size(), 2U);
  int64_t uncompressed = 0;
  int64_t compressed = 0;
  for (const pq::ColumnChunk& chunk : group.columns) {
    EXPECT_EQ(chunk.file_offset, 0);
    EXPECT_TRUE(chunk.__isset.meta_data);
    EXPECT_EQ(chunk.meta_data.codec, pq::CompressionCodec::ZSTD);
    EXPECT_EQ(chunk.meta_data.num_values, 2);
    ReadChunkPages(file, chunk.meta_data, Codec::kZstd);
    uncompressed += chunk.meta_data.total_uncompressed_size;
    compressed += chunk.meta_data.total_compressed_size;
  }
  EXPECT_EQ(group.total_byte_size, uncompressed);
  EXPECT_EQ(group.total_compressed_size, compressed);
  EXPECT_THAT(group.columns[1].meta_data.path_in_schema, ElementsAre("n"));
}

TEST_F(ParquetWriterTest, NullsCountInEveryValueCountAndTheirLevels) {
  ParquetWriterOptions options;
  options.codec = Codec::kUncompressed;
  options.dictionary = DictionaryMode::kNever;
  std::string file = WriteFile({Field::Leaf("n", FieldType::kInt64)},
                               {{Value(int64_t{7})}, {Value()}, {Value(int64_t{-3})}}, options);
  pq::FileMetaData meta = Footer(file);
  const pq::ColumnMetaData& col = meta.row_groups[0].columns[0].meta_data;
  EXPECT_EQ(col.num_values, 3);
  EXPECT_THAT(col.encodings, ElementsAre(pq::Encoding::PLAIN, pq::Encoding::RLE));
  EXPECT_FALSE(col.__isset.dictionary_page_offset);
  auto pages = ReadChunkPages(file, col, Codec::kUncompressed);
  ASSERT_EQ(pages.size(), 1U);
  const pq::PageHeader& header = pages[0].header;
  EXPECT_EQ(header.compressed_page_size, header.uncompressed_page_size);
  EXPECT_EQ(header.data_page_header.num_values, 3);  // nulls included
  EXPECT_EQ(header.data_page_header.encoding, pq::Encoding::PLAIN);
  EXPECT_THAT(DefLevels(pages[0].body, 1, 3), ElementsAre(1, 0, 1));
  // Levels "02 00 00 00 03 05", then two PLAIN int64s.
  EXPECT_EQ(pages[0].body.substr(6), Plain(int64_t{7}) + Plain(int64_t{-3}));
  EXPECT_EQ(col.statistics.null_count, 1);
  EXPECT_EQ(col.statistics.min_value, Plain(int64_t{-3}));
  EXPECT_EQ(col.statistics.max_value, Plain(int64_t{7}));
}

TEST_F(ParquetWriterTest, RepeatedStringsAreDictionaryEncoded) {
  std::vector<Row> rows;
  for (int i = 0; i < 100; ++i) rows.push_back({Value(i % 3 == 0 ? "LLM" : "TOOL")});
  rows.push_back({Value()});
  std::string file = WriteFile({Field::Leaf("kind", FieldType::kString)}, rows);
  const pq::FileMetaData meta = Footer(file);
  const pq::ColumnMetaData& col = meta.row_groups[0].columns[0].meta_data;
  EXPECT_THAT(col.encodings,
              ElementsAre(pq::Encoding::PLAIN, pq::Encoding::RLE, pq::Encoding::RLE_DICTIONARY));
  ASSERT_TRUE(col.__isset.dictionary_page_offset);
  EXPECT_EQ(col.dictionary_page_offset, 4);
  EXPECT_GT(col.data_page_offset, col.dictionary_page_offset);
  auto pages = ReadChunkPages(file, col, Codec::kZstd);
  ASSERT_EQ(pages.size(), 2U);
  EXPECT_EQ(pages[0].header.type, pq::PageType::DICTIONARY_PAGE);
  EXPECT_EQ(pages[0].header.dictionary_page_header.num_values, 2);
  EXPECT_EQ(pages[0].header.dictionary_page_header.encoding, pq::Encoding::PLAIN);
  EXPECT_EQ(pages[0].body, std::string("\3\0\0\0LLM\4\0\0\0TOOL", 15));
  EXPECT_EQ(pages[1].offset, col.data_page_offset);
  EXPECT_EQ(pages[1].header.data_page_header.num_values, 101);
  EXPECT_EQ(pages[1].header.data_page_header.encoding, pq::Encoding::RLE_DICTIONARY);
  EXPECT_EQ(col.statistics.min_value, "LLM");
  EXPECT_EQ(col.statistics.max_value, "TOOL");
  EXPECT_EQ(col.statistics.null_count, 1);
}

TEST_F(ParquetWriterTest, UniqueValuesStayPlain) {
  std::vector<Row> rows;
  for (int64_t i = 0; i < 1000; ++i) rows.push_back({Value(i * 1000003)});
  std::string file = WriteFile({Field::Leaf("n", FieldType::kInt64)}, rows);
  const pq::FileMetaData meta = Footer(file);
  const pq::ColumnMetaData& col = meta.row_groups[0].columns[0].meta_data;
  EXPECT_FALSE(col.__isset.dictionary_page_offset);
  EXPECT_THAT(col.encodings, ElementsAre(pq::Encoding::PLAIN, pq::Encoding::RLE));
}

TEST_F(ParquetWriterTest, SmallLimitsMakeManyPagesAndRowGroups) {
  ParquetWriterOptions options;
  options.page_bytes = 256;
  options.row_group_bytes = 8000;
  std::vector<Row> rows;
  for (int i = 0; i < 3000; ++i) {
    rows.push_back({Value(int64_t{i}), Value("name-" + std::to_string(i % 10)),
                    Value::Map({{"k", Value(std::to_string(i))}, {"z", Value()}})});
  }
  std::string file =
      WriteFile({Field::Leaf("n", FieldType::kInt64), Field::Leaf("s", FieldType::kString),
                 Field::Map("m", Field::Leaf("v", FieldType::kString))},
                rows, options);
  pq::FileMetaData meta = Footer(file);
  ASSERT_GT(meta.row_groups.size(), 3U);
  int64_t rows_seen = 0;
  for (size_t g = 0; g < meta.row_groups.size(); ++g) {
    const pq::RowGroup& group = meta.row_groups[g];
    EXPECT_EQ(group.ordinal, static_cast<int16_t>(g));
    rows_seen += group.num_rows;
    EXPECT_EQ(group.columns[2].meta_data.num_values, 2 * group.num_rows);
    for (const pq::ColumnChunk& chunk : group.columns) {
      ReadChunkPages(file, chunk.meta_data, Codec::kZstd);
    }
    // Map pages start at a row: the first repetition level of every page is 0.
    for (const auto& page : ReadChunkPages(file, group.columns[3].meta_data, Codec::kZstd)) {
      if (page.header.type != pq::PageType::DATA_PAGE) continue;
      size_t pos = 4;
      EXPECT_EQ(DecodeRleHybrid(page.body, pos, 1, 1)[0], 0U);
    }
    // n and the map values are unique (PLAIN): several pages per chunk, but in the last
    // (smaller) row group.
    if (g + 1 == meta.row_groups.size()) continue;
    EXPECT_GT(ReadChunkPages(file, group.columns[0].meta_data, Codec::kZstd).size(), 2U);
    EXPECT_GT(ReadChunkPages(file, group.columns[3].meta_data, Codec::kZstd).size(), 2U);
  }
  EXPECT_EQ(rows_seen, 3000);
}

TEST_F(ParquetWriterTest, MapLevelsFollowTheSpecExample) {
  ParquetWriterOptions options;
  options.codec = Codec::kSnappy;
  // {k1:v1,k2:v2}, null, {}: rep [0,1,0,0], key def [2,2,0,1], value def [3,3,0,1].
  std::string file = WriteFile(
      {Field::Map("attributes", Field::Leaf("value", FieldType::kString))},
      {{Value::Map({{"k1", Value("v1")}, {"k2", Value("v2")}})}, {Value()}, {Value::Map({})}},
      options);
  pq::FileMetaData meta = Footer(file);
  ASSERT_EQ(meta.schema.size(), 5U);
  const auto& key = meta.row_groups[0].columns[0].meta_data;
  const auto& value = meta.row_groups[0].columns[1].meta_data;
  EXPECT_THAT(key.path_in_schema, ElementsAre("attributes", "key_value", "key"));
  EXPECT_EQ(key.num_values, 4);
  EXPECT_EQ(value.num_values, 4);
  EXPECT_EQ(key.statistics.null_count, 2);
  for (const auto* col : {&key, &value}) {
    auto pages = ReadChunkPages(file, *col, Codec::kSnappy);
    const std::string& body = pages.back().body;
    size_t pos = 4;
    EXPECT_THAT(DecodeRleHybrid(body, pos, 1, 4), ElementsAre(0, 1, 0, 0));
    pos += 4;
    const int max_def = col == &key ? 2 : 3;
    auto defs = DecodeRleHybrid(body, pos, BitWidth(max_def), 4);
    if (col == &key) {
      EXPECT_THAT(defs, ElementsAre(2, 2, 0, 1));
    } else {
      EXPECT_THAT(defs, ElementsAre(3, 3, 0, 1));
    }
  }
}

TEST_F(ParquetWriterTest, ListOfStructLevels) {
  // events.list.element.name, element required: [{a},{null}], null, [] -> rep [0,1,0,0],
  // def [3,2,0,1] (shared/spec/delta-parquet.md section 2.5).
  std::string file = WriteFile(
      {Field::List("events", Field::Struct("element", {Field::Leaf("name", FieldType::kString)},
                                           Repetition::kRequired))},
      {{Value::List({Value::Struct({Value("a")}), Value::Struct({Value()})})},
       {Value()},
       {Value::List({})}});
  const pq::FileMetaData meta = Footer(file);
  const auto& col = meta.row_groups[0].columns[0].meta_data;
  EXPECT_THAT(col.path_in_schema, ElementsAre("events", "list", "element", "name"));
  auto pages = ReadChunkPages(file, col, Codec::kZstd);
  const std::string& body = pages.back().body;
  size_t pos = 4;
  EXPECT_THAT(DecodeRleHybrid(body, pos, 1, 4), ElementsAre(0, 1, 0, 0));
  pos += 4;
  EXPECT_THAT(DecodeRleHybrid(body, pos, 2, 4), ElementsAre(3, 2, 0, 1));
}

TEST_F(ParquetWriterTest, StatisticsPerType) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::string file = WriteFile(
      {Field::Leaf("b", FieldType::kBoolean), Field::Leaf("i", FieldType::kInt32),
       Field::Leaf("d", FieldType::kDouble), Field::Leaf("s", FieldType::kString),
       Field::Leaf("j", FieldType::kString, Repetition::kOptional, MinMaxStats::kSkip)},
      {{Value(true), Value(int32_t{-5}), Value(nan), Value("\xc3\xa9t\xc3\xa9"), Value("{}")},
       {Value(false), Value(int32_t{9}), Value(0.0), Value("z"), Value("[]")},
       {Value(true), Value(), Value(2.5), Value(std::string(65, 'a')), Value()}});
  const pq::FileMetaData meta = Footer(file);
  const auto& cols = meta.row_groups[0].columns;
  EXPECT_EQ(cols[0].meta_data.statistics.min_value, std::string(1, '\0'));
  EXPECT_EQ(cols[0].meta_data.statistics.max_value, std::string(1, '\1'));
  EXPECT_EQ(cols[1].meta_data.statistics.min_value, Plain(int32_t{-5}));
  EXPECT_EQ(cols[1].meta_data.statistics.max_value, Plain(int32_t{9}));
  EXPECT_EQ(cols[1].meta_data.statistics.null_count, 1);
  EXPECT_EQ(cols[2].meta_data.statistics.nan_count, 1);
  EXPECT_EQ(cols[2].meta_data.statistics.min_value, Plain(-0.0));
  EXPECT_EQ(cols[2].meta_data.statistics.max_value, Plain(2.5));
  // A value longer than 64 bytes drops min/max, never the null count.
  EXPECT_FALSE(cols[3].meta_data.statistics.__isset.min_value);
  EXPECT_EQ(cols[3].meta_data.statistics.null_count, 0);
  EXPECT_FALSE(cols[4].meta_data.statistics.__isset.max_value);
  EXPECT_EQ(cols[4].meta_data.statistics.null_count, 1);
}

TEST_F(ParquetWriterTest, EmptyFileHasAFooterAndNoRowGroups) {
  pq::FileMetaData meta = Footer(WriteFile({Field::Leaf("s", FieldType::kString)}, {}));
  EXPECT_EQ(meta.num_rows, 0);
  EXPECT_TRUE(meta.row_groups.empty());
}

TEST_F(ParquetWriterTest, RefusedRowsLeaveTheFileIntact) {
  auto schema = ParquetSchema::Make(
      {Field::Leaf("id", FieldType::kString, Repetition::kRequired),
       Field::Struct("st", {Field::Leaf("code", FieldType::kInt32, Repetition::kRequired)})});
  ASSERT_TRUE(schema.ok());
  auto writer = ParquetWriter::Create((dir_ / "r.parquet").string(), *schema);
  ASSERT_TRUE(writer.ok());
  ParquetWriter& w = **writer;
  EXPECT_THAT(w.Append({Value("a")}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("1 values")));
  EXPECT_THAT(w.Append({Value(), Value()}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("id is required")));
  EXPECT_THAT(
      w.Append({Value("a"), Value::Struct({Value(int64_t{1})})}),
      StatusIs(StatusCode::kInvalidArgument, HasSubstr("st.code has a value of the wrong")));
  EXPECT_THAT(w.Append({Value("a"), Value::Struct({Value()})}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("st.code is required")));
  EXPECT_THAT(w.Append({Value("\xff"), Value()}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("not valid UTF-8")));
  EXPECT_THAT(w.Append({Value("a"), Value::Struct({Value(int32_t{1}), Value()})}),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_TRUE(w.Append({Value("ok"), Value::Struct({Value(int32_t{1})})}).ok());
  EXPECT_TRUE(w.Append({Value("ok2"), Value()}).ok());
  auto info = w.Close();
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->num_rows, 2);
  pq::FileMetaData meta = Footer(ReadWholeFile((dir_ / "r.parquet").string()));
  for (const auto& chunk : meta.row_groups[0].columns) EXPECT_EQ(chunk.meta_data.num_values, 2);
  EXPECT_THAT(w.Append({Value("late"), Value()}), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(w.Close(), StatusIs(StatusCode::kFailedPrecondition));
}

TEST_F(ParquetWriterTest, CloseReportsWholeFileStatisticsPerField) {
  auto schema = ParquetSchema::Make({
      Field::Leaf("s", FieldType::kString),
      Field::Leaf("n", FieldType::kInt64),
      Field::Leaf("d", FieldType::kDouble),
      Field::Leaf("day", FieldType::kDate),
      Field::Leaf("ok", FieldType::kBoolean),
      Field::Leaf("body", FieldType::kString, Repetition::kOptional, MinMaxStats::kSkip),
      Field::Struct("status", {Field::Leaf("code", FieldType::kString)}),
      Field::Map("attrs", Field::Leaf("value", FieldType::kString)),
      Field::Leaf("none", FieldType::kInt32),
  });
  ASSERT_TRUE(schema.ok());
  ParquetWriterOptions options;
  options.row_group_bytes = 1;  // one row group per row: statistics span row groups
  auto writer = ParquetWriter::Create((dir_ / "s.parquet").string(), *schema, options);
  ASSERT_TRUE(writer.ok());
  const std::vector<Row> rows = {
      {Value("b"), Value(int64_t{5}), Value(1.5), Value(int32_t{19889}), Value(true), Value("x"),
       Value::Struct({Value("OK")}), Value::Map({}), Value()},
      {Value(), Value(int64_t{-7}), Value(std::nan("")), Value(int32_t{19890}), Value(), Value("y"),
       Value(), Value(), Value()},
      {Value("a"), Value(), Value(-2.0), Value(), Value(false), Value(), Value::Struct({Value()}),
       Value::Map({{"k", Value()}}), Value()},
  };
  for (const Row& row : rows) ASSERT_TRUE((*writer)->Append(row).ok());
  auto info = (*writer)->Close();
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->num_row_groups, 3);
  const auto& c = info->columns;
  ASSERT_EQ(c.size(), 9u);
  EXPECT_EQ(c[0].name, "s");
  EXPECT_EQ(c[0].null_count, 1);
  EXPECT_EQ(std::get<std::string>(c[0].min.get()), "a");
  EXPECT_EQ(std::get<std::string>(c[0].max.get()), "b");
  EXPECT_EQ(c[1].null_count, 1);
  EXPECT_EQ(std::get<int64_t>(c[1].min.get()), -7);
  EXPECT_EQ(std::get<int64_t>(c[1].max.get()), 5);
  EXPECT_EQ(std::get<double>(c[2].min.get()), -2.0);  // NaN left out, and flagged
  EXPECT_EQ(std::get<double>(c[2].max.get()), 1.5);
  EXPECT_TRUE(c[2].non_finite);
  EXPECT_EQ(std::get<int32_t>(c[3].max.get()), 19890);
  EXPECT_EQ(c[4].null_count, 1);
  EXPECT_TRUE(c[4].min.is_null());  // no min/max for booleans
  EXPECT_EQ(c[5].null_count, 1);
  EXPECT_TRUE(c[5].max.is_null());  // MinMaxStats::kSkip
  EXPECT_EQ(c[6].null_count, 1);
  ASSERT_EQ(c[6].children.size(), 1u);
  EXPECT_EQ(c[6].children[0].name, "code");
  EXPECT_EQ(c[6].children[0].null_count, 2);  // a null struct makes its children null
  EXPECT_EQ(std::get<std::string>(c[6].children[0].min.get()), "OK");
  EXPECT_EQ(c[7].null_count, 1);  // an empty map is not null
  EXPECT_TRUE(c[7].min.is_null());
  EXPECT_EQ(c[8].null_count, 3);
  EXPECT_TRUE(c[8].min.is_null());
}

TEST_F(ParquetWriterTest, UncreatableFileIsUnavailable) {
  auto schema = ParquetSchema::Make({Field::Leaf("s", FieldType::kString)});
  ASSERT_TRUE(schema.ok());
  EXPECT_THAT(ParquetWriter::Create((dir_ / "no" / "such" / "x.parquet").string(), *schema),
              StatusIs(StatusCode::kUnavailable));
}

TEST(ParquetFooterTest, RefusesWhatIsNotParquet) {
  EXPECT_THAT(ReadFileMetaData("PAR1"), StatusIs(StatusCode::kDataLoss));
  EXPECT_THAT(ReadFileMetaData(std::string("PAR1\xff\xff\x00\x00PAR1", 12)),
              StatusIs(StatusCode::kDataLoss));
  EXPECT_THAT(ReadFileMetaData(std::string("PAR1\x15\x02\x03\x00\x00\x00PAR1", 14)),
              StatusIs(StatusCode::kDataLoss));
}

}  // namespace
}  // namespace tracelake::lake
