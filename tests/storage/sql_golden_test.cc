// Per-dialect goldens of the shared SQL layer: each case (a trace filter, a sort with a keyset
// page, an experiment search) is rendered by every dialect and compared with
// tests/data/sql/<case>.<dialect>.sql, which holds the SQL text and its parameters, or the
// error text when the case is refused. A change to generated SQL shows up as a reviewed diff of
// these files. Regenerate them with TRACELAKE_UPDATE_GOLDEN=1.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "query/filter.h"
#include "storage/postgres/pg_dialect.h"
#include "storage/sql/experiment_filter.h"
#include "storage/sql/filter_sql.h"
#include "storage/sql/keyset.h"
#include "storage/sql/run_filter.h"
#include "storage/sqlite/sqlite_dialect.h"

namespace tracelake::storage::sql {
namespace {

namespace fs = std::filesystem;

struct DialectFile {
  const char* suffix;  // <case>.<suffix>.sql
  const Dialect* dialect;
};

std::vector<DialectFile> Dialects() {
  return {{"sqlite", &sqlite::SqliteDialect::Instance()}, {"pg", &postgres::PgDialect::Instance()}};
}

// The rendering of one case by one dialect: its header, then SQL or an error.
struct Rendered {
  std::string header;
  Result<SqlFragment> fragment = SqlFragment{};
};

using Renderer = std::function<Rendered(const Dialect&)>;

struct Case {
  std::string name;
  Renderer render;
};

Rendered Filter(const Dialect& d, const std::string& text) {
  Rendered r{"-- filter: " + text};
  auto expr = query::ParseFilter(text);
  if (!expr.ok()) {
    r.fragment = expr.status();
    return r;
  }
  SqlFragment f;
  Status s = FilterToSql(d, **expr, f);
  r.fragment = s.ok() ? Result<SqlFragment>(std::move(f)) : Result<SqlFragment>(s);
  return r;
}

// A comparison the grammar cannot write (it quotes these values), built directly.
Rendered NumericComparison(const Dialect& d, query::FieldKind kind, query::Op op, double v) {
  query::Expr e;
  e.comparison = {query::Field{kind, "k"}, op, v};
  Rendered r{"-- ast: " + query::ToString(e)};
  SqlFragment f;
  Status s = FilterToSql(d, e, f);
  r.fragment = s.ok() ? Result<SqlFragment>(std::move(f)) : Result<SqlFragment>(s);
  return r;
}

// A search page after `after`: the experiment condition, then the keyset condition, then the
// sort, as the trace search writes them (placeholders continue after the experiment id).
Rendered Keyset(const Dialect& d, const std::vector<std::string>& order_by,
                const std::vector<PageTokenValue>& after) {
  std::string header = "-- order_by:";
  for (const auto& o : order_by) header += " [" + o + "]";
  Rendered r{header};
  auto order = query::ParseOrderBy(order_by);
  if (!order.ok()) {
    r.fragment = order.status();
    return r;
  }
  const std::vector<SortKey> keys = SortKeysFor(*order);
  SqlFragment f;
  SqlWriter w(d, f);
  w.sql() = "SELECT t.trace_key, " + SortKeyColumns(keys) +
            " FROM traces t WHERE t.experiment_id = " + w.Param(int64_t{1}) + " AND ";
  Status s = AppendKeysetCondition(d, keys, after, f);
  if (!s.ok()) {
    r.fragment = s;
    return r;
  }
  f.sql += " ORDER BY " + OrderByClause(keys);
  r.fragment = std::move(f);
  return r;
}

Rendered Experiments(const Dialect& d, const std::string& filter,
                     const std::vector<std::string>& order_by) {
  std::string header = "-- experiment filter: " + filter + "\n-- order_by:";
  for (const auto& o : order_by) header += " [" + o + "]";
  Rendered r{header};
  SqlFragment f;
  f.sql = "SELECT e.experiment_id FROM experiments e WHERE e.lifecycle_stage = 'active'";
  Status s = ExperimentFilterToSql(d, filter, f);
  auto order = ExperimentOrderBy(order_by);
  if (s.ok()) s = order.status();
  if (!s.ok()) {
    r.fragment = s;
    return r;
  }
  f.sql += " ORDER BY " + *order;
  r.fragment = std::move(f);
  return r;
}

Rendered Runs(const Dialect& d, const std::string& filter,
              const std::vector<std::string>& order_by) {
  std::string header = "-- run filter: " + filter + "\n-- order_by:";
  for (const auto& o : order_by) header += " [" + o + "]";
  Rendered r{header};
  SqlFragment f;
  f.sql = "SELECT r.run_uuid FROM runs r WHERE r.lifecycle_stage = 'active'";
  Status s = RunFilterToSql(d, filter, f);
  if (s.ok()) {
    f.sql += " ORDER BY ";
    s = RunOrderByToSql(d, order_by, f);
  }
  if (!s.ok()) {
    r.fragment = s;
    return r;
  }
  r.fragment = std::move(f);
  return r;
}

std::vector<Case> Cases() {
  std::vector<Case> cases;
  auto filter = [&](const char* name, std::string text) {
    cases.push_back({name, [text](const Dialect& d) { return Filter(d, text); }});
  };
  filter("status_eq", "status = 'OK'");
  filter("status_ne", "trace.status != 'ERROR'");
  filter("status_in", "status IN ('OK', 'ERROR')");
  filter("status_not_in", "status NOT IN ('STATE_UNSPECIFIED')");
  filter("status_like_refused", "status LIKE 'O%'");
  filter("timestamp_eq", "timestamp_ms = 1700000000000");
  filter("timestamp_eq_fraction", "timestamp_ms = 5.5");
  filter("timestamp_ne", "timestamp_ms != 5");
  filter("timestamp_ne_fraction", "timestamp_ms != 5.5");
  filter("timestamp_lt", "timestamp_ms < 5");
  filter("timestamp_le", "timestamp_ms <= 5");
  filter("timestamp_gt", "timestamp_ms > 5");
  filter("timestamp_ge_fraction", "timestamp_ms >= 5.5");
  filter("execution_time_gt", "execution_time_ms > 5000");
  filter("end_time_lt", "end_time_ms < 9");
  filter("name_eq", "name = 'predict'");
  filter("name_ne", "trace.name != 'predict'");
  filter("name_lt", "name < 'm'");
  filter("name_like", "name LIKE '%inference%'");
  filter("name_ilike", "name ILIKE '%PREDICT%'");
  filter("name_rlike", "name RLIKE '^(predict|inference)_[0-9]+'");
  filter("name_rlike_bad_pattern", "name RLIKE '(a'");
  filter("name_in", "name IN ('a', 'b')");
  filter("name_not_in", "name NOT IN ('a')");
  filter("client_request_id_eq", "client_request_id = 'req-1'");
  filter("client_request_id_like", "client_request_id LIKE 'req-%'");
  filter("trace_id_eq", "trace_id = 'tr-0123456789abcdef0123456789abcdef'");
  filter("trace_id_ne", "request_id != 'tr-0123456789abcdef0123456789abcdef'");
  filter("trace_id_eq_malformed", "trace_id = 'tr-nope'");
  filter("trace_id_ne_malformed", "trace_id != 'tr-nope'");
  filter("trace_id_in", "trace_id IN ('0123456789ABCDEF0123456789ABCDEF', 'tr-nope')");
  filter("trace_id_not_in", "trace_id NOT IN ('tr-ffffffffffffffffffffffffffffffff')");
  filter("trace_id_like", "trace_id LIKE 'tr-01%'");
  filter("trace_id_rlike", "trace_id RLIKE '^tr-0[0-9a-f]'");
  filter("run_id_eq", "run_id = 'run_id_123456'");
  filter("run_id_is_null", "run_id IS NULL");
  filter("run_id_is_not_null", "run_id IS NOT NULL");
  filter("text_like", "trace.text LIKE '%authentication error%'");
  filter("text_ilike", "text ILIKE '%timeout%'");
  filter("tag_eq", "tags.`mlflow.traceName` = 'my_function'");
  filter("tag_ne", "tags.k != 'v'");
  filter("tag_like", "tags.model_name LIKE 'gpt-%'");
  filter("tag_ilike", "tag.environment ILIKE '%prod%'");
  filter("tag_rlike", "tag.version RLIKE '^v[0-9]+'");
  filter("tag_is_null", "tags.version IS NULL");
  filter("tag_is_not_null", "tags.version IS NOT NULL");
  filter("metadata_eq", "metadata.`mlflow.user` = 'alice@company.com'");
  filter("metadata_like", "request_metadata.user_id LIKE 'user%'");
  filter("metadata_is_null", "metadata.k IS NULL");
  filter("metadata_fragmented_eq", "metadata.`tracelake.fragmented` = 'true'");
  filter("metadata_span_count_is_not_null", "metadata.`tracelake.span_count` IS NOT NULL");
  filter("span_name_eq", "span.name = 'llm_call'");
  filter("span_name_like", "span.name LIKE '%embedding%'");
  filter("span_name_ilike", "span.name ILIKE '%Embedding%'");
  filter("span_name_rlike", "span.name RLIKE 'embed'");
  filter("span_name_in", "span.name IN ('a', 'b')");
  filter("span_name_not_in", "span.name NOT IN ('a')");
  filter("span_type_eq", "span.type = 'LLM'");
  filter("span_type_in", "span.type IN ('LLM', 'CHAIN')");
  filter("span_status_eq", "span.status = 'ERROR'");
  filter("span_status_ne", "span.status != 'OK'");
  filter("span_status_in", "span.status IN ('OK', 'UNSET')");
  filter("span_status_not_in", "span.status NOT IN ('UNSET')");
  filter("span_model_eq", "span.model = 'gpt-4o'");
  filter("span_model_not_in", "span.model NOT IN ('gpt-4o')");
  filter("span_error_type_ilike", "span.error_type ILIKE '%timeout%'");
  filter("span_error_type_rlike", "span.error_type RLIKE 'Error$'");
  filter("span_attribute_eq", "span.attributes.`gen_ai.request.model` = 'gpt-4o'");
  filter("span_attribute_like", "span.attributes.model_version LIKE '%v2%'");
  filter("span_attribute_ilike", "span.attributes.k ILIKE 'x%'");
  filter("span_attribute_in", "span.attributes.k IN ('a', 'b')");
  filter("span_attribute_rlike", "span.attributes.k RLIKE 'x'");
  filter("span_attribute_is_null", "span.attributes.k IS NULL");
  filter("span_content_like", "span.content LIKE '%hello%'");
  filter("span_content_ilike", "span.content ILIKE '%WORLD%'");
  filter("feedback_eq", "feedback.rating = 'positive'");
  filter("feedback_ne", "feedback.rating != 'negative'");
  filter("feedback_like", "feedback.user_comment LIKE '%helpful%'");
  filter("feedback_ilike", "feedback.user_comment ILIKE '%Helpful%'");
  filter("feedback_rlike", "feedback.k RLIKE '^[0-9]'");
  filter("feedback_is_null", "feedback.ok IS NULL");
  filter("feedback_is_not_null", "feedback.`user satisfaction` IS NOT NULL");
  filter("expectation_eq", "expectation.accuracy = 'high'");
  filter("expectation_ilike", "expectation.label ILIKE '%success%'");
  filter("prompt_refused", "prompt = 'qa-agent-system-prompt/4'");
  filter("and_or", "status = 'ERROR' OR (tags.env = 'prod' AND execution_time_ms > 1000)");
  filter("nested_groups",
         "((span.type = 'LLM' OR span.type = 'TOOL') AND (feedback.ok = 'yes' OR "
         "feedback.ok IS NULL))");
  filter("content_in_group_refused_on_pg",
         "status = 'OK' AND (span.content LIKE '%x%' OR name = 'a')");
  filter("quotes_and_unicode", "tags.m = 'it''s' AND metadata.`名前` = '東京 🚀'");
  cases.push_back({"feedback_number_lt", [](const Dialect& d) {
                     return NumericComparison(d, query::FieldKind::kFeedback, query::Op::kLt, 3.5);
                   }});
  cases.push_back({"span_attribute_number_ge", [](const Dialect& d) {
                     return NumericComparison(d, query::FieldKind::kSpanAttribute, query::Op::kGe,
                                              2);
                   }});

  auto keyset = [&](const char* name, std::vector<std::string> order_by,
                    std::vector<PageTokenValue> after) {
    cases.push_back(
        {name, [order_by, after](const Dialect& d) { return Keyset(d, order_by, after); }});
  };
  keyset("keyset_default", {}, {int64_t{10}, int64_t{3}});
  keyset("keyset_timestamp_asc", {"timestamp_ms ASC"}, {int64_t{10}, int64_t{3}});
  keyset("keyset_status_desc", {"status DESC"}, {int64_t{1}, int64_t{10}, int64_t{3}});
  keyset("keyset_name_asc_duration_desc", {"name ASC", "execution_time_ms DESC"},
         {std::string("n"), int64_t{1}, int64_t{2}, int64_t{3}});
  keyset("keyset_trace_id_asc", {"trace_id ASC"},
         {std::string("\x01\x23\x45\x67\x89\xab\xcd\xef\x01\x23\x45\x67\x89\xab\xcd\xef", 16),
          int64_t{10}, int64_t{3}});
  keyset("keyset_token_of_another_query", {"name ASC"}, {int64_t{1}, int64_t{2}, int64_t{3}});

  auto experiments = [&](const char* name, std::string f, std::vector<std::string> order_by) {
    cases.push_back(
        {name, [f, order_by](const Dialect& d) { return Experiments(d, f, order_by); }});
  };
  experiments("experiments_default", "", {});
  experiments("experiments_name_like", "name LIKE 'a%'", {"name"});
  experiments("experiments_name_ilike_and_tag",
              "attributes.name ILIKE '%Prod%' AND tags.team = 'ml'", {"last_update_time DESC"});
  experiments("experiments_tag_like", "tags.`a.b` LIKE 'x%'", {});
  experiments("experiments_times", "creation_time > 1700000000000 AND last_update_time <= 5",
              {"attributes.experiment_id DESC"});
  experiments("experiments_unknown_field", "owner = 'x'", {});

  auto runs = [&](const char* name, std::string f, std::vector<std::string> order_by) {
    cases.push_back({name, [f, order_by](const Dialect& d) { return Runs(d, f, order_by); }});
  };
  runs("runs_default", "", {});
  runs("runs_metric_param_tag",
       "metrics.acc > 0.5 AND params.model = 'gpt' AND tags.`mlflow.user` ILIKE 'Bo%'",
       {"metrics.acc DESC"});
  runs("runs_attributes", "attributes.status IN ('FINISHED', 'FAILED') AND start_time >= 1000",
       {"attributes.run_name", "params.lr DESC"});
  runs("runs_param_is_null", "params.lr IS NULL AND tags.t IS NOT NULL", {});
  runs("runs_metric_compared_with_text", "metrics.acc = 'x'", {});
  return cases;
}

std::string Quote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

std::string ParamText(const SqlParam& p) {
  if (const auto* i = std::get_if<int64_t>(&p)) return "int " + std::to_string(*i);
  if (const auto* d = std::get_if<double>(&p)) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.17g", *d);
    return std::string("real ") + buf;
  }
  if (const auto* s = std::get_if<std::string>(&p)) return "text " + Quote(*s);
  static const char* kHex = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : std::get<SqlBlob>(p).bytes) {
    hex += kHex[c >> 4];
    hex += kHex[c & 15];
  }
  return "blob x'" + hex + "'";
}

