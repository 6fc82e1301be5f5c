// Writes sample Parquet files for the real-reader checks (tests/e2e/test/lake_parquet.test.js)
// and expected.json: every row in the canonical form the test's SQL produces (int64 as strings,
// timestamps as microseconds, dates as day numbers, binary as hex, maps as objects).
//
//   tracelake_parquet_sample OUT_DIR
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "lake/parquet_writer.h"

namespace tracelake::lake {
namespace {

using nlohmann::json;

// A small deterministic generator (no <random> distributions: their output differs by library).
class Lcg {
 public:
  uint64_t Next() {
    state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return state_ >> 33;
  }
  bool OneIn(uint64_t n) { return Next() % n == 0; }

 private:
  uint64_t state_ = 13;
};

std::string Hex(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

json Canonical(const Field& field, const Value& value) {
  if (value.is_null()) return nullptr;
  const Value::Variant& v = value.get();
  switch (field.type) {
    case FieldType::kBoolean:
      return std::get<bool>(v);
    case FieldType::kInt32:
    case FieldType::kDate:
      return std::get<int32_t>(v);
    case FieldType::kInt64:
    case FieldType::kTimestampMicros:
      return std::to_string(std::get<int64_t>(v));
    case FieldType::kDouble:
      return std::get<double>(v);
    case FieldType::kString:
      return std::get<std::string>(v);
    case FieldType::kBinary:
      return Hex(std::get<std::string>(v));
    case FieldType::kStruct: {
      json out = json::object();
      const auto& fields = std::get<StructValue>(v).fields;
      for (size_t i = 0; i < fields.size(); ++i) {
        out[field.children[i].name] = Canonical(field.children[i], fields[i]);
      }
      return out;
    }
    case FieldType::kList: {
      json out = json::array();
      for (const Value& item : std::get<ListValue>(v).items) {
        out.push_back(Canonical(field.children[0], item));
      }
      return out;
    }
    case FieldType::kMap: {
      json out = json::array();  // [[key, value], ...]: keeps order and duplicates visible
      for (const auto& [key, item] : std::get<MapValue>(v).entries) {
        out.push_back(json::array({key, Canonical(field.children[0], item)}));
      }
      return out;
    }
  }
  return nullptr;
}

std::vector<Field> FlatFields() {
  return {
      Field::Leaf("id", FieldType::kString, Repetition::kRequired),
      Field::Leaf("name", FieldType::kString),
      Field::Leaf("kind", FieldType::kString),
      Field::Leaf("nanos", FieldType::kInt64),
      Field::Leaf("count", FieldType::kInt32),
      Field::Leaf("ok", FieldType::kBoolean),
      Field::Leaf("score", FieldType::kDouble),
      Field::Leaf("time", FieldType::kTimestampMicros),
      Field::Leaf("day", FieldType::kDate),
      Field::Leaf("blob", FieldType::kBinary),
      Field::Leaf("body", FieldType::kString, Repetition::kOptional, MinMaxStats::kSkip),
  };
}

std::vector<Row> FlatRows(int n) {
  static const char* const kNames[] = {
      "",        "chat gpt-4o",       "résumé ✓",       "日本語のスパン",
      "emoji 🚀", "tab\tand\nnewline", "quote \" and \\"};
  static const char* const kKinds[] = {"SPAN_KIND_INTERNAL", "SPAN_KIND_CLIENT",
                                       "SPAN_KIND_SERVER"};
  Lcg rng;
  std::vector<Row> rows;
  const int64_t base_nanos = 1718445600250123456;
  for (int i = 0; i < n; ++i) {
    Row row;
    row.emplace_back("span-" + std::to_string(i));
    row.push_back(rng.OneIn(5) ? Value() : Value(kNames[rng.Next() % 7]));
    row.push_back(rng.OneIn(7) ? Value() : Value(kKinds[rng.Next() % 3]));
    const int64_t nanos = base_nanos + static_cast<int64_t>(rng.Next() % 1000000000000) - 7;
    row.push_back(i == 1         ? Value(std::numeric_limits<int64_t>::min())
                  : i == 2       ? Value(std::numeric_limits<int64_t>::max())
                  : rng.OneIn(9) ? Value()
                                 : Value(nanos));
    row.push_back(rng.OneIn(6) ? Value() : Value(static_cast<int32_t>(rng.Next() % 2001) - 1000));
    row.push_back(rng.OneIn(4) ? Value() : Value(rng.OneIn(2)));
    row.push_back(rng.OneIn(8) ? Value()
                               : Value(static_cast<double>(rng.Next() % 100000) / 64.0 - 500));
    row.push_back(rng.OneIn(10) ? Value() : Value(nanos / 1000));
    row.push_back(rng.OneIn(10) ? Value() : Value(static_cast<int32_t>(19889 + rng.Next() % 3)));
    row.push_back(rng.OneIn(3) ? Value()
                               : Value(std::string("\x00\xff\x01", 3) + std::to_string(i)));
    row.push_back(i % 100 == 0 ? Value(std::string(200, 'j'))
                               : Value("{\"i\":" + std::to_string(i) + "}"));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<Field> NestedFields() {
  Field attrs = Field::Map("attributes", Field::Leaf("value", FieldType::kString));
  return {
      Field::Leaf("id", FieldType::kString, Repetition::kRequired),
      attrs,
      Field::List("events", Field::Struct("element",
                                          {Field::Leaf("time_unix_nano", FieldType::kInt64),
                                           Field::Leaf("name", FieldType::kString), attrs},
                                          Repetition::kRequired)),
      Field::Struct("status", {Field::Leaf("message", FieldType::kString),
                               Field::Leaf("code", FieldType::kString)}),
      Field::List("tags", Field::Leaf("element", FieldType::kString)),
  };
}

std::vector<Row> NestedRows(int n) {
  Lcg rng;
  std::vector<Row> rows;
  for (int i = 0; i < n; ++i) {
    auto attrs = [&](int k) {
      if (k % 5 == 4) return Value();
      std::vector<std::pair<std::string, Value>> entries;
      for (int j = 0; j < k % 4; ++j) {
        entries.emplace_back(j == 0 ? "gen_ai.system" : "k" + std::to_string(j),
                             j == 2 ? Value() : Value(j == 1 ? "ünï" : std::to_string(k)));
      }
      return Value::Map(std::move(entries));
    };
    std::vector<Value> events;
    const int event_count = static_cast<int>(rng.Next() % 4);
    for (int e = 0; e < event_count; ++e) {
      events.push_back(
          Value::Struct({rng.OneIn(4) ? Value() : Value(int64_t{1718445600250123456} + e),
                         rng.OneIn(5) ? Value() : Value("event " + std::to_string(e)),
                         attrs(static_cast<int>(rng.Next() % 10))}));
    }
    std::vector<Value> tags;
    for (int t = 0; t < i % 3; ++t)
      tags.push_back(t == 1 ? Value() : Value("tag" + std::to_string(t)));
    rows.push_back(
        {Value("row-" + std::to_string(i)), attrs(static_cast<int>(rng.Next() % 10)),
         i % 7 == 3 ? Value() : Value::List(std::move(events)),
         i % 6 == 5 ? Value()
                    : Value::Struct({i % 2 == 0 ? Value() : Value("oops ✗"),
                                     Value(i % 3 == 0 ? "STATUS_CODE_ERROR" : "STATUS_CODE_OK")}),
         i % 5 == 1 ? Value() : Value::List(std::move(tags))});
  }
  return rows;
}

int WriteAll(const std::string& dir) {
  struct Sample {
    std::string file;
    bool nested;
    ParquetWriterOptions options;
  };
  ParquetWriterOptions small;  // many pages and row groups
  small.page_bytes = 4096;
  small.row_group_bytes = 64 << 10;
  ParquetWriterOptions plain = small;
  plain.codec = Codec::kUncompressed;
  plain.dictionary = DictionaryMode::kNever;
  ParquetWriterOptions snappy = small;
  snappy.codec = Codec::kSnappy;
  snappy.dictionary = DictionaryMode::kAlways;
  const std::vector<Sample> samples = {
      {"flat_zstd.parquet", false, small},         {"flat_uncompressed.parquet", false, plain},
      {"flat_snappy_dict.parquet", false, snappy}, {"flat_default.parquet", false, {}},
      {"nested_zstd.parquet", true, small},        {"nested_uncompressed.parquet", true, plain},
  };
  const std::vector<Field> flat_fields = FlatFields();
  const std::vector<Field> nested_fields = NestedFields();
  const std::vector<Row> flat_rows = FlatRows(20000);
  const std::vector<Row> nested_rows = NestedRows(3000);
  json expected = {{"flat", json::array()}, {"nested", json::array()}, {"files", json::array()}};
  for (const Row& row : flat_rows) {
    json r = json::object();
    for (size_t i = 0; i < row.size(); ++i)
      r[flat_fields[i].name] = Canonical(flat_fields[i], row[i]);
    expected["flat"].push_back(r);
  }
  for (const Row& row : nested_rows) {
    json r = json::object();
    for (size_t i = 0; i < row.size(); ++i) {
      r[nested_fields[i].name] = Canonical(nested_fields[i], row[i]);
    }
    expected["nested"].push_back(r);
  }
  for (const Sample& sample : samples) {
    auto schema = ParquetSchema::Make(sample.nested ? nested_fields : flat_fields);
    if (!schema.ok()) {
      std::cerr << schema.status().ToString() << "\n";
      return 1;
    }
    const std::string path = dir + "/" + sample.file;
    auto writer = ParquetWriter::Create(path, *schema, sample.options);
    if (!writer.ok()) {
      std::cerr << writer.status().ToString() << "\n";
      return 1;
    }
    for (const Row& row : sample.nested ? nested_rows : flat_rows) {
      Status s = (*writer)->Append(row);
      if (!s.ok()) {
        std::cerr << s.ToString() << "\n";
        return 1;
      }
    }
    auto info = (*writer)->Close();
    if (!info.ok()) {
      std::cerr << info.status().ToString() << "\n";
      return 1;
    }
    expected["files"].push_back({{"file", sample.file},
                                 {"kind", sample.nested ? "nested" : "flat"},
                                 {"codec", CodecName(sample.options.codec)},
                                 {"rows", info->num_rows},
                                 {"row_groups", info->num_row_groups},
                                 {"size", info->size_bytes}});
  }
  std::ofstream(dir + "/expected.json") << expected.dump();
  std::cout << expected["files"].dump() << "\n";
  return 0;
}

}  // namespace
}  // namespace tracelake::lake

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: tracelake_parquet_sample OUT_DIR\n";
    return 2;
  }
  return tracelake::lake::WriteAll(argv[1]);
}
