#include "lake/delta_stats.h"

#include <charconv>
#include <chrono>
#include <cstdio>

#include "lake/delta_log.h"

namespace tracelake::lake {
namespace {

constexpr size_t kPrefixCodePoints = 32;
constexpr size_t kMaxPrefixCodePoints = 64;

// Byte offsets of the code points of valid UTF-8 (the writer checked it), and the end.
std::vector<size_t> CodePointStarts(std::string_view s, size_t limit) {
  std::vector<size_t> starts;
  for (size_t i = 0; i < s.size() && starts.size() <= limit; ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xc0) != 0x80) starts.push_back(i);
  }
  return starts;
}

// The code point starting at byte `i` of valid UTF-8.
char32_t CodePointAt(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return c;
  const int extra = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;
  char32_t cp = c & (0x3f >> extra);
  for (int k = 1; k <= extra; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
  return cp;
}

// One of minValues, maxValues, nullCount: a JSON object nested like the schema.
class StatsObject {
 public:
  void Add(std::string_view name, std::string_view json) {
    if (!body_.empty()) body_ += ',';
    AppendJsonString(name, body_);
    body_ += ':';
    body_ += json;
  }
  bool empty() const { return body_.empty(); }
  std::string Json() const { return "{" + body_ + "}"; }

 private:
  std::string body_;
};

std::optional<std::string> MinMaxJson(const Field& field, const Value& value, bool is_max) {
  if (value.is_null()) return std::nullopt;
  const Value::Variant& v = value.get();
  std::string out;
  switch (field.type) {
    case FieldType::kInt32:
    case FieldType::kInt64:
      return std::to_string(std::holds_alternative<int32_t>(v) ? std::get<int32_t>(v)
                                                               : std::get<int64_t>(v));
    case FieldType::kDouble: {
      char buf[32];
      auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), std::get<double>(v));
      if (ec != std::errc()) return std::nullopt;
      return std::string(buf, end);
    }
    case FieldType::kDate:
      AppendJsonString(DeltaDateString(std::get<int32_t>(v)), out);
      return out;
    case FieldType::kTimestampMicros:
      AppendJsonString(DeltaTimestampString(std::get<int64_t>(v)), out);
      return out;
    case FieldType::kString: {
      const std::string& s = std::get<std::string>(v);
      std::optional<std::string> bound = is_max ? TruncateMaxString(s) : TruncateMinString(s);
      if (!bound) return std::nullopt;
      AppendJsonString(*bound, out);
      return out;
    }
    default:
      return std::nullopt;
  }
}

struct StatsBuilder {
  int leaves_left;
  StatsObject min;
  StatsObject max;
  StatsObject nulls;

  // Adds `field` (a struct's child or a top-level field); returns false once out of leaves.
  void Add(const Field& field, const ColumnStats& stats) {
    if (leaves_left <= 0) return;
    if (field.type == FieldType::kStruct && !field.variant) {
      StatsBuilder child{leaves_left, {}, {}, {}};
      for (size_t i = 0; i < field.children.size() && i < stats.children.size(); ++i) {
        child.Add(field.children[i], stats.children[i]);
      }
      leaves_left = child.leaves_left;
      if (!child.min.empty()) min.Add(field.name, child.min.Json());
      if (!child.max.empty()) max.Add(field.name, child.max.Json());
      if (!child.nulls.empty()) nulls.Add(field.name, child.nulls.Json());
      return;
    }
    --leaves_left;
    nulls.Add(field.name, std::to_string(stats.null_count));
    // NaN and infinities are left out of the writer's min/max, which then bound nothing.
    if (stats.non_finite) return;
    std::optional<std::string> lo = MinMaxJson(field, stats.min, false);
    std::optional<std::string> hi = MinMaxJson(field, stats.max, true);
    if (lo) min.Add(field.name, *std::move(lo));
    if (hi) max.Add(field.name, *std::move(hi));
  }
};

}  // namespace

std::string TruncateMinString(std::string_view s) {
  std::vector<size_t> starts = CodePointStarts(s, kPrefixCodePoints);
  if (starts.size() <= kPrefixCodePoints) return std::string(s);
  return std::string(s.substr(0, starts[kPrefixCodePoints]));
}

std::optional<std::string> TruncateMaxString(std::string_view s) {
  std::vector<size_t> starts = CodePointStarts(s, kMaxPrefixCodePoints);
  if (starts.size() <= kPrefixCodePoints) return std::string(s);
  // Cut before code point `len`, the first left out, and append a character greater than it:
  // U+007F beats every ASCII character, U+10FFFF everything but itself, so a cut right before
  // U+10FFFF moves one further (K default-engine/src/stats.rs truncate_max_string).
  for (size_t len = kPrefixCodePoints; len < starts.size() && len < kMaxPrefixCodePoints; ++len) {
    const char32_t cut = CodePointAt(s, starts[len]);
    const std::string prefix(s.substr(0, starts[len]));
    if (cut < 0x7f) return prefix + "\x7f";
    if (cut != 0x10ffff) return prefix + "\xf4\x8f\xbf\xbf";
  }
  if (starts.size() <= kMaxPrefixCodePoints) return std::string(s);  // all of it fits
  return std::nullopt;
}

std::string DeltaDateString(int32_t days) {
  const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{days}}};
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

std::string DeltaTimestampString(int64_t micros) {
  // Floored, not rounded: readers widen a max by 1 ms, and a rounded-up min would exclude rows.
  int64_t ms = micros / 1000;
  if (micros % 1000 < 0) --ms;
  int64_t days = ms / 86400000;
  int64_t in_day = ms % 86400000;
  if (in_day < 0) {
    in_day += 86400000;
    --days;
  }
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%sT%02d:%02d:%02d.%03dZ",
                DeltaDateString(static_cast<int32_t>(days)).c_str(),
                static_cast<int>(in_day / 3600000), static_cast<int>(in_day / 60000 % 60),
                static_cast<int>(in_day / 1000 % 60), static_cast<int>(in_day % 1000));
  return buf;
}

std::string DeltaStatsJson(const ParquetFileInfo& info, const std::vector<Field>& fields,
                           int max_indexed_leaves) {
  StatsBuilder builder{max_indexed_leaves, {}, {}, {}};
  for (size_t i = 0; i < fields.size() && i < info.columns.size(); ++i) {
    builder.Add(fields[i], info.columns[i]);
  }
  std::string out = "{\"numRecords\":" + std::to_string(info.num_rows);
  out += ",\"minValues\":" + builder.min.Json();
  out += ",\"maxValues\":" + builder.max.Json();
  out += ",\"nullCount\":" + builder.nulls.Json();
  out += '}';
  return out;
}

}  // namespace tracelake::lake