std::string Render(const Rendered& r) {
  std::string out = r.header + "\n";
  if (!r.fragment.ok()) {
    return out + "-- error: " + std::string(StatusCodeName(r.fragment.status().code())) + ": " +
           std::string(r.fragment.status().message()) + "\n";
  }
  out += r.fragment->sql + "\n-- params: " + std::to_string(r.fragment->params.size()) + "\n";
  for (size_t i = 0; i < r.fragment->params.size(); ++i)
    out += "-- " + std::to_string(i + 1) + ": " + ParamText(r.fragment->params[i]) + "\n";
  return out;
}

fs::path GoldenDir() { return fs::path(TRACELAKE_TEST_DATA_DIR) / "sql"; }

bool Updating() {
  const char* v = std::getenv("TRACELAKE_UPDATE_GOLDEN");
  return v != nullptr && std::string_view(v) == "1";
}

// Placeholders outside string literals, in order of appearance.
std::vector<std::string> Placeholders(const std::string& sql) {
  std::vector<std::string> out;
  bool in_string = false;
  for (size_t i = 0; i < sql.size(); ++i) {
    if (sql[i] == '\'') in_string = !in_string;
    if (in_string) continue;
    if (sql[i] == '?') out.emplace_back("?");
    if (sql[i] == '$') {
      size_t j = i + 1;
      while (j < sql.size() && std::isdigit(static_cast<unsigned char>(sql[j]))) ++j;
      out.push_back(sql.substr(i, j - i));
      i = j - 1;
    }
  }
  return out;
}

