#include "lake/delta_table.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <iostream>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "lake/delta_checkpoint.h"
#include "lake/delta_log.h"
#include "lake/parquet_format.h"
#include "lake/parquet_reader.h"
#include "tests/common/status_matchers.h"
#include "tests/lake/parquet_test_util.h"

namespace tracelake::lake {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::tracelake_testing::StatusIs;

constexpr int64_t kNowMs = 1718445600123;

// The table of the spec's worked example (section 1.10).
std::vector<Field> SpanColumns() {
  return {Field::Leaf("trace_id", FieldType::kString),
          Field::Leaf("span_id", FieldType::kString),
          Field::Leaf("name", FieldType::kString),
          Field::Leaf("time", FieldType::kTimestampMicros),
          Field::Leaf("date", FieldType::kDate),
          Field::Leaf("start_time_unix_nano", FieldType::kInt64),
          Field::Map("attributes", Field::Leaf("value", FieldType::kString))};
}

Row SpanRow(std::string span_id, std::string name, int64_t nanos, int32_t date = 19889) {
  return {Value("0af7651916cd43dd8448eb211c80319c"),
          Value(std::move(span_id)),
          Value(std::move(name)),
          Value(nanos / 1000),
          Value(date),
          Value(nanos),
          Value::Map({{"gen_ai.system", Value("openai")}})};
}

// Commit text with the random and time-dependent parts replaced by placeholders.
std::string Normalized(std::string text) {
  text = std::regex_replace(
      text, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"),
      "UUID");
  text = std::regex_replace(text, std::regex("\"size\":[0-9]+"), "\"size\":SIZE");
  text = std::regex_replace(text, std::regex("\"numOutputBytes\":\"[0-9]+\""),
                            "\"numOutputBytes\":\"SIZE\"");
  return std::regex_replace(text, std::regex("\"modificationTime\":[0-9]+"),
                            "\"modificationTime\":MTIME");
}

// Data files (not hidden, not in the log) under the table, relative paths.
std::set<std::string> DataFiles(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const std::string rel = e.path().lexically_relative(dir).generic_string();
    if (e.is_regular_file() && rel.rfind("_delta_log", 0) != 0) out.insert(rel);
  }
  return out;
}

class DeltaTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("delta_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  DeltaTableConfig Config() {
    DeltaTableConfig config;
    config.columns = SpanColumns();
    config.partition_column = "date";
    config.clock = &clock_;
    return config;
  }
  std::unique_ptr<DeltaTable> OpenTable(DeltaTableConfig config) {
    auto table = DeltaTable::Open(dir_, std::move(config));
    EXPECT_TRUE(table.ok()) << table.status().ToString();
    return table.ok() ? std::move(*table) : nullptr;
  }
  std::string Commit(int64_t version) {
    return ReadWholeFile((DeltaLogDir(dir_) / DeltaVersionName(version, ".json")).string());
  }

  fs::path dir_;
  FakeClock clock_{kNowMs * 1000000};
};

