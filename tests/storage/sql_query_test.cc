#include "storage/sqlite/sql_query.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "storage/sqlite/sqlite_backend.h"
#include "tests/storage/store_test_util.h"

namespace tracelake::storage::sqlite {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::IsOk;
using testing::MakeSpan;
using testing::StatusIs;
using testing::Tid;

class SqlQueryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto backend = SqliteBackend::Open((dir_.path() / "store.db").string(), StoreOptions{});
    ASSERT_THAT(backend, IsOk());
    backend_ = std::move(*backend);
    engine_ = SqlQueryEngine::Create(backend_->database().path());

    auto resource = std::make_shared<model::Resource>();
    resource->attributes = {{"service.name", "agent-ü"}};
    std::vector<model::Span> spans;
    for (int t = 1; t <= 3; ++t) {
      model::Span root = MakeSpan(t, 1, 0, t * 1000, 500, {{"customer", "acme"}}, "agent");
      root.resource = resource;
      spans.push_back(root);
      model::Span llm = MakeSpan(t, 2, 1, t * 1000 + 10, 100 * t,
                                 {{"gen_ai.request.model", t == 3 ? "gpt-4o" : "gpt-4o-mini"},
                                  {"gen_ai.usage.input_tokens", int64_t{10 * t}},
                                  {"empty", ""},
                                  {"uni", "日本語 ✓"}},
                                 "chat");
      llm.resource = resource;
      llm.events.push_back({testing::Ns(t * 1000 + 20), "first-token", {{"k", int64_t{1}}}, 0});
      spans.push_back(llm);
      model::Span tool = MakeSpan(t, 3, 1, t * 1000 + 200, 50 * t,
                                  {{"gen_ai.operation.name", "execute_tool"},
                                   {"gen_ai.tool.name", t == 2 ? "search" : "lookup"}},
                                  "tool");
      tool.status_code = model::SpanStatusCode::kError;
      tool.status_message = "failed";
      spans.push_back(tool);
    }
    IngestBatch batch;
    batch.spans = std::move(spans);
    ASSERT_THAT(backend_->traces().Ingest(std::move(batch)), IsOk());
  }

  Result<SqlResult> Run(const std::string& sql, int max_rows = kSqlDefaultMaxRows) {
    SqlQueryOptions options;
    options.max_rows = max_rows;
    return engine_->Run(sql, options);
  }

  // The single cell of a one-row, one-column answer.
  SqlCell One(const std::string& sql) {
    auto r = Run(sql);
    EXPECT_THAT(r, IsOk()) << sql;
    if (!r.ok() || r->rows.size() != 1 || r->rows[0].size() != 1) {
      ADD_FAILURE() << "not one cell: " << sql;
      return {};
    }
    return r->rows[0][0];
  }

  testing::TempDir dir_;
  std::unique_ptr<SqliteBackend> backend_;
  std::unique_ptr<SqlQueryEngine> engine_;
};

TEST_F(SqlQueryTest, OtelSpansHoldTheStoredSpans) {
  EXPECT_EQ(One("SELECT count(*) FROM otel_spans"), SqlCell(int64_t{9}));
  auto r =
      Run("SELECT trace_id, span_id, parent_span_id, name, kind, status, service_name, "
          "time, date, start_time_unix_nano FROM otel_spans "
          "WHERE name = 'tool' ORDER BY time LIMIT 1");
  ASSERT_THAT(r, IsOk());
  ASSERT_EQ(r->rows.size(), 1u);
  const auto& row = r->rows[0];
  EXPECT_EQ(row[0], SqlCell(Tid(1).Hex()));
  EXPECT_EQ(row[1], SqlCell(testing::Sid(3).Hex()));
  EXPECT_EQ(row[2], SqlCell(testing::Sid(1).Hex()));
  EXPECT_EQ(row[4], SqlCell(std::string("SPAN_KIND_UNSPECIFIED")));
  EXPECT_EQ(row[5], SqlCell(std::string(R"({"message":"failed","code":"STATUS_CODE_ERROR"})")));
  EXPECT_EQ(row[6], SqlCell());  // the tool span has no resource
  EXPECT_EQ(row[7], SqlCell(std::string("2023-11-14T22:13:21.200000Z")));
  EXPECT_EQ(row[8], SqlCell(std::string("2023-11-14")));
  EXPECT_EQ(row[9], SqlCell(static_cast<int64_t>(testing::Ns(1200))));
  EXPECT_EQ(r->columns[0].name, "trace_id");
  EXPECT_EQ(r->columns[0].type, "TEXT");
  EXPECT_EQ(r->columns[9].type, "INTEGER");
}

