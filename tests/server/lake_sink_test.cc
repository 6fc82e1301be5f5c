// LakeSink (server/tracelake/lake_sink.h) over a real SQLite store and real Delta tables, read
// back with the lake's own Parquet reader: exactly once across a batch that fails half-way (as
// a crash would leave it), late spans, tags that change, and deleted traces.
#include "server/tracelake/lake_sink.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "../storage/store_test_util.h"
#include "lake/delta_log.h"
#include "lake/otel_tables.h"
#include "lake/parquet_reader.h"
#include "model/normalize.h"
#include "storage/backend.h"

namespace tracelake::server {
namespace {

using storage::testing::MakeSpan;
using storage::testing::Tid;

class LakeSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("tracelake-lake-sink-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto b = storage::OpenBackend("sqlite:///" + (dir_ / "store.db").string());
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    backend_ = std::move(*b);
  }
  void TearDown() override {
    backend_->Shutdown(std::chrono::seconds(5)).IgnoreError();
    std::filesystem::remove_all(dir_);
  }

  LakeSinkOptions Options() {
    LakeSinkOptions o;
    o.location = dir_ / "lake";
    return o;
  }

  void Ingest(std::vector<model::Span> spans) {
    storage::IngestBatch batch;
    batch.spans = std::move(spans);
    for (auto& s : batch.spans) model::NormalizeSpan(s);
    ASSERT_TRUE(backend_->traces().Ingest(std::move(batch)).ok());
  }

  // The rows of a table's live files, read back.
  std::vector<lake::Row> Rows(const std::string& table, const std::vector<lake::Field>& columns) {
    const std::filesystem::path tdir = dir_ / "lake" / ("tracelake_" + table);
    auto snap = lake::ReadDeltaSnapshot(tdir);
    EXPECT_TRUE(snap.ok()) << snap.status().ToString();
    std::vector<lake::Field> file_columns;
    for (const lake::Field& f : columns)
      if (f.name != "date" || table == "otel_annotations") file_columns.push_back(f);
    auto schema = lake::ParquetSchema::Make(file_columns);
    EXPECT_TRUE(schema.ok());
    std::vector<lake::Row> out;
    if (!snap.ok() || !schema.ok()) return out;
    for (const auto& [path, add] : snap->files) {
      auto rows = lake::ReadParquetRows(tdir / path, *schema);
      EXPECT_TRUE(rows.ok()) << path << ": " << rows.status().ToString();
      if (rows.ok()) out.insert(out.end(), rows->begin(), rows->end());
    }
    return out;
  }

  // The annotation rows of one annotation_type.
  std::vector<lake::Row> Annotations(const std::string& type) {
    std::vector<lake::Row> out;
    for (lake::Row& r : Rows("otel_annotations", lake::OtelAnnotationColumns()))
      if (std::get<std::string>(r[1].get()) == type) out.push_back(std::move(r));
    return out;
  }

  // record_id (first column) -> how many rows have it.
  std::map<std::string, int> SpanRecords() {
    std::map<std::string, int> ids;
    for (const lake::Row& r : Rows("otel_spans", lake::OtelSpanColumns()))
      ++ids[std::get<std::string>(r[0].get())];
    return ids;
  }