TEST_F(DeltaTableTest, VersionZeroAndAnAppendHaveTheSpecsLines) {
  auto table = OpenTable(Config());
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(
      Normalized(Commit(0)),
      "{\"commitInfo\":{\"timestamp\":1718445600123,\"operation\":\"CREATE TABLE\","
      "\"operationParameters\":{\"partitionBy\":\"[\\\"date\\\"]\"},\"isBlindAppend\":true,"
      "\"engineInfo\":\"tracelake/0.1.0\",\"txnId\":\"UUID\"}}\n"
      "{\"protocol\":{\"minReaderVersion\":1,\"minWriterVersion\":2}}\n"
      "{\"metaData\":{\"id\":\"UUID\",\"format\":{\"provider\":\"parquet\",\"options\":{}},"
      "\"schemaString\":\"{\\\"type\\\":\\\"struct\\\",\\\"fields\\\":["
      "{\\\"name\\\":\\\"trace_id\\\",\\\"type\\\":\\\"string\\\",\\\"nullable\\\":true,"
      "\\\"metadata\\\":{}},{\\\"name\\\":\\\"span_id\\\",\\\"type\\\":\\\"string\\\","
      "\\\"nullable\\\":true,\\\"metadata\\\":{}},{\\\"name\\\":\\\"name\\\",\\\"type\\\":"
      "\\\"string\\\",\\\"nullable\\\":true,\\\"metadata\\\":{}},{\\\"name\\\":\\\"time\\\","
      "\\\"type\\\":\\\"timestamp\\\",\\\"nullable\\\":true,\\\"metadata\\\":{}},{\\\"name\\\":"
      "\\\"date\\\",\\\"type\\\":\\\"date\\\",\\\"nullable\\\":true,\\\"metadata\\\":{}},"
      "{\\\"name\\\":\\\"start_time_unix_nano\\\",\\\"type\\\":\\\"long\\\",\\\"nullable\\\":"
      "true,\\\"metadata\\\":{}},{\\\"name\\\":\\\"attributes\\\",\\\"type\\\":{\\\"type\\\":"
      "\\\"map\\\",\\\"keyType\\\":\\\"string\\\",\\\"valueType\\\":\\\"string\\\","
      "\\\"valueContainsNull\\\":true},\\\"nullable\\\":true,\\\"metadata\\\":{}}]}\","
      "\"partitionColumns\":[\"date\"],\"configuration\":{\"delta.checkpointInterval\":\"10\"},"
      "\"createdTime\":1718445600123}}\n");

  clock_.SetNanos(1718445605456LL * 1000000);
  auto r = table->Append("tracelake-3c4d5e6f", 1,
                         {SpanRow("b7ad6b7169203331", "invoke_agent", 1718445601999999999),
                          SpanRow("00f067aa0ba902b7", "chat gpt-4o", 1718445600250123456)});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->version, 1);
  EXPECT_EQ(r->files, 1);
  EXPECT_EQ(r->rows, 2);
  EXPECT_EQ(
      Normalized(Commit(1)),
      "{\"commitInfo\":{\"timestamp\":1718445605456,\"operation\":\"WRITE\","
      "\"operationParameters\":{\"mode\":\"Append\",\"partitionBy\":\"[\\\"date\\\"]\"},"
      "\"readVersion\":0,\"isolationLevel\":\"Serializable\",\"isBlindAppend\":true,"
      "\"operationMetrics\":{\"numFiles\":\"1\",\"numOutputRows\":\"2\",\"numOutputBytes\":"
      "\"SIZE\"},\"engineInfo\":\"tracelake/0.1.0\",\"txnId\":\"UUID\"}}\n"
      "{\"txn\":{\"appId\":\"tracelake-3c4d5e6f\",\"version\":1,\"lastUpdated\":1718445605456}}\n"
      "{\"add\":{\"path\":\"date=2024-06-15/part-00000-UUID.c000.zstd.parquet\","
      "\"partitionValues\":{\"date\":\"2024-06-15\"},\"size\":SIZE,\"modificationTime\":MTIME,"
      "\"dataChange\":true,\"stats\":\"{\\\"numRecords\\\":2,\\\"minValues\\\":{"
      "\\\"trace_id\\\":\\\"0af7651916cd43dd8448eb211c80319c\\\",\\\"span_id\\\":"
      "\\\"00f067aa0ba902b7\\\",\\\"name\\\":\\\"chat gpt-4o\\\",\\\"time\\\":"
      "\\\"2024-06-15T10:00:00.250Z\\\",\\\"start_time_unix_nano\\\":1718445600250123456},"
      "\\\"maxValues\\\":{\\\"trace_id\\\":\\\"0af7651916cd43dd8448eb211c80319c\\\","
      "\\\"span_id\\\":\\\"b7ad6b7169203331\\\",\\\"name\\\":\\\"invoke_agent\\\",\\\"time\\\":"
      "\\\"2024-06-15T10:00:01.999Z\\\",\\\"start_time_unix_nano\\\":1718445601999999999},"
      "\\\"nullCount\\\":{\\\"trace_id\\\":0,\\\"span_id\\\":0,\\\"name\\\":0,\\\"time\\\":0,"
      "\\\"start_time_unix_nano\\\":0,\\\"attributes\\\":0}}\"}}\n");

  // The add's size is the file's, and the file has no partition column.
  auto snapshot = table->Snapshot();
  ASSERT_TRUE(snapshot.ok());
  ASSERT_EQ(snapshot->files.size(), 1u);
  const DeltaAddFile& add = snapshot->files.begin()->second;
  const std::string file = ReadWholeFile((dir_ / add.path).string());
  EXPECT_EQ(add.size, static_cast<int64_t>(file.size()));
  auto footer = ReadFileMetaData(file);
  ASSERT_TRUE(footer.ok());
  std::vector<std::string> names;
  for (const auto& e : footer->schema) names.push_back(e.name);
  EXPECT_THAT(names, ::testing::Not(::testing::Contains("date")));
  EXPECT_EQ(footer->num_rows, 2);
}