TEST(SqlGoldenTest, EveryDialectRendersEveryCaseAsItsGolden) {
  const bool update = Updating();
  if (update) fs::create_directories(GoldenDir());
  for (const Case& c : Cases()) {
    for (const DialectFile& df : Dialects()) {
      const fs::path path = GoldenDir() / (c.name + "." + df.suffix + ".sql");
      const std::string got = Render(c.render(*df.dialect));
      if (update) {
        std::ofstream(path, std::ios::binary) << got;
        continue;
      }
      std::ifstream in(path, std::ios::binary);
      if (!in) {
        ADD_FAILURE() << path << " is missing: create it with TRACELAKE_UPDATE_GOLDEN=1 (run "
                      << "storage_test --gtest_filter='SqlGoldenTest.*') and review it.";
        continue;
      }
      std::stringstream want;
      want << in.rdbuf();
      EXPECT_EQ(got, want.str())
          << "The SQL of case " << c.name << " for " << df.dialect->name() << " differs from "
          << path << ". If the change is intended, regenerate the goldens with "
          << "TRACELAKE_UPDATE_GOLDEN=1 (run storage_test --gtest_filter='SqlGoldenTest.*') and "
          << "review the diff of tests/data/sql/.";
    }
  }
}

TEST(SqlGoldenTest, EveryGoldenFileBelongsToACase) {
  std::set<std::string> expected;
  for (const Case& c : Cases())
    for (const DialectFile& df : Dialects()) expected.insert(c.name + "." + df.suffix + ".sql");
  for (const auto& entry : fs::directory_iterator(GoldenDir())) {
    EXPECT_TRUE(expected.count(entry.path().filename().string()) == 1)
        << entry.path() << " belongs to no case: delete it";
  }
}