TEST_F(SqlQueryTest, JsonExtractReadsAttributesEventsAndUnicode) {
  EXPECT_EQ(One("SELECT group_concat(DISTINCT json_extract(attributes, "
                "'$.\"gen_ai.request.model\"')) FROM otel_spans WHERE name = 'chat'"),
            SqlCell(std::string("gpt-4o-mini,gpt-4o")));
  // Non-string attributes hold their JSON text (the portable rule).
  EXPECT_EQ(One("SELECT sum(CAST(json_extract(attributes, '$.\"gen_ai.usage.input_tokens\"') "
                "AS INTEGER)) FROM otel_spans"),
            SqlCell(int64_t{60}));
  EXPECT_EQ(One("SELECT json_extract(attributes, '$.uni') FROM otel_spans "
                "WHERE name = 'chat' LIMIT 1"),
            SqlCell(std::string("日本語 ✓")));
  EXPECT_EQ(One("SELECT json_extract(attributes, '$.empty') FROM otel_spans "
                "WHERE name = 'chat' LIMIT 1"),
            SqlCell(std::string("")));
  EXPECT_EQ(One("SELECT json_extract(resource, '$.attributes.\"service.name\"') FROM otel_spans "
                "WHERE name = 'agent' LIMIT 1"),
            SqlCell(std::string("agent-ü")));
  EXPECT_EQ(One("SELECT count(*) FROM otel_spans, json_each(otel_spans.events) e "
                "WHERE json_extract(e.value, '$.name') = 'first-token'"),
            SqlCell(int64_t{3}));
}

TEST_F(SqlQueryTest, SlowestToolByModel) {
  auto r = Run(R"sql(
      SELECT json_extract(l.attributes, '$."gen_ai.request.model"') AS model,
             json_extract(t.attributes, '$."gen_ai.tool.name"') AS tool,
             max((t.end_time_unix_nano - t.start_time_unix_nano) / 1e6) AS max_ms
      FROM otel_spans t JOIN otel_spans l ON l.trace_id = t.trace_id AND l.name = 'chat'
      WHERE t.name = 'tool'
      GROUP BY 1, 2 ORDER BY max_ms DESC)sql");
  ASSERT_THAT(r, IsOk());
  ASSERT_EQ(r->rows.size(), 3u);
  EXPECT_EQ(r->rows[0][0], SqlCell(std::string("gpt-4o")));
  EXPECT_EQ(r->rows[0][1], SqlCell(std::string("lookup")));
  EXPECT_EQ(r->rows[0][2], SqlCell(150.0));
}

TEST_F(SqlQueryTest, TracesViewHasOneRowPerTrace) {
  auto r =
      Run("SELECT trace_id, experiment_id, state, name, span_count, execution_duration_ms, "
          "request_time FROM traces ORDER BY request_time");
  ASSERT_THAT(r, IsOk());
  ASSERT_EQ(r->rows.size(), 3u);
  EXPECT_THAT(r->rows[0], ElementsAre(SqlCell(Tid(1).Hex()), SqlCell(std::string("0")),
                                      SqlCell(std::string("OK")), SqlCell(std::string("agent")),
                                      SqlCell(int64_t{3}), SqlCell(int64_t{500}),
                                      SqlCell(std::string("2023-11-14T22:13:21.000Z"))));
}

TEST_F(SqlQueryTest, TraceIdEqualityReadsOneTrace) {
  const std::string id = Tid(2).Hex();
  EXPECT_EQ(One("SELECT count(*) FROM otel_spans WHERE trace_id = '" + id + "'"),
            SqlCell(int64_t{3}));
  // An id in another case matches nothing, as it would without the pushdown.
  std::string upper = id;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(One("SELECT count(*) FROM otel_spans WHERE trace_id = '" + upper + "'"),
            SqlCell(int64_t{0}));
  EXPECT_EQ(One("SELECT count(*) FROM otel_spans WHERE trace_id = 'nope'"), SqlCell(int64_t{0}));
  // The plan uses the pushdown: idxNum bit 1 (a scan would say "VIRTUAL TABLE INDEX 2:").
  auto plan = Run("EXPLAIN QUERY PLAN SELECT * FROM otel_spans WHERE trace_id = '" + id + "'");
  ASSERT_THAT(plan, IsOk());
  ASSERT_FALSE(plan->rows.empty());
  EXPECT_THAT(std::get<std::string>(plan->rows[0].back()), ::testing::ContainsRegex("INDEX [13]:"));
}