TEST_F(DeltaTableTest, RowsAreSplitByPartitionAndNullGoesToTheDefaultPartition) {
  DeltaTableConfig config = Config();
  config.parquet.codec = Codec::kSnappy;
  auto table = OpenTable(std::move(config));
  ASSERT_NE(table, nullptr);
  Row null_date = SpanRow("3", "c", 1718532000000000000);
  null_date[4] = Value();
  auto r = table->Append("app", 1,
                         {SpanRow("1", "a", 1718445600000000000, 19889), null_date,
                          SpanRow("2", "b", 1718532000000000000, 19890)});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->files, 3);
  auto snapshot = ReadDeltaSnapshot(dir_);
  ASSERT_TRUE(snapshot.ok());
  std::set<std::string> dirs;
  for (const auto& [path, add] : snapshot->files) {
    dirs.insert(path.substr(0, path.find('/')));
    EXPECT_THAT(path, HasSubstr(".c000.snappy.parquet"));
    EXPECT_TRUE(fs::exists(dir_ / path));
    if (path.rfind("date=__HIVE_DEFAULT_PARTITION__", 0) == 0) {
      EXPECT_EQ(add.partition_values.at("date"), std::nullopt);
    }
  }
  EXPECT_EQ(dirs, (std::set<std::string>{"date=2024-06-15", "date=2024-06-16",
                                         "date=__HIVE_DEFAULT_PARTITION__"}));
  EXPECT_THAT(Commit(1), HasSubstr("\"partitionValues\":{\"date\":null}"));
}

TEST_F(DeltaTableTest, TheSameTxnTwiceAddsNothing) {
  auto table = OpenTable(Config());
  ASSERT_NE(table, nullptr);
  const std::vector<Row> rows = {SpanRow("1", "a", 1718445600000000000)};
  auto first = table->Append("app", 5, rows);
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->already_committed);
  const std::set<std::string> files = DataFiles(dir_);
  auto again = table->Append("app", 5, rows);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->already_committed);
  auto older = table->Append("app", 4, rows);
  ASSERT_TRUE(older.ok());
  EXPECT_TRUE(older->already_committed);
  EXPECT_EQ(DataFiles(dir_), files);
  EXPECT_EQ(*table->TxnVersion("app"), std::optional<int64_t>(5));
  EXPECT_EQ(*table->TxnVersion("other"), std::nullopt);

  // A second object whose cached snapshot is stale finds the batch in the log and deletes
  // nothing but what it wrote itself.
  auto other = OpenTable(Config());
  ASSERT_NE(other, nullptr);
  ASSERT_TRUE(table->Append("app", 6, rows).ok());
  auto retried = other->Append("app", 6, rows);
  ASSERT_TRUE(retried.ok());
  EXPECT_TRUE(retried->already_committed);
  EXPECT_EQ(ReadDeltaSnapshot(dir_)->version, 2);
  EXPECT_EQ(DataFiles(dir_).size(), 2u);
}