// Each placeholder appears once per parameter, numbered in order ($1, $2, ... for PostgreSQL),
// so the parameter list binds as written.
TEST(SqlGoldenTest, PlaceholdersMatchTheParametersInOrder) {
  for (const Case& c : Cases()) {
    for (const DialectFile& df : Dialects()) {
      const Rendered r = c.render(*df.dialect);
      if (!r.fragment.ok()) continue;
      const std::vector<std::string> got = Placeholders(r.fragment->sql);
      std::vector<std::string> want;
      for (size_t i = 1; i <= r.fragment->params.size(); ++i)
        want.push_back(df.dialect->Placeholder(i));
      EXPECT_EQ(got, want) << c.name << " (" << df.suffix << "): " << r.fragment->sql;
    }
  }
}

TEST(SqlGoldenTest, ChunkSearchesAreRefusedByNameOnPostgres) {
  const Dialect& pg = postgres::PgDialect::Instance();
  for (const char* f : {"span.content LIKE '%x%'", "span.attributes.k = 'v'"}) {
    const Rendered r = Filter(pg, f);
    ASSERT_FALSE(r.fragment.ok()) << f;
    EXPECT_EQ(r.fragment.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.fragment.status().message().find("not supported by the PostgreSQL backend"),
              std::string::npos)
        << r.fragment.status().message();
  }
  EXPECT_TRUE(Filter(sqlite::SqliteDialect::Instance(), "span.content LIKE '%x%'").fragment.ok());
}

TEST(SqlGoldenTest, WriterNumbersPlaceholdersAfterExistingParameters) {
  SqlFragment f;
  f.params.emplace_back(int64_t{1});
  f.params.emplace_back(int64_t{2});
  SqlWriter w(postgres::PgDialect::Instance(), f);
  EXPECT_EQ(w.Param(std::string("x")), "$3");
  SqlWriter s(sqlite::SqliteDialect::Instance(), f);
  EXPECT_EQ(s.Param(std::string("y")), "?");
  EXPECT_EQ(f.params.size(), 4u);
}

}  // namespace
}  // namespace tracelake::storage::sql
