// Writes a sample Delta table for the real-reader checks of tests/e2e/test/lake_delta.test.js
// (DuckDB reads its commits, checkpoint and live files) and expected.json: the live rows in the
// canonical form the test's SQL produces (int64 as strings, timestamps as microseconds, maps as
// [{key, value}]), and what each step returned.
//
// The table: 12 appends of spans over three `date` partitions (batch 5 is sent twice, the
// second time a no-op), a checkpoint after version 10, then the oldest partition dropped and
// the small files of the other two compacted (Optimize) into one file each.
//
//   tracelake_delta_sample TABLE_DIR EXPECTED_JSON
#include <cstdint>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "lake/delta_table.h"

namespace tracelake::lake {
namespace {

using nlohmann::json;

std::vector<Field> Columns() {
  return {
      Field::Leaf("trace_id", FieldType::kString),
      Field::Leaf("span_id", FieldType::kString, Repetition::kRequired),
      Field::Leaf("name", FieldType::kString),
      Field::Leaf("time", FieldType::kTimestampMicros),
      Field::Leaf("date", FieldType::kDate),
      Field::Leaf("start_time_unix_nano", FieldType::kInt64),
      Field::Leaf("duration_ms", FieldType::kDouble),
      Field::Map("attributes", Field::Leaf("value", FieldType::kString)),
      Field::Struct("status", {Field::Leaf("code", FieldType::kString),
                               Field::Leaf("message", FieldType::kString)}),
      Field::List("events",
                  Field::Struct("element", {Field::Leaf("name", FieldType::kString),
                                            Field::Leaf("time_unix_nano", FieldType::kInt64)})),
  };
}

struct Sample {
  Row row;
  json canonical;
  int32_t date;
};

Sample MakeRow(int batch, int i) {
  static const char* const kNames[] = {"chat gpt-4o", "invoke_agent", "résumé ✓ 日本語",
                                       "tool \"search\"\n", ""};
  const int n = batch * 100 + i;
  const int32_t date = 19888 + n % 3;  // 2024-06-14 .. 2024-06-16
  const int64_t nanos = (int64_t{date} * 86400 + n * 7) * 1000000000 + n * 1234567 + 89;
  const bool no_name = n % 11 == 0;
  const std::string name = kNames[n % 5];
  std::string long_name = name + " " + std::string(40, static_cast<char>('a' + n % 26));
  Sample s;
  s.date = date;
  Value attrs = n % 7 == 0 ? Value()
                           : Value::Map({{"gen_ai.system", Value("openai")},
                                         {"n", n % 2 == 0 ? Value() : Value(std::to_string(n))}});
  Value status = n % 5 == 0 ? Value()
                            : Value::Struct({Value(n % 3 == 0 ? "ERROR" : "OK"),
                                             n % 3 == 0 ? Value("boom") : Value()});
  std::vector<Value> events;
  json events_json = json::array();
  for (int e = 0; e < n % 3; ++e) {
    events.push_back(Value::Struct({Value("event " + std::to_string(e)), Value(nanos + e)}));
    events_json.push_back(
        {{"name", "event " + std::to_string(e)}, {"time_unix_nano", std::to_string(nanos + e)}});
  }
  const std::string trace_id = "trace-" + std::to_string(n % 13);
  s.row = {n % 17 == 0 ? Value() : Value(trace_id),
           Value("span-" + std::to_string(n)),
           no_name ? Value() : Value(n % 4 == 0 ? long_name : name),
           Value(nanos / 1000),
           Value(date),
           Value(nanos),
           n % 9 == 0 ? Value() : Value(n * 0.25),
           attrs,
           status,
           n % 8 == 0 ? Value() : Value::List(std::move(events))};
  json attrs_json = nullptr;
  if (n % 7 != 0) {
    attrs_json = json::array(
        {{{"key", "gen_ai.system"}, {"value", "openai"}},
         {{"key", "n"}, {"value", n % 2 == 0 ? json(nullptr) : json(std::to_string(n))}}});
  }
  json status_json = nullptr;
  if (n % 5 != 0) {
    status_json = {{"code", n % 3 == 0 ? "ERROR" : "OK"},
                   {"message", n % 3 == 0 ? json("boom") : json(nullptr)}};
  }
  s.canonical = {
      {"trace_id", n % 17 == 0 ? json(nullptr) : json(trace_id)},
      {"span_id", "span-" + std::to_string(n)},
      {"name", no_name ? json(nullptr) : json(n % 4 == 0 ? long_name : name)},
      {"time", std::to_string(nanos / 1000)},
      {"date", std::to_string(date)},
      {"start_time_unix_nano", std::to_string(nanos)},
      {"duration_ms", n % 9 == 0 ? json(nullptr) : json(n * 0.25)},
      {"attributes", attrs_json},
      {"status", status_json},
      {"events", n % 8 == 0 ? json(nullptr) : events_json},
  };
  return s;
}

int Fail(const Status& status) {
  std::cerr << status.ToString() << "\n";
  return 1;
}

int WriteAll(const std::string& dir, const std::string& expected_path) {
  DeltaTableConfig config;
  config.name = "tracelake_sample_spans";
  config.columns = Columns();
  config.partition_column = "date";
  auto table = DeltaTable::Open(dir, config);
  if (!table.ok()) return Fail(table.status());
  json expected = {{"rows", json::array()}, {"appends", json::array()}};
  std::vector<Sample> all;
  for (int batch = 1; batch <= 12; ++batch) {
    std::vector<Row> rows;
    for (int i = 0; i < 20 + batch; ++i) {
      Sample s = MakeRow(batch, i);
      rows.push_back(s.row);
      all.push_back(std::move(s));
    }
    auto r = (*table)->Append("tracelake-sample", batch, rows);
    if (!r.ok()) return Fail(r.status());
    if (!r->checkpoint_status.ok()) return Fail(r->checkpoint_status);
    expected["appends"].push_back({{"batch", batch},
                                   {"version", r->version},
                                   {"files", r->files},
                                   {"rows", r->rows},
                                   {"checkpoint", r->checkpoint_version}});
    if (batch == 5) {  // a retried batch: already in the table, nothing written
      auto again = (*table)->Append("tracelake-sample", batch, rows);
      if (!again.ok()) return Fail(again.status());
      if (!again->already_committed) return Fail(InternalError("batch 5 was committed twice"));
    }
  }
  auto dropped = (*table)->DropPartitionsBefore("2024-06-15");
  if (!dropped.ok()) return Fail(dropped.status());
  expected["dropped"] = {{"version", dropped->version}, {"files", dropped->files}};
  auto optimized = (*table)->Optimize(int64_t{1} << 20);
  if (!optimized.ok()) return Fail(optimized.status());
  expected["optimized"] = {{"version", optimized->version},
                           {"removed", optimized->files_removed},
                           {"added", optimized->files_added},
                           {"rows", optimized->rows}};
  for (const Sample& s : all) {
    if (s.date >= 19889) expected["rows"].push_back(s.canonical);
  }
  std::ofstream(expected_path) << expected.dump();
  std::cout << expected["appends"].dump() << "\n";
  return 0;
}

}  // namespace
}  // namespace tracelake::lake

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: tracelake_delta_sample TABLE_DIR EXPECTED_JSON\n";
    return 2;
  }
  return tracelake::lake::WriteAll(argv[1], argv[2]);
}