TEST_F(DeltaTableTest, ConcurrentWritersCommitContiguousVersionsAndCheckpoints) {
  auto a = OpenTable(Config());
  auto b = OpenTable(Config());
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  constexpr int kBatches = 12;
  std::atomic<int64_t> conflicts{0};
  auto writer = [&](DeltaTable* table, std::string app, std::vector<int64_t>* versions) {
    for (int i = 1; i <= kBatches; ++i) {
      auto r =
          table->Append(app, i, {SpanRow(app + "-" + std::to_string(i), "x", 1718445600000000000)});
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      ASSERT_FALSE(r->already_committed);
      EXPECT_TRUE(r->checkpoint_status.ok()) << r->checkpoint_status.ToString();
      versions->push_back(r->version);
      conflicts += r->attempts - 1;
    }
  };
  std::vector<int64_t> va, vb;
  // A reader polling meanwhile never sees half a commit: every snapshot parses, and as each
  // commit after version 0 adds one file, its live files equal its version.
  std::atomic<bool> done{false};
  int snapshots = 0;
  auto reader = [&] {
    while (!done.load()) {
      auto snapshot = ReadDeltaSnapshot(dir_);
      ASSERT_TRUE(snapshot.ok()) << snapshot.status().ToString();
      ASSERT_EQ(static_cast<int64_t>(snapshot->files.size()), snapshot->version);
      ++snapshots;
    }
  };
  {
    std::thread tr(reader);
    std::thread ta(writer, a.get(), "a", &va);
    std::thread tb(writer, b.get(), "b", &vb);
    ta.join();
    tb.join();
    done.store(true);
    tr.join();
  }
  EXPECT_GT(snapshots, 0);
  std::cout << "commit conflicts retried: " << conflicts.load()
            << ", reader snapshots: " << snapshots << "\n";
  std::set<int64_t> all(va.begin(), va.end());
  all.insert(vb.begin(), vb.end());
  ASSERT_EQ(all.size(), 2u * kBatches);  // no version committed twice
  EXPECT_EQ(*all.begin(), 1);
  EXPECT_EQ(*all.rbegin(), 2 * kBatches);  // contiguous: 24 distinct in [1, 24]
  EXPECT_FALSE(fs::exists(DeltaLogDir(dir_) / DeltaVersionName(2 * kBatches + 1, ".json")));

  auto snapshot = ReadDeltaSnapshot(dir_);
  ASSERT_TRUE(snapshot.ok());
  EXPECT_EQ(snapshot->version, 2 * kBatches);
  EXPECT_EQ(snapshot->files.size(), 2u * kBatches);
  EXPECT_EQ(snapshot->txns.at("a").version, kBatches);
  EXPECT_EQ(snapshot->txns.at("b").version, kBatches);
  // Every add exactly once across the commits, and every data file is live.
  std::multiset<std::string> added;
  for (int64_t v = 1; v <= 2 * kBatches; ++v) {
    auto actions = ParseDeltaCommit(Commit(v));
    ASSERT_TRUE(actions.ok());
    int adds = 0;
    for (const auto& action : *actions) {
      if (const auto* add = std::get_if<DeltaAddFile>(&action)) {
        added.insert(add->path);
        ++adds;
      }
    }
    EXPECT_EQ(adds, 1) << "version " << v;
  }
  std::set<std::string> unique(added.begin(), added.end());
  EXPECT_EQ(unique.size(), added.size());
  EXPECT_EQ(DataFiles(dir_), unique);

  for (int64_t v : {10, 20}) {
    const fs::path cp = DeltaLogDir(dir_) / DeltaVersionName(v, ".checkpoint.parquet");
    ASSERT_TRUE(fs::exists(cp)) << cp;
    auto footer = ReadFileMetaData(ReadWholeFile(cp.string()));
    ASSERT_TRUE(footer.ok());
    // protocol + metaData + a txn per app that had committed by then + v adds
    const int64_t txns = (*std::min_element(va.begin(), va.end()) <= v ? 1 : 0) +
                         (*std::min_element(vb.begin(), vb.end()) <= v ? 1 : 0);
    EXPECT_EQ(footer->num_rows, 2 + txns + v);
  }
  const std::string cp20 =
      ReadWholeFile((DeltaLogDir(dir_) / DeltaVersionName(20, ".checkpoint.parquet")).string());
  EXPECT_EQ(ReadWholeFile((DeltaLogDir(dir_) / "_last_checkpoint").string()),
            "{\"version\":20,\"size\":24,\"sizeInBytes\":" + std::to_string(cp20.size()) +
                ",\"numOfAddFiles\":20}");
  for (const auto& e : fs::directory_iterator(DeltaLogDir(dir_))) {
    EXPECT_NE(e.path().extension(), ".tmp") << "left behind: " << e.path();
  }
}

TEST_F(DeltaTableTest, TheSameBatchRacedByTwoWritersCommitsOnce) {
  auto a = OpenTable(Config());
  auto b = OpenTable(Config());
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  constexpr int kRounds = 15;
  int losers_in_commit = 0;
  for (int round = 1; round <= kRounds; ++round) {
    const std::vector<Row> rows = {SpanRow(std::to_string(round), "x", 1718445600000000000)};
    std::atomic<int> ready{0};
    Result<DeltaAppendResult> ra = InternalError("not run");
    Result<DeltaAppendResult> rb = InternalError("not run");
    auto run = [&](DeltaTable* table, Result<DeltaAppendResult>* out) {
      ++ready;
      while (ready.load() < 2) {
      }
      *out = table->Append("shared", round, rows);
    };
    std::thread ta(run, a.get(), &ra);
    std::thread tb(run, b.get(), &rb);
    ta.join();
    tb.join();
    ASSERT_TRUE(ra.ok()) << ra.status().ToString();
    ASSERT_TRUE(rb.ok()) << rb.status().ToString();
    ASSERT_NE(ra->already_committed, rb->already_committed) << "round " << round;
    const DeltaAppendResult& loser = ra->already_committed ? *ra : *rb;
    losers_in_commit += loser.attempts > 0 ? 1 : 0;  // lost at the link(), not before writing
  }
  auto snapshot = ReadDeltaSnapshot(dir_);
  ASSERT_TRUE(snapshot.ok());
  EXPECT_EQ(snapshot->version, kRounds);
  EXPECT_EQ(snapshot->files.size(), static_cast<size_t>(kRounds));
  EXPECT_EQ(snapshot->txns.at("shared").version, kRounds);
  // The losers' files were deleted: only committed files are on disk.
  std::set<std::string> live;
  for (const auto& [path, add] : snapshot->files) live.insert(path);
  EXPECT_EQ(DataFiles(dir_), live);
  std::cout << "rounds lost at the commit itself: " << losers_in_commit << " of " << kRounds
            << "\n";
}

