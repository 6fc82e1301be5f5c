// The `stats` of a Delta add action (shared/spec/delta-parquet.md section 1.5), made from the
// whole-file statistics a ParquetWriter returns:
//
//   {"numRecords":2,"minValues":{"name":"a","status":{"code":"OK"}},"maxValues":{...},
//    "nullCount":{"name":0,"status":{"code":1},"attributes":0}}
//
//   ASSIGN_OR_RETURN(ParquetFileInfo info, writer->Close());
//   add.stats = DeltaStatsJson(info, file_fields);
//
// Rules: the first `max_indexed_leaves` leaves in schema order are described (a map or list
// counts as one leaf, a struct's children one each); nullCount for each; min/max for numbers,
// dates, timestamps and strings when the file has a non-null value (none for a double column
// holding NaN or an infinity); strings cut to 32 code points, the max with a tie-breaker;
// timestamps as ISO text floored to milliseconds. Partition columns are not in the file, so
// never in its stats. Pure functions, safe for concurrent use.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lake/parquet_schema.h"
#include "lake/parquet_writer.h"

namespace tracelake::lake {

// Delta's default for delta.dataSkippingNumIndexedCols.
inline constexpr int kDeltaIndexedLeaves = 32;

// `fields` are the file's fields, as given to its ParquetSchema.
std::string DeltaStatsJson(const ParquetFileInfo& info, const std::vector<Field>& fields,
                           int max_indexed_leaves = kDeltaIndexedLeaves);

// The first 32 code points of a UTF-8 string: a lower bound of it.
std::string TruncateMinString(std::string_view s);
// An upper bound of `s` of at most 33 code points (32 + the tie-breaker U+007F or U+10FFFF);
// nullopt when no short bound exists (64 code points of U+10FFFF).
std::optional<std::string> TruncateMaxString(std::string_view s);

// "2024-06-15" for days since 1970-01-01.
std::string DeltaDateString(int32_t days);
// "2024-06-15T10:00:01.999Z" for microseconds since the epoch, floored to milliseconds.
std::string DeltaTimestampString(int64_t micros);

}  // namespace tracelake::lake