// Queries that use only ids, names and times skip the span bodies; the answers are the same.
TEST_F(SqlQueryTest, ColumnsWithoutBodiesMatchFullRows) {
  const std::string cheap =
      "SELECT name, count(*), sum(end_time_unix_nano - start_time_unix_nano), min(time), "
      "max(parent_span_id) FROM otel_spans GROUP BY name ORDER BY name";
  const std::string full =
      "SELECT name, count(*), sum(end_time_unix_nano - start_time_unix_nano), min(time), "
      "max(parent_span_id) FROM otel_spans WHERE attributes IS NOT NULL GROUP BY name "
      "ORDER BY name";
  auto a = Run(cheap);
  auto b = Run(full);
  ASSERT_THAT(a, IsOk());
  ASSERT_THAT(b, IsOk());
  EXPECT_EQ(a->rows, b->rows);
  ASSERT_EQ(a->rows.size(), 3u);
  EXPECT_EQ(a->rows[0][1], SqlCell(int64_t{3}));
}

TEST_F(SqlQueryTest, TableInfoListsTheColumns) {
  EXPECT_EQ(One("SELECT count(*) FROM pragma_table_info('otel_spans')"), SqlCell(int64_t{24}));
  EXPECT_EQ(One("SELECT count(*) FROM pragma_table_info('otel_annotations')"),
            SqlCell(int64_t{14}));
}

TEST_F(SqlQueryTest, AnnotationsHoldTagsAndMetadata) {
  ASSERT_THAT(backend_->traces().SetTraceTag(Tid(1), "team", "search"), IsOk());
  auto r =
      Run("SELECT annotation_type, name, value FROM otel_annotations "
          "WHERE target_id = '" +
          Tid(1).Hex() + "' AND annotation_type = 'TAG'");
  ASSERT_THAT(r, IsOk());
  ASSERT_EQ(r->rows.size(), 1u);
  EXPECT_THAT(r->rows[0], ElementsAre(SqlCell(std::string("TAG")), SqlCell(std::string("team")),
                                      SqlCell(std::string("\"search\""))));
}

TEST_F(SqlQueryTest, OtelLogsHoldTheLinkedLogRecords) {
  model::LogRecord log;
  log.time_unix_nano = testing::Ns(1005);
  log.severity_number = 9;
  log.severity_text = "INFO";
  log.event_name = "gen_ai.user.message";
  log.body = model::AnyValue(model::AnyValue::KvList{{"content", "héllo"}});
  log.attributes = {{"gen_ai.system", "openai"}};
  log.trace_id = Tid(1);
  log.span_id = testing::Sid(2);
  IngestBatch batch;
  batch.log_records.push_back(log);
  ASSERT_THAT(backend_->traces().Ingest(std::move(batch)), IsOk());
  auto r =
      Run("SELECT trace_id, span_id, event_name, severity_number, severity_text, "
          "json_extract(body, '$.content'), json_extract(attributes, '$.\"gen_ai.system\"'), "
          "time FROM otel_logs WHERE trace_id = '" +
          Tid(1).Hex() + "'");
  ASSERT_THAT(r, IsOk());
  ASSERT_EQ(r->rows.size(), 1u);
  EXPECT_THAT(r->rows[0], ElementsAre(SqlCell(Tid(1).Hex()), SqlCell(testing::Sid(2).Hex()),
                                      SqlCell(std::string("gen_ai.user.message")),
                                      SqlCell(std::string("SEVERITY_NUMBER_INFO")),
                                      SqlCell(std::string("INFO")), SqlCell(std::string("héllo")),
                                      SqlCell(std::string("openai")),
                                      SqlCell(std::string("2023-11-14T22:13:21.005000Z"))));
  EXPECT_EQ(One("SELECT count(*) FROM otel_logs"), SqlCell(int64_t{1}));
}