TEST_F(DeltaTableTest, CheckpointsKeepRecentTombstones) {
  clock_.SetNanos(SystemClock::Default().NowUnixNanos());
  DeltaTableConfig config = Config();
  config.checkpoint_interval = 3;
  auto table = OpenTable(std::move(config));
  ASSERT_NE(table, nullptr);
  ASSERT_TRUE(table
                  ->Append("app", 1,
                           {SpanRow("1", "a", 1718445600000000000, 19889),
                            SpanRow("2", "b", 1718532000000000000, 19890)})
                  .ok());
  ASSERT_EQ(table->DropPartitionsBefore("2024-06-16")->version, 2);
  auto r = table->Append("app", 2, {SpanRow("3", "c", 1718532000000000000, 19890)});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->checkpoint_version, 3);
  const std::string cp =
      ReadWholeFile((DeltaLogDir(dir_) / DeltaVersionName(3, ".checkpoint.parquet")).string());
  auto footer = ReadFileMetaData(cp);
  ASSERT_TRUE(footer.ok());
  EXPECT_EQ(footer->num_rows, 6);  // protocol, metaData, txn, 2 adds, 1 remove
  EXPECT_EQ(ReadWholeFile((DeltaLogDir(dir_) / "_last_checkpoint").string()),
            "{\"version\":3,\"size\":6,\"sizeInBytes\":" + std::to_string(cp.size()) +
                ",\"numOfAddFiles\":2}");
}

TEST_F(DeltaTableTest, RefusesProtocolsAndSchemasItCannotWrite) {
  fs::create_directories(DeltaLogDir(dir_));
  DeltaMetadata m;
  m.id = "x";
  m.schema_string = DeltaSchemaString(SpanColumns());
  m.partition_columns = {"date"};
  DeltaProtocol dv{3, 7, {"deletionVectors"}, {"deletionVectors"}};
  ASSERT_TRUE(*PutDeltaCommit(dir_, 0, DeltaCommitJson({dv, m})));
  EXPECT_THAT(DeltaTable::Open(dir_, Config()),
              StatusIs(StatusCode::kFailedPrecondition, HasSubstr("deletionVectors")));
  fs::remove_all(dir_);

  fs::create_directories(DeltaLogDir(dir_));
  ASSERT_TRUE(*PutDeltaCommit(dir_, 0, DeltaCommitJson({DeltaProtocol{1, 4, {}, {}}, m})));
  EXPECT_THAT(DeltaTable::Open(dir_, Config()), StatusIs(StatusCode::kFailedPrecondition));
  fs::remove_all(dir_);

  ASSERT_NE(OpenTable(Config()), nullptr);
  DeltaTableConfig other = Config();
  other.columns.pop_back();
  EXPECT_THAT(DeltaTable::Open(dir_, other),
              StatusIs(StatusCode::kFailedPrecondition, HasSubstr("schema")));
  DeltaTableConfig unpartitioned = Config();
  unpartitioned.partition_column.reset();
  EXPECT_THAT(DeltaTable::Open(dir_, unpartitioned),
              StatusIs(StatusCode::kFailedPrecondition, HasSubstr("partition")));
}

// A VARIANT column: protocol (3,7) with variantType in the commit and the checkpoint, "variant"
// in the schema, a null count and no min/max in the stats; reopening and optimizing work.
TEST_F(DeltaTableTest, VariantColumnsUseTheVariantTypeFeature) {
  DeltaTableConfig config = Config();
  config.columns.back() = Field::Variant("attributes");
  config.protocol = DeltaProtocol{3, 7, {"variantType"}, {"variantType"}};
  config.checkpoint_interval = 2;
  auto table = OpenTable(config);
  ASSERT_NE(table, nullptr);
  EXPECT_THAT(Commit(0), HasSubstr("{\"protocol\":{\"minReaderVersion\":3,\"minWriterVersion\":7,"
                                   "\"readerFeatures\":[\"variantType\"],"
                                   "\"writerFeatures\":[\"variantType\"]}}"));
  EXPECT_THAT(Commit(0),
              HasSubstr("{\\\"name\\\":\\\"attributes\\\",\\\"type\\\":\\\"variant\\\","));
  auto row = [](std::string id, bool null_attrs) {
    Row r = SpanRow(std::move(id), "n", 1718445600000000000);
    // {"k":"v"}: metadata 11 01 00 01 'k', value 02 01 00 00 02 05 'v'.
    r.back() = null_attrs ? Value()
                          : Value::Struct({Value(std::string("\x11\x01\x00\x01k", 5)),
                                           Value(std::string("\x02\x01\x00\x00\x02\x05v", 7))});
    return r;
  };
  ASSERT_TRUE(table->Append("app", 1, {row("a", false), row("b", true)}).ok());
  EXPECT_THAT(Commit(1), HasSubstr("\\\"attributes\\\":1}"));  // nullCount
  EXPECT_THAT(Commit(1), ::testing::Not(HasSubstr("\\\"metadata\\\"")));
  auto second = table->Append("app", 2, {row("c", false)});
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->checkpoint_version, 2);
  EXPECT_TRUE(second->checkpoint_status.ok());
  table.reset();
  table = OpenTable(config);  // the (3,7) table is writable by us
  ASSERT_NE(table, nullptr);
  auto optimized = table->Optimize(1 << 20);
  ASSERT_TRUE(optimized.ok()) << optimized.status().ToString();
  EXPECT_EQ(optimized->rows, 3);
  // A portable config over it is refused with a hint.
  EXPECT_THAT(DeltaTable::Open(dir_, Config()),
              StatusIs(StatusCode::kFailedPrecondition, HasSubstr("schema mode")));
}

