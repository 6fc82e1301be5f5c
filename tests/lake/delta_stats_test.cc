#include "lake/delta_stats.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "lake/delta_log.h"

namespace tracelake::lake {
namespace {

ColumnStats Leaf(std::string name, int64_t nulls, Value min = Value(), Value max = Value()) {
  ColumnStats s;
  s.name = std::move(name);
  s.null_count = nulls;
  s.min = std::move(min);
  s.max = std::move(max);
  return s;
}

TEST(DeltaStatsTest, ShortStringsStayWhole) {
  EXPECT_EQ(TruncateMinString("chat gpt-4o"), "chat gpt-4o");
  EXPECT_EQ(TruncateMaxString("chat gpt-4o"), "chat gpt-4o");
  const std::string exactly32(32, 'a');
  EXPECT_EQ(TruncateMaxString(exactly32), exactly32);
}

TEST(DeltaStatsTest, LongStringsAreCutAt32CodePointsWithATieBreaker) {
  const std::string ascii = std::string(32, 'a') + "bcd";
  EXPECT_EQ(TruncateMinString(ascii), std::string(32, 'a'));
  // The first character cut is 'b' < U+007F: the bound ends in U+007F.
  EXPECT_EQ(TruncateMaxString(ascii), std::string(32, 'a') + "\x7f");
  // Code points, not bytes: 32 'é' (2 bytes each), then 'é' cut: U+10FFFF as tie-breaker.
  std::string accents;
  for (int i = 0; i < 40; ++i) accents += "é";
  std::string first32;
  for (int i = 0; i < 32; ++i) first32 += "é";
  EXPECT_EQ(TruncateMinString(accents), first32);
  EXPECT_EQ(TruncateMaxString(accents), first32 + "\xf4\x8f\xbf\xbf");
  EXPECT_GT(*TruncateMaxString(accents), accents);  // byte-wise, as readers compare
  EXPECT_GT(*TruncateMaxString(ascii), ascii);
}

TEST(DeltaStatsTest, NeverCutsRightBeforeTheLargestCodePoint) {
  const std::string max_cp = "\xf4\x8f\xbf\xbf";
  // 32 'a', then U+10FFFF twice, then 'b': the cut moves past both U+10FFFF.
  std::string s = std::string(32, 'a') + max_cp + max_cp + "b";
  EXPECT_EQ(TruncateMaxString(s), std::string(32, 'a') + max_cp + max_cp + "\x7f");
  // Only U+10FFFF after 32 characters, past 64 code points: no bound.
  std::string hopeless = std::string(32, 'a');
  for (int i = 0; i < 40; ++i) hopeless += max_cp;
  EXPECT_EQ(TruncateMaxString(hopeless), std::nullopt);
}

TEST(DeltaStatsTest, TimestampsAreFlooredToMilliseconds) {
  EXPECT_EQ(DeltaTimestampString(1718445601999999), "2024-06-15T10:00:01.999Z");
  EXPECT_EQ(DeltaTimestampString(1718445600250123), "2024-06-15T10:00:00.250Z");
  EXPECT_EQ(DeltaTimestampString(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(DeltaTimestampString(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(DeltaDateString(19889), "2024-06-15");
  EXPECT_EQ(DeltaDateString(-1), "1969-12-31");
}

TEST(DeltaStatsTest, StatsAreNestedLikeTheSchema) {
  const std::vector<Field> fields = {
      Field::Leaf("name", FieldType::kString),
      Field::Leaf("time", FieldType::kTimestampMicros),
      Field::Leaf("n", FieldType::kInt64),
      Field::Leaf("score", FieldType::kDouble),
      Field::Leaf("day", FieldType::kDate),
      Field::Leaf("ok", FieldType::kBoolean),
      Field::Struct("status", {Field::Leaf("code", FieldType::kString),
                               Field::Leaf("message", FieldType::kString)}),
      Field::Map("attributes", Field::Leaf("value", FieldType::kString)),
      Field::Leaf("empty", FieldType::kString),
  };
  ParquetFileInfo info;
  info.num_rows = 3;
  info.columns = {
      Leaf("name", 0, Value("a\"b"), Value("z")),
      Leaf("time", 1, Value(int64_t{1718445600250123}), Value(int64_t{1718445601999999})),
      Leaf("n", 0, Value(int64_t{-5}), Value(int64_t{1718445601999999999})),
      Leaf("score", 0, Value(0.5), Value(2.25)),
      Leaf("day", 0, Value(int32_t{19889}), Value(int32_t{19890})),
      Leaf("ok", 2),
      Leaf("status", 1),
      Leaf("attributes", 1),
      Leaf("empty", 3),  // all null: in nullCount only
  };
  info.columns[6].children = {Leaf("code", 1, Value("OK"), Value("OK")), Leaf("message", 3)};
  EXPECT_EQ(DeltaStatsJson(info, fields),
            "{\"numRecords\":3,"
            "\"minValues\":{\"name\":\"a\\\"b\",\"time\":\"2024-06-15T10:00:00.250Z\",\"n\":-5,"
            "\"score\":0.5,\"day\":\"2024-06-15\",\"status\":{\"code\":\"OK\"}},"
            "\"maxValues\":{\"name\":\"z\",\"time\":\"2024-06-15T10:00:01.999Z\","
            "\"n\":1718445601999999999,\"score\":2.25,\"day\":\"2024-06-16\",\"status\":{\"code\":"
            "\"OK\"}},"
            "\"nullCount\":{\"name\":0,\"time\":1,\"n\":0,\"score\":0,\"day\":0,\"ok\":2,"
            "\"status\":{\"code\":1,\"message\":3},\"attributes\":1,\"empty\":3}}");
}

TEST(DeltaStatsTest, NonFiniteDoublesDropMinMaxAndOnlyTheFirstLeavesCount) {
  const std::vector<Field> fields = {
      Field::Leaf("d", FieldType::kDouble),
      Field::Struct("s",
                    {Field::Leaf("a", FieldType::kInt32), Field::Leaf("b", FieldType::kInt32)}),
      Field::Leaf("after", FieldType::kInt32),
  };
  ParquetFileInfo info;
  info.num_rows = 1;
  info.columns = {Leaf("d", 0, Value(1.0), Value(1.0)), Leaf("s", 0),
                  Leaf("after", 0, Value(int32_t{1}), Value(int32_t{1}))};
  info.columns[0].non_finite = true;
  info.columns[1].children = {Leaf("a", 0, Value(int32_t{1}), Value(int32_t{2})),
                              Leaf("b", 0, Value(int32_t{3}), Value(int32_t{4}))};
  // Two leaves indexed: d and s.a.
  EXPECT_EQ(DeltaStatsJson(info, fields, 2),
            "{\"numRecords\":1,\"minValues\":{\"s\":{\"a\":1}},\"maxValues\":{\"s\":{\"a\":2}},"
            "\"nullCount\":{\"d\":0,\"s\":{\"a\":0}}}");
}

TEST(DeltaLogTest, SchemaStringFollowsSparkJson) {
  EXPECT_EQ(
      DeltaSchemaString(
          {Field::Leaf("id", FieldType::kString, Repetition::kRequired),
           Field::List("tags", Field::Leaf("element", FieldType::kString)),
           Field::Map("m", Field::Leaf("value", FieldType::kInt64, Repetition::kRequired)),
           Field::Struct("s", {Field::Leaf("d", FieldType::kDate)})}),
      "{\"type\":\"struct\",\"fields\":["
      "{\"name\":\"id\",\"type\":\"string\",\"nullable\":false,\"metadata\":{}},"
      "{\"name\":\"tags\",\"type\":{\"type\":\"array\",\"elementType\":\"string\","
      "\"containsNull\":true},\"nullable\":true,\"metadata\":{}},"
      "{\"name\":\"m\",\"type\":{\"type\":\"map\",\"keyType\":\"string\",\"valueType\":\"long\","
      "\"valueContainsNull\":false},\"nullable\":true,\"metadata\":{}},"
      "{\"name\":\"s\",\"type\":{\"type\":\"struct\",\"fields\":[{\"name\":\"d\",\"type\":"
      "\"date\",\"nullable\":true,\"metadata\":{}}]},\"nullable\":true,\"metadata\":{}}]}");
}

TEST(DeltaLogTest, ActionsRoundTripThroughJson) {
  DeltaAddFile add{"date=2024-06-15/part-00000-x.c000.zstd.parquet",
                   {{"date", "2024-06-15"}, {"other", std::nullopt}},
                   1873,
                   1718445605400,
                   true,
                   "{\"numRecords\":2}"};
  const std::vector<DeltaAction> actions = {DeltaCommitInfo{}, DeltaProtocol{},
                                            DeltaTxn{"app\n\"1\"", 7, 99}, add,
                                            DeltaRemoveFile{"old.parquet", 5, false, {}, 10}};
  const std::string text = DeltaCommitJson(actions);
  auto parsed = ParseDeltaCommit(text + "{\"cdc\":{\"path\":\"x\"}}\n\n");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->size(), 4u);  // commitInfo and unknown actions are skipped
  EXPECT_EQ(std::get<DeltaProtocol>((*parsed)[0]).min_writer_version, 2);
  EXPECT_EQ(std::get<DeltaTxn>((*parsed)[1]).app_id, "app\n\"1\"");
  EXPECT_EQ(std::get<DeltaTxn>((*parsed)[1]).version, 7);
  const auto& back = std::get<DeltaAddFile>((*parsed)[2]);
  EXPECT_EQ(back.path, add.path);
  EXPECT_EQ(back.partition_values, add.partition_values);
  EXPECT_EQ(back.size, 1873);
  EXPECT_EQ(back.stats, add.stats);
  EXPECT_FALSE(std::get<DeltaRemoveFile>((*parsed)[3]).data_change);
  EXPECT_FALSE(ParseDeltaCommit("{\"add\":{\"size\":1}}\n").ok());  // no path
  EXPECT_FALSE(ParseDeltaCommit("{\"add\":\n").ok());
}

}  // namespace
}  // namespace tracelake::lake