// Bounds on time, date and start_time_unix_nano are pushed down to the traces with a span in
// range; every answer equals the scan's (the unary + keeps a column from being pushed down).
TEST_F(SqlQueryTest, StartBoundsArePushedDownAndAnswerAsAScan) {
  constexpr uint64_t kDayMs = 86400000;
  std::vector<model::Span> later;
  later.push_back(MakeSpan(7, 1, 0, 2 * kDayMs, 500, {{"k", "v"}}, "agent"));
  later.push_back(MakeSpan(7, 2, 1, 2 * kDayMs + 10, 5, {}, "chat"));
  // A trace spanning midnight, and a span with no end (end < start).
  constexpr uint64_t kMidnightMs = 6'400'000;  // the base time is 2023-11-14T22:13:20Z
  later.push_back(MakeSpan(8, 1, 0, kMidnightMs - 100, 400, {}, "agent"));
  model::Span open = MakeSpan(8, 2, 1, kMidnightMs + 200, 0, {}, "tool");
  open.end_time_unix_nano = 0;
  later.push_back(open);
  IngestBatch batch;
  batch.spans = std::move(later);
  ASSERT_THAT(backend_->traces().Ingest(std::move(batch)), IsOk());

  const std::string day1 = "2023-11-15";
  const std::string nanos = std::to_string(testing::Ns(kMidnightMs));
  // The scan reads a subquery that SQLite cannot flatten (LIMIT), so nothing is pushed down
  // and the comparisons keep the columns' affinity.
  const std::vector<std::string> predicates = {
      "$date = '2023-11-16'",
      "$date >= '" + day1 + "'",
      "$date < '" + day1 + "'",
      "$date <= '2023-11-14'",
      "$date > '2023-11-14'",
      "$time >= '2023-11-15T00:00:00.1'",
      "$time > '2023-11-14 23:00'",
      "$time < '2023-11-15'",
      "$time <= '2023-11-15T00:00:00.000000Z'",
      "$time >= '2023'",
      "$time >= 'abc'",
      "$time > 5",
      "$date = '2023-11-15x'",
      "$start_time_unix_nano >= " + nanos,
      "$start_time_unix_nano < " + nanos,
      "$start_time_unix_nano = " + std::to_string(testing::Ns(2 * kDayMs)),
      "$start_time_unix_nano > " + nanos + ".5",
      "$start_time_unix_nano >= '" + nanos + "'",
      "$start_time_unix_nano BETWEEN " + nanos + " AND " +
          std::to_string(testing::Ns(kMidnightMs + 300)),
      "$date >= '2023-11-15' AND $date <= '2023-11-14'",
      "$time >= '9999-12-31'",
      "$date = '2023-13-01'",
      "$start_time_unix_nano > 1e30",
      "$time >= '2023-11-15' AND $start_time_unix_nano < " + nanos};
  for (std::string where : predicates) {
    where.erase(std::remove(where.begin(), where.end(), '$'), where.end());
    for (const char* select : {"span_id, name, time", "span_id, json_extract(attributes, '$.k')"}) {
      const std::string order = " ORDER BY trace_id, span_id";
      auto pushed =
          Run(std::string("SELECT ") + select + " FROM otel_spans WHERE " + where + order);
      auto scanned = Run(std::string("SELECT ") + select +
                         " FROM (SELECT * FROM otel_spans LIMIT -1) WHERE " + where + order);
      ASSERT_THAT(pushed, IsOk()) << where;
      ASSERT_THAT(scanned, IsOk()) << where;
      EXPECT_EQ(pushed->rows, scanned->rows) << where;
    }
  }
  EXPECT_EQ(One("SELECT count(*) FROM otel_spans WHERE date = '2023-11-16'"), SqlCell(int64_t{2}));
  EXPECT_EQ(One("SELECT count(*) FROM otel_spans WHERE time >= '2023-11-15'"), SqlCell(int64_t{3}));
  auto plan = Run("EXPLAIN QUERY PLAN SELECT name FROM otel_spans WHERE date = '2023-11-16'");
  ASSERT_THAT(plan, IsOk());
  ASSERT_FALSE(plan->rows.empty());
  EXPECT_THAT(std::get<std::string>(plan->rows[0].back()), ::testing::ContainsRegex("INDEX [46]:"));
}

TEST_F(SqlQueryTest, NullsAreNull) {
  auto r = Run("SELECT NULL AS n, service_name FROM otel_spans WHERE name = 'tool' LIMIT 1");
  ASSERT_THAT(r, IsOk());
  EXPECT_THAT(r->rows[0], ElementsAre(SqlCell(), SqlCell()));
  EXPECT_EQ(r->columns[0].type, "NULL");
}

TEST_F(SqlQueryTest, RowLimitTruncates) {
  auto r = Run("SELECT span_id FROM otel_spans", 4);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->rows.size(), 4u);
  EXPECT_TRUE(r->truncated);
  auto all = Run("SELECT span_id FROM otel_spans", 9);
  ASSERT_THAT(all, IsOk());
  EXPECT_FALSE(all->truncated);
  EXPECT_THAT(Run("SELECT 1", 0), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(Run("SELECT 1", kSqlMaxMaxRows + 1), StatusIs(StatusCode::kInvalidArgument));
}