// A table opens from its newest checkpoint; after a checkpoint, commits older than the log
// retention go, and the table still opens, answers txns and appends.
TEST_F(DeltaTableTest, OpensFromCheckpointsAndCleansUpExpiredLogFiles) {
  clock_.SetNanos(SystemClock::Default().NowUnixNanos());
  DeltaTableConfig config = Config();
  config.checkpoint_interval = 3;
  config.log_retention = std::chrono::hours(1);
  auto table = OpenTable(config);
  ASSERT_NE(table, nullptr);
  for (int batch = 1; batch <= 7; ++batch) {
    auto r = table->Append(
        "app", batch,
        {SpanRow(std::to_string(batch), "n", 1718445600000000000, 19889 + batch % 3)});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->log_files_deleted, 0);  // every file is younger than the retention
  }
  ASSERT_TRUE(table->DropPartitionsBefore("2024-06-16").ok());  // version 8: tombstones
  auto replayed = ReadDeltaSnapshot(dir_);
  auto loaded = LoadDeltaSnapshot(dir_);
  ASSERT_TRUE(replayed.ok());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  auto same = [](const DeltaSnapshot& a, const DeltaSnapshot& b) {
    EXPECT_EQ(a.version, b.version);
    std::set<std::string> files_a, files_b;
    for (const auto& [path, add] : a.files) files_a.insert(path + "|" + add.stats);
    for (const auto& [path, add] : b.files) files_b.insert(path + "|" + add.stats);
    EXPECT_EQ(files_a, files_b);
    std::set<std::string> gone_a, gone_b;
    for (const auto& [path, r] : a.tombstones) gone_a.insert(path);
    for (const auto& [path, r] : b.tombstones) gone_b.insert(path);
    EXPECT_EQ(gone_a, gone_b);
    ASSERT_EQ(a.txns.count("app"), 1u);
    ASSERT_EQ(b.txns.count("app"), 1u);
    EXPECT_EQ(a.txns.at("app").version, b.txns.at("app").version);
    EXPECT_EQ(a.metadata->schema_string, b.metadata->schema_string);
    EXPECT_EQ(a.metadata->configuration, b.metadata->configuration);
    EXPECT_EQ(a.protocol->min_writer_version, b.protocol->min_writer_version);
  };
  same(*replayed, *loaded);

  // Two hours on (by the table's clock), every checkpoint file is older than the retention: the
  // next checkpoint (version 9) is the newest such, and everything before it goes.
  clock_.AdvanceNanos(int64_t{2} * 3600 * 1000000000);
  auto r = table->Append("app", 8, {SpanRow("8", "n", 1718445600000000000)});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->checkpoint_version, 9);
  EXPECT_GT(r->log_files_deleted, 0);
  EXPECT_FALSE(fs::exists(DeltaLogDir(dir_) / DeltaVersionName(0, ".json")));
  EXPECT_FALSE(fs::exists(DeltaLogDir(dir_) / DeltaVersionName(3, ".checkpoint.parquet")));
  EXPECT_TRUE(fs::exists(DeltaLogDir(dir_) / DeltaVersionName(9, ".checkpoint.parquet")));
  EXPECT_EQ(ReadDeltaSnapshot(dir_)->version, -1);  // replay from 0 has nothing to start from

  table.reset();
  table = OpenTable(config);
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(*table->TxnVersion("app"), std::optional<int64_t>(8));
  auto again = table->Append("app", 8, {SpanRow("8", "n", 1718445600000000000)});
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->already_committed);
  auto next = table->Append("app", 9, {SpanRow("9", "n", 1718445600000000000)});
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(next->version, 10);
  auto after = LoadDeltaSnapshot(dir_);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->version, 10);
  EXPECT_EQ(after->txns.at("app").version, 9);
}

