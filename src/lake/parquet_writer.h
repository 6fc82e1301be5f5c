// Writes one Parquet file: rows appended, buffered per row group, flushed as column chunks, and
// the footer written by Close(). What it writes (encodings, pages, statistics, types) is in
// docs/lake.md; every file is read back by DuckDB and hyparquet in tests/e2e.
//
//   ASSIGN_OR_RETURN(ParquetSchema schema, ParquetSchema::Make({
//       Field::Leaf("trace_id", FieldType::kString, Repetition::kRequired),
//       Field::Leaf("start_time_unix_nano", FieldType::kInt64)}));
//   ASSIGN_OR_RETURN(auto writer, ParquetWriter::Create("/tmp/x.parquet", schema));
//   RETURN_IF_ERROR(writer->Append({Value("0af7..."), Value(int64_t{1718445600250123456})}));
//   ASSIGN_OR_RETURN(ParquetFileInfo info, writer->Close());
//
// Confine to one thread. A writer destroyed before Close() leaves an incomplete file behind (no
// footer): the caller deletes it, and never publishes a file whose Close() failed.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "lake/parquet_options.h"
#include "lake/parquet_schema.h"
#include "lake/parquet_value.h"
#include "tracelake/status.h"

namespace tracelake::lake {

class ColumnWriter;
struct RowGroupState;

// Whole-file statistics of one field, what a Delta add action's `stats` are made of
// (shared/spec/delta-parquet.md section 1.5). A struct has one entry per child, in order; lists
// and maps only count nulls.
struct ColumnStats {
  std::string name;
  int64_t null_count = 0;  // rows where this value is null, a null parent struct included
  // The smallest and largest non-null value, exact: int32_t (kInt32, kDate), int64_t (kInt64,
  // kTimestampMicros), double (finite values only) or std::string (kString). Null when there is
  // none, for other types (boolean, binary, nested) and for leaves marked MinMaxStats::kSkip.
  Value min;
  Value max;
  bool non_finite = false;  // a kDouble held NaN or an infinity, which min/max leave out
  std::vector<ColumnStats> children;
};

struct ParquetFileInfo {
  int64_t num_rows = 0;
  int64_t num_row_groups = 0;
  int64_t size_bytes = 0;            // the exact file length (a Delta add action's `size`)
  std::vector<ColumnStats> columns;  // one per top-level field, in schema order
};

class ParquetWriter {
 public:
  // Creates (or truncates) the file at `path` and writes the leading magic.
  // Errors: kUnavailable when the file cannot be created or written.
  static Result<std::unique_ptr<ParquetWriter>> Create(const std::filesystem::path& path,
                                                       ParquetSchema schema,
                                                       ParquetWriterOptions options = {});
  ~ParquetWriter();
  ParquetWriter(const ParquetWriter&) = delete;
  ParquetWriter& operator=(const ParquetWriter&) = delete;

  // Buffers one row: one Value per top-level field, in schema order. The row is checked whole
  // before anything is buffered, so a refused row leaves the file as it was.
  // Errors: kInvalidArgument when the row does not fit the schema (field count, a value of the
  // wrong type, a null in a required field, a string that is not UTF-8), naming the field;
  // kUnavailable when a row group flush fails to write; kFailedPrecondition after Close().
  Status Append(const Row& row);

  // Writes the buffered rows as a row group (nothing when none are buffered).
  Status Flush();

  // Flushes, writes the footer and closes the file. Errors: as Flush; kFailedPrecondition when
  // already closed.
  Result<ParquetFileInfo> Close();

  // Rows appended so far, flushed or not.
  int64_t num_rows() const { return num_rows_; }

 private:
  ParquetWriter(std::FILE* file, std::filesystem::path path, ParquetSchema schema,
                ParquetWriterOptions options);
  Status Write(std::string_view bytes);

  struct FileCloser {
    void operator()(std::FILE* f) const;
  };

  std::unique_ptr<std::FILE, FileCloser> file_;
  const std::filesystem::path path_;
  const ParquetSchema schema_;
  const ParquetWriterOptions options_;
  std::vector<std::unique_ptr<ColumnWriter>> columns_;  // one per leaf, in leaf order
  std::unique_ptr<RowGroupState> row_groups_;
  std::vector<ColumnStats> stats_;  // one per top-level field
  int64_t offset_ = 0;              // bytes written so far
  int64_t num_rows_ = 0;
  int64_t buffered_rows_ = 0;
  bool closed_ = false;
};

}  // namespace tracelake::lake