  std::filesystem::path dir_;
  std::unique_ptr<storage::Backend> backend_;
};

std::string Rec(int trace, int span) {
  return Tid(trace).Hex() + ":" + storage::testing::Sid(span).Hex();
}

TEST_F(LakeSinkTest, PublishesEachSpanOnceAndLateSpansLater) {
  Ingest({MakeSpan(1, 1, 0, 0, 10), MakeSpan(1, 2, 1, 1, 5), MakeSpan(2, 1, 0, 0, 10)});
  LakeSink sink(*backend_, Options());
  ASSERT_TRUE(sink.Open().ok());
  int64_t traces = 0;
  auto more = sink.PublishOnce(&traces);
  ASSERT_TRUE(more.ok()) << more.status().ToString();
  EXPECT_FALSE(*more);
  EXPECT_EQ(traces, 2);
  EXPECT_EQ(SpanRecords(),
            (std::map<std::string, int>{{Rec(1, 1), 1}, {Rec(1, 2), 1}, {Rec(2, 1), 1}}));
  // Caught up: nothing more, no commit.
  ASSERT_TRUE(sink.PublishOnce(&traces).ok());
  EXPECT_EQ(traces, 0);
  const int64_t commits = sink.progress().commits;
  // A late span of trace 1 and a tag on trace 2: one span row, one annotation row.
  Ingest({MakeSpan(1, 3, 1, 2, 5)});
  ASSERT_TRUE(backend_->traces().SetTraceTag(Tid(2), "customer", "acme").ok());
  ASSERT_TRUE(sink.PublishOnce(&traces).ok());
  EXPECT_EQ(traces, 2);
  EXPECT_EQ(SpanRecords().size(), 4u);
  for (const auto& [id, n] : SpanRecords()) EXPECT_EQ(n, 1) << id;
  EXPECT_GT(sink.progress().commits, commits);
  EXPECT_EQ(Annotations("TAG").size(), 1u);
}

TEST_F(LakeSinkTest, ABatchCutShortIsFinishedOnceByTheNextStart) {
  Ingest({MakeSpan(1, 1, 0, 0, 10), MakeSpan(2, 1, 0, 0, 10)});
  ASSERT_TRUE(backend_->traces().SetTraceTag(Tid(1), "k", "v").ok());
  {
    LakeSinkOptions o = Options();
    o.fail_after_tables_for_testing = 1;  // spans committed, annotations not
    LakeSink sink(*backend_, o);
    ASSERT_TRUE(sink.Open().ok());
    int64_t traces = 0;
    EXPECT_EQ(sink.PublishOnce(&traces).status().code(), StatusCode::kAborted);
  }
  EXPECT_EQ(SpanRecords().size(), 2u);
  EXPECT_TRUE(Rows("otel_annotations", lake::OtelAnnotationColumns()).empty());
  // More arrives before the restart; the restart finishes the cut batch first, then goes on.
  Ingest({MakeSpan(1, 2, 1, 1, 5), MakeSpan(3, 1, 0, 0, 10)});
  LakeSink sink(*backend_, Options());
  ASSERT_TRUE(sink.Open().ok());
  // Open finished the cut batch: the annotations it owed, the spans not again.
  EXPECT_EQ(SpanRecords().size(), 2u);
  EXPECT_EQ(Annotations("TAG").size(), 1u);
  const size_t metadata = Annotations("METADATA").size();
  EXPECT_GT(metadata, 0u);
  int64_t traces = 0;
  ASSERT_TRUE(sink.PublishOnce(&traces).ok());
  EXPECT_EQ(traces, 2);
  EXPECT_EQ(SpanRecords(), (std::map<std::string, int>{
                               {Rec(1, 1), 1}, {Rec(1, 2), 1}, {Rec(2, 1), 1}, {Rec(3, 1), 1}}));
  EXPECT_EQ(Annotations("TAG").size(), 1u);
  // Every table's txn is the sink's one appId, at the feed position it reached.
  for (const char* t : {"otel_spans", "otel_annotations"}) {
    auto snap = lake::ReadDeltaSnapshot(dir_ / "lake" / (std::string("tracelake_") + t));
    ASSERT_TRUE(snap.ok());
    EXPECT_EQ(snap->txns.size(), 1u) << t;
  }
}

TEST_F(LakeSinkTest, ADeletedTraceIsForgottenAndADeletedTagIsMarked) {
  Ingest({MakeSpan(1, 1, 0, 0, 10), MakeSpan(2, 1, 0, 0, 10)});
  ASSERT_TRUE(backend_->traces().SetTraceTag(Tid(1), "k", "v").ok());
  LakeSinkOptions o = Options();
  LakeSink sink(*backend_, o);
  ASSERT_TRUE(sink.Open().ok());
  int64_t traces = 0;
  ASSERT_TRUE(sink.PublishOnce(&traces).ok());
  const std::string consumer = LakeConsumerName("lake-sink", o.location, o.prefix);
  EXPECT_EQ(backend_->changes().ListTraceStates(consumer)->size(), 2u);
  storage::DeleteTracesRequest del;
  del.experiment_id = "0";
  del.trace_ids = {Tid(2)};
  ASSERT_TRUE(backend_->traces().DeleteTraces(del).ok());
  ASSERT_TRUE(backend_->traces().DeleteTraceTag(Tid(1), "k").ok());
  ASSERT_TRUE(sink.PublishOnce(&traces).ok());
  EXPECT_EQ(backend_->changes().ListTraceStates(consumer)->size(), 1u);
  EXPECT_EQ(SpanRecords().size(), 2u);  // the lake is append-only: rows stay
  // The tag's deletion is a row with deleted_at set, same annotation_id.
  const auto& cols = lake::OtelAnnotationColumns();
  int deleted_at = -1;
  for (size_t i = 0; i < cols.size(); ++i)
    if (cols[i].name == "deleted_at") deleted_at = static_cast<int>(i);
  ASSERT_GE(deleted_at, 0);
  const auto ann = Annotations("TAG");
  ASSERT_EQ(ann.size(), 2u);
  EXPECT_EQ(std::get<std::string>(ann[0][0].get()), std::get<std::string>(ann[1][0].get()));
  int marked = 0;
  for (const lake::Row& r : ann) marked += r[static_cast<size_t>(deleted_at)].is_null() ? 0 : 1;
  EXPECT_EQ(marked, 1);
}

}  // namespace
}  // namespace tracelake::server