TEST_F(DeltaTableTest, RefusesBadConfigsAndRowsWithoutWriting) {
  DeltaTableConfig config = Config();
  config.partition_column = "nope";
  EXPECT_THAT(DeltaTable::Open(dir_, config), StatusIs(StatusCode::kInvalidArgument));
  config.partition_column = "attributes";
  EXPECT_THAT(DeltaTable::Open(dir_, config), StatusIs(StatusCode::kInvalidArgument));
  auto table = OpenTable(Config());
  ASSERT_NE(table, nullptr);
  Row bad = SpanRow("1", "a", 1);
  bad[2] = Value(int64_t{1});  // name must be a string
  EXPECT_THAT(table->Append("app", 1, {SpanRow("0", "ok", 1), bad}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("name")));
  EXPECT_THAT(table->Append("app", 1, {Row{Value("short")}}),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_TRUE(DataFiles(dir_).empty());
  EXPECT_EQ(ReadDeltaSnapshot(dir_)->version, 0);
}

TEST_F(DeltaTableTest, ACrashBeforeTheCommitLeavesOnlyUnreferencedFiles) {
  auto table = OpenTable(Config());
  ASSERT_NE(table, nullptr);
  ASSERT_TRUE(table->Append("app", 1, {SpanRow("1", "a", 1718445600000000000)}).ok());
  DeltaTableConfig crashing = Config();
  crashing.crash_before_commit_for_testing = true;
  auto crasher = OpenTable(std::move(crashing));
  ASSERT_NE(crasher, nullptr);
  EXPECT_THAT(crasher->Append("app", 2, {SpanRow("2", "b", 1718445600000000000)}),
              StatusIs(StatusCode::kAborted));
  EXPECT_EQ(DataFiles(dir_).size(), 2u);
  auto snapshot = ReadDeltaSnapshot(dir_);
  ASSERT_TRUE(snapshot.ok());
  EXPECT_EQ(snapshot->version, 1);
  EXPECT_EQ(snapshot->files.size(), 1u);
  EXPECT_EQ(snapshot->txns.at("app").version, 1);
  // The batch is retried and commits; the orphan stays until it is older than the retention.
  ASSERT_TRUE(table->Append("app", 2, {SpanRow("2", "b", 1718445600000000000)}).ok());
  clock_.SetNanos(SystemClock::Default().NowUnixNanos());
  auto young = table->Vacuum(std::chrono::hours(1), false);
  ASSERT_TRUE(young.ok());
  EXPECT_TRUE(young->files.empty());
  clock_.AdvanceNanos(2LL * 3600 * 1000000000);
  auto old = table->Vacuum(std::chrono::hours(1), false);
  ASSERT_TRUE(old.ok());
  ASSERT_EQ(old->files.size(), 1u);
  EXPECT_EQ(snapshot->files.count(old->files[0]), 0u);
  EXPECT_EQ(DataFiles(dir_).size(), 2u);
  EXPECT_EQ(ReadDeltaSnapshot(dir_)->files.size(), 2u);
}

TEST_F(DeltaTableTest, DroppedPartitionsAreVacuumedAfterTheRetention) {
  clock_.SetNanos(SystemClock::Default().NowUnixNanos());
  auto table = OpenTable(Config());
  ASSERT_NE(table, nullptr);
  ASSERT_TRUE(table
                  ->Append("app", 1,
                           {SpanRow("1", "a", 1718445600000000000, 19889),
                            SpanRow("2", "b", 1718532000000000000, 19890)})
                  .ok());
  auto dropped = table->DropPartitionsBefore("2024-06-16");
  ASSERT_TRUE(dropped.ok()) << dropped.status().ToString();
  EXPECT_EQ(dropped->version, 2);
  EXPECT_EQ(dropped->files, 1);
  EXPECT_THAT(Commit(2), HasSubstr("\"operation\":\"DELETE\""));
  EXPECT_THAT(Commit(2), HasSubstr("{\"remove\":{\"path\":\"date=2024-06-15/"));
  auto snapshot = ReadDeltaSnapshot(dir_);
  ASSERT_EQ(snapshot->files.size(), 1u);
  ASSERT_EQ(snapshot->tombstones.size(), 1u);
  EXPECT_EQ(table->DropPartitionsBefore("2024-06-16")->version, -1);  // nothing left to drop

  // Within the retention nothing goes; a dry run after it lists without deleting.
  EXPECT_TRUE(table->Vacuum(std::chrono::hours(24 * 7), false)->files.empty());
  clock_.AdvanceNanos(8LL * 24 * 3600 * 1000000000);
  auto dry = table->Vacuum(std::chrono::hours(24 * 7), true);
  ASSERT_TRUE(dry.ok());
  EXPECT_EQ(dry->files, std::vector<std::string>{snapshot->tombstones.begin()->first});
  EXPECT_EQ(DataFiles(dir_).size(), 2u);
  auto done = table->Vacuum(std::chrono::hours(24 * 7), false);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->files, dry->files);
  EXPECT_GT(done->bytes, 0);
  EXPECT_EQ(DataFiles(dir_), std::set<std::string>{snapshot->files.begin()->first});

  DeltaTableConfig append_only = Config();
  append_only.configuration["delta.appendOnly"] = "true";
  const fs::path ao_dir = dir_.string() + "_append_only";
  auto ao = DeltaTable::Open(ao_dir, append_only);
  ASSERT_TRUE(ao.ok());
  EXPECT_THAT((*ao)->DropPartitionsBefore("2030-01-01"), StatusIs(StatusCode::kFailedPrecondition));
  fs::remove_all(ao_dir);
}