TEST_F(SqlQueryTest, WritesAreRefused) {
  for (const char* sql : {"INSERT INTO experiments(name) VALUES('x')", "DELETE FROM span_chunks",
                          "UPDATE traces SET state = 2", "DROP TABLE spans", "CREATE TABLE x(a)",
                          "CREATE TEMP TABLE x(a)", "CREATE TEMP VIEW v AS SELECT 1",
                          "ATTACH DATABASE '/tmp/x.db' AS x", "PRAGMA writable_schema = ON",
                          "PRAGMA journal_mode = DELETE", "BEGIN IMMEDIATE", "VACUUM", "REINDEX",
                          "ANALYZE", "WITH x AS (SELECT 1) DELETE FROM spans"}) {
    EXPECT_THAT(Run(sql), StatusIs(StatusCode::kInvalidArgument)) << sql;
  }
  EXPECT_THAT(Run("DELETE FROM spans"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("DELETE is refused")));
  EXPECT_THAT(Run("ATTACH DATABASE ':memory:' AS x"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("ATTACH")));
  EXPECT_EQ(One("SELECT count(*) FROM otel_spans"), SqlCell(int64_t{9}));  // nothing changed
}

TEST_F(SqlQueryTest, OneStatementOnly) {
  EXPECT_THAT(Run("SELECT 1; SELECT 2"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("one SQL statement")));
  EXPECT_THAT(Run("SELECT 1; DELETE FROM spans"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(Run("SELECT 1; -- trailing comment\n"), IsOk());
  EXPECT_THAT(Run("  "), StatusIs(StatusCode::kInvalidArgument, HasSubstr("empty")));
}

TEST_F(SqlQueryTest, BadSqlGivesSqlitesMessage) {
  EXPECT_THAT(Run("SELEC 1"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("syntax error")));
  EXPECT_THAT(Run("SELECT nope FROM otel_spans"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("no such column: nope")));
}

TEST_F(SqlQueryTest, RunawayQueryHitsTheTimeLimit) {
  SqlQueryOptions options;
  options.time_limit = std::chrono::milliseconds(200);
  const auto start = std::chrono::steady_clock::now();
  auto r = engine_->Run(
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT max(i) FROM n",
      options);
  EXPECT_THAT(r, StatusIs(StatusCode::kDeadlineExceeded, HasSubstr("time limit")));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_F(SqlQueryTest, IngestContinuesWhileAQueryRuns) {
  // A query holding its read snapshot (a long scan) must not block a commit.
  std::atomic<bool> done{false};
  std::thread reader([&] {
    SqlQueryOptions options;
    options.time_limit = std::chrono::milliseconds(1500);
    auto r = engine_->Run(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) "
        "SELECT max(i) FROM n, (SELECT count(*) FROM otel_spans)",
        options);
    EXPECT_THAT(r, StatusIs(StatusCode::kDeadlineExceeded));
    done = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  IngestBatch batch;
  batch.spans.push_back(MakeSpan(9, 1, 0, 9000, 10));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THAT(backend_->traces().Ingest(std::move(batch)), IsOk());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1000));
  EXPECT_FALSE(done.load());  // the commit did not wait for the query
  reader.join();
  EXPECT_EQ(One("SELECT count(*) FROM traces"), SqlCell(int64_t{4}));
}

TEST_F(SqlQueryTest, TooManyConcurrentQueriesAreRefused) {
  auto engine = SqlQueryEngine::Create(backend_->database().path(), /*max_concurrent=*/1);
  std::atomic<bool> started{false};
  std::thread long_query([&] {
    SqlQueryOptions options;
    options.time_limit = std::chrono::milliseconds(1500);
    started = true;
    EXPECT_THAT(engine->Run("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) "
                            "SELECT max(i) FROM n",
                            options),
                StatusIs(StatusCode::kDeadlineExceeded));
  });
  while (!started) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_THAT(engine->Run("SELECT 1", SqlQueryOptions{}),
              StatusIs(StatusCode::kResourceExhausted, HasSubstr("Too many SQL queries")));
  long_query.join();
  EXPECT_THAT(engine->Run("SELECT 1", SqlQueryOptions{}), IsOk());  // the slot was given back
}

TEST_F(SqlQueryTest, InMemoryStoresWork) {
  auto backend = SqliteBackend::Open(":memory:", StoreOptions{});
  ASSERT_THAT(backend, IsOk());
  auto engine = SqlQueryEngine::Create((*backend)->database().path());
  IngestBatch batch;
  batch.spans.push_back(MakeSpan(1, 1, 0, 0, 10));
  ASSERT_THAT((*backend)->traces().Ingest(std::move(batch)), IsOk());
  auto r = engine->Run("SELECT count(*) FROM otel_spans", SqlQueryOptions{});
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->rows[0][0], SqlCell(int64_t{1}));
  EXPECT_THAT(engine->Run("DELETE FROM spans", SqlQueryOptions{}),
              StatusIs(StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace tracelake::storage::sqlite