TEST_F(DeltaTableTest, OptimizeRewritesSmallFilesWithoutChangingData) {
  clock_.SetNanos(SystemClock::Default().NowUnixNanos());
  auto table = OpenTable(Config());
  ASSERT_NE(table, nullptr);
  std::multiset<std::string> written;
  for (int batch = 1; batch <= 5; ++batch) {
    std::vector<Row> rows;
    for (int i = 0; i < 3; ++i) {
      const std::string id = std::to_string(batch) + "-" + std::to_string(i);
      rows.push_back(SpanRow(id, "n", 1718445600000000000, 19889 + i % 2));
      written.insert(id);
    }
    ASSERT_TRUE(table->Append("app", batch, rows).ok());
  }
  auto before = ReadDeltaSnapshot(dir_);
  ASSERT_EQ(before->files.size(), 10u);
  // A target below every file size: nothing to do.
  EXPECT_EQ(table->Optimize(100)->version, -1);

  auto optimized = table->Optimize(1 << 20);
  ASSERT_TRUE(optimized.ok()) << optimized.status().ToString();
  EXPECT_EQ(optimized->version, 6);
  EXPECT_EQ(optimized->files_removed, 10);
  EXPECT_EQ(optimized->files_added, 2);  // one per partition
  EXPECT_EQ(optimized->rows, 15);
  const std::string commit = Commit(6);
  EXPECT_THAT(commit, HasSubstr("\"operation\":\"OPTIMIZE\""));
  EXPECT_THAT(commit, HasSubstr("\"isBlindAppend\":false"));
  EXPECT_THAT(commit, ::testing::Not(HasSubstr("\"dataChange\":true")));

  auto after = ReadDeltaSnapshot(dir_);
  ASSERT_EQ(after->files.size(), 2u);
  EXPECT_EQ(after->tombstones.size(), 10u);
  EXPECT_EQ(after->txns.at("app").version, 5);
  std::vector<Field> file_fields = SpanColumns();
  file_fields.erase(file_fields.begin() + 4);  // date
  auto schema = ParquetSchema::Make(file_fields);
  ASSERT_TRUE(schema.ok());
  std::multiset<std::string> read;
  for (const auto& [path, add] : after->files) {
    EXPECT_FALSE(add.data_change);
    EXPECT_THAT(add.stats, HasSubstr("\"numRecords\":"));
    auto rows = ReadParquetRows(dir_ / path, *schema);
    ASSERT_TRUE(rows.ok()) << rows.status().ToString();
    for (const Row& row : *rows) {
      const std::string& id = std::get<std::string>(row[1].get());
      read.insert(id);
      // Each file holds only its partition's rows: i = 0 on 06-15, i = 1 on 06-16.
      EXPECT_EQ(add.partition_values.at("date"), id.back() == '1' ? "2024-06-16" : "2024-06-15");
    }
  }
  EXPECT_EQ(read, written);
  // The compacted files go with the next vacuum after the retention.
  clock_.AdvanceNanos(8LL * 24 * 3600 * 1000000000);
  auto vacuum = table->Vacuum(std::chrono::hours(24 * 7), false);
  ASSERT_TRUE(vacuum.ok());
  EXPECT_EQ(vacuum->files.size(), 10u);
  EXPECT_EQ(DataFiles(dir_).size(), 2u);
}

}  // namespace
}  // namespace tracelake::lake
