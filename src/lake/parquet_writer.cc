#include "lake/parquet_writer.h"

#include <simdjson.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <utility>

#include "lake/column_writer.h"
#include "lake/parquet_format.h"

namespace tracelake::lake {

struct RowGroupState {
  std::vector<pq::RowGroup> done;
};

namespace {

constexpr std::string_view kMagic = "PAR1";

size_t LeafCount(const Field& field) {
  if (IsLeafType(field.type)) return 1;
  size_t n = field.type == FieldType::kMap ? 1 : 0;  // the key
  for (const Field& child : field.children) n += LeafCount(child);
  return n;
}

// Checks that `value` fits `field`, so that shredding a row can no longer fail half-way.
Status CheckValue(const Field& field, const Value& value, const std::string& where) {
  const std::string path = where.empty() ? field.name : where + "." + field.name;
  if (value.is_null()) {
    if (field.repetition == Repetition::kRequired) {
      return InvalidArgumentError("field " + path + " is required but null");
    }
    return Status();
  }
  const Value::Variant& v = value.get();
  bool fits = false;
  switch (field.type) {
    case FieldType::kBoolean:
      fits = std::holds_alternative<bool>(v);
      break;
    case FieldType::kInt32:
    case FieldType::kDate:
      fits = std::holds_alternative<int32_t>(v);
      break;
    case FieldType::kInt64:
    case FieldType::kTimestampMicros:
      fits = std::holds_alternative<int64_t>(v);
      break;
    case FieldType::kDouble:
      fits = std::holds_alternative<double>(v);
      break;
    case FieldType::kString:
      if (const auto* s = std::get_if<std::string>(&v)) {
        if (!simdjson::validate_utf8(s->data(), s->size())) {
          return InvalidArgumentError("field " + path + " is not valid UTF-8");
        }
        fits = true;
      }
      break;
    case FieldType::kBinary:
      fits = std::holds_alternative<std::string>(v);
      break;
    case FieldType::kStruct:
      if (const auto* s = std::get_if<StructValue>(&v)) {
        if (s->fields.size() != field.children.size()) {
          return InvalidArgumentError("field " + path + " has " + std::to_string(s->fields.size()) +
                                      " values for " + std::to_string(field.children.size()) +
                                      " fields");
        }
        for (size_t i = 0; i < s->fields.size(); ++i) {
          RETURN_IF_ERROR(CheckValue(field.children[i], s->fields[i], path));
        }
        return Status();
      }
      break;
    case FieldType::kList:
      if (const auto* l = std::get_if<ListValue>(&v)) {
        for (const Value& item : l->items)
          RETURN_IF_ERROR(CheckValue(field.children[0], item, path));
        return Status();
      }
      break;
    case FieldType::kMap:
      if (const auto* m = std::get_if<MapValue>(&v)) {
        for (const auto& [key, item] : m->entries) {
          if (!simdjson::validate_utf8(key.data(), key.size())) {
            return InvalidArgumentError("a key of field " + path + " is not valid UTF-8");
          }
          RETURN_IF_ERROR(CheckValue(field.children[0], item, path));
        }
        return Status();
      }
      break;
  }
  if (!fits) return InvalidArgumentError("field " + path + " has a value of the wrong type");
  return Status();
}

// Splits a checked value into level entries of the leaf columns under `field` (Dremel; spec
// section 2.5). `rep` is the repetition level of the first entry, `def` the definition level
// of the parent, `depth` the number of repeated ancestors; `leaf` is advanced past the field.
class Shredder {
 public:
  explicit Shredder(std::vector<std::unique_ptr<ColumnWriter>>& columns) : columns_(columns) {}

  void Shred(const Field& field, const Value& value, uint32_t rep, uint32_t def, uint32_t depth,
             size_t& leaf) {
    if (value.is_null()) {
      AddNulls(LeafCount(field), rep, def, leaf);
      return;
    }
    const uint32_t present = def + (field.repetition == Repetition::kOptional ? 1 : 0);
    const Value::Variant& v = value.get();
    switch (field.type) {
      case FieldType::kStruct: {
        const auto& fields = std::get<StructValue>(v).fields;
        for (size_t i = 0; i < fields.size(); ++i) {
          Shred(field.children[i], fields[i], rep, present, depth, leaf);
        }
        return;
      }
      case FieldType::kList: {
        const auto& items = std::get<ListValue>(v).items;
        const Field& element = field.children[0];
        if (items.empty()) {
          AddNulls(LeafCount(element), rep, present, leaf);
          return;
        }
        const size_t first = leaf;
        for (size_t i = 0; i < items.size(); ++i) {
          leaf = first;
          Shred(element, items[i], i == 0 ? rep : depth + 1, present + 1, depth + 1, leaf);
        }
        return;
      }
      case FieldType::kMap: {
        const auto& entries = std::get<MapValue>(v).entries;
        const Field& value_field = field.children[0];
        if (entries.empty()) {
          AddNulls(1 + LeafCount(value_field), rep, present, leaf);
          return;
        }
        const size_t first = leaf;
        for (size_t i = 0; i < entries.size(); ++i) {
          const uint32_t entry_rep = i == 0 ? rep : depth + 1;
          columns_[first]->AddBytes(entry_rep, entries[i].first);
          leaf = first + 1;
          Shred(value_field, entries[i].second, entry_rep, present + 1, depth + 1, leaf);
        }
        return;
      }
      default:
        AddLeaf(field.type, v, rep, *columns_[leaf]);
        ++leaf;
    }
  }

 private:
  void AddNulls(size_t count, uint32_t rep, uint32_t def, size_t& leaf) {
    for (size_t i = 0; i < count; ++i) columns_[leaf++]->AddNull(rep, def);
  }

  static void AddLeaf(FieldType type, const Value::Variant& v, uint32_t rep, ColumnWriter& column) {
    switch (type) {
      case FieldType::kBoolean:
        column.AddInt(rep, std::get<bool>(v) ? 1 : 0);
        return;
      case FieldType::kInt32:
      case FieldType::kDate:
        column.AddInt(rep, std::get<int32_t>(v));
        return;
      case FieldType::kInt64:
      case FieldType::kTimestampMicros:
        column.AddInt(rep, std::get<int64_t>(v));
        return;
      case FieldType::kDouble:
        column.AddDouble(rep, std::get<double>(v));
        return;
      default:
        column.AddBytes(rep, std::get<std::string>(v));
    }
  }

  std::vector<std::unique_ptr<ColumnWriter>>& columns_;
};

ColumnStats EmptyStats(const Field& field) {
  ColumnStats stats;
  stats.name = field.name;
  if (field.type == FieldType::kStruct) {
    for (const Field& child : field.children) stats.children.push_back(EmptyStats(child));
  }
  return stats;
}

void CountNull(ColumnStats& stats) {
  ++stats.null_count;
  for (ColumnStats& child : stats.children) CountNull(child);
}

template <typename T>
void UpdateMinMax(const T& v, ColumnStats& stats) {
  if (stats.min.is_null() || v < std::get<T>(stats.min.get())) stats.min = Value(v);
  if (stats.max.is_null() || std::get<T>(stats.max.get()) < v) stats.max = Value(v);
}

// Adds one checked value to the whole-file statistics of `field`.
void UpdateStats(const Field& field, const Value& value, ColumnStats& stats) {
  if (value.is_null()) {
    CountNull(stats);
    return;
  }
  const Value::Variant& v = value.get();
  if (field.type == FieldType::kStruct) {
    const auto& fields = std::get<StructValue>(v).fields;
    for (size_t i = 0; i < fields.size(); ++i) {
      UpdateStats(field.children[i], fields[i], stats.children[i]);
    }
    return;
  }
  if (field.min_max == MinMaxStats::kSkip) return;
  switch (field.type) {
    case FieldType::kInt32:
    case FieldType::kDate:
      UpdateMinMax(std::get<int32_t>(v), stats);
      return;
    case FieldType::kInt64:
    case FieldType::kTimestampMicros:
      UpdateMinMax(std::get<int64_t>(v), stats);
      return;
    case FieldType::kDouble:
      if (std::isfinite(std::get<double>(v))) {
        UpdateMinMax(std::get<double>(v), stats);
      } else {
        stats.non_finite = true;
      }
      return;
    case FieldType::kString:
      UpdateMinMax(std::get<std::string>(v), stats);
      return;
    default:
      return;
  }
}

}  // namespace

void ParquetWriter::FileCloser::operator()(std::FILE* f) const { std::fclose(f); }

ParquetWriter::ParquetWriter(std::FILE* file, std::filesystem::path path, ParquetSchema schema,
                             ParquetWriterOptions options)
    : file_(file),
      path_(std::move(path)),
      schema_(std::move(schema)),
      options_(std::move(options)),
      row_groups_(std::make_unique<RowGroupState>()) {
  for (const LeafColumn& leaf : schema_.leaves()) {
    columns_.push_back(std::make_unique<ColumnWriter>(leaf, options_));
  }
  for (const Field& field : schema_.fields()) stats_.push_back(EmptyStats(field));
}

ParquetWriter::~ParquetWriter() = default;

Result<std::unique_ptr<ParquetWriter>> ParquetWriter::Create(const std::filesystem::path& path,
                                                             ParquetSchema schema,
                                                             ParquetWriterOptions options) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) {
    return UnavailableError("cannot create " + path.string() + ": " + std::strerror(errno));
  }
  std::unique_ptr<ParquetWriter> writer(
      new ParquetWriter(file, path, std::move(schema), std::move(options)));
  RETURN_IF_ERROR(writer->Write(kMagic));
  return writer;
}

Status ParquetWriter::Write(std::string_view bytes) {
  if (std::fwrite(bytes.data(), 1, bytes.size(), file_.get()) != bytes.size()) {
    return UnavailableError("cannot write " + path_.string() + ": " + std::strerror(errno));
  }
  offset_ += static_cast<int64_t>(bytes.size());
  return Status();
}

Status ParquetWriter::Append(const Row& row) {
  if (closed_) return FailedPreconditionError("the Parquet writer is closed");
  const auto& fields = schema_.fields();
  if (row.size() != fields.size()) {
    return InvalidArgumentError("a row has " + std::to_string(row.size()) + " values for " +
                                std::to_string(fields.size()) + " fields");
  }
  for (size_t i = 0; i < row.size(); ++i) RETURN_IF_ERROR(CheckValue(fields[i], row[i], ""));
  Shredder shredder(columns_);
  size_t leaf = 0;
  for (size_t i = 0; i < row.size(); ++i) {
    shredder.Shred(fields[i], row[i], 0, 0, 0, leaf);
    UpdateStats(fields[i], row[i], stats_[i]);
  }
  ++num_rows_;
  ++buffered_rows_;
  size_t buffered = 0;
  for (const auto& column : columns_) buffered += column->buffered_bytes();
  if (buffered >= options_.row_group_bytes) return Flush();
  return Status();
}

Status ParquetWriter::Flush() {
  if (closed_) return FailedPreconditionError("the Parquet writer is closed");
  if (buffered_rows_ == 0) return Status();
  pq::RowGroup group;
  group.__set_file_offset(offset_);
  group.__set_num_rows(buffered_rows_);
  group.__set_ordinal(static_cast<int16_t>(row_groups_->done.size()));
  group.total_byte_size = 0;
  int64_t compressed = 0;
  for (const auto& column : columns_) {
    ASSIGN_OR_RETURN(EncodedChunk chunk, column->Finish(offset_));
    RETURN_IF_ERROR(Write(chunk.bytes));
    group.total_byte_size += chunk.meta.total_uncompressed_size;
    compressed += chunk.meta.total_compressed_size;
    pq::ColumnChunk column_chunk;
    column_chunk.file_offset = 0;  // deprecated but required; never file_path (spec 2.3)
    column_chunk.__set_meta_data(chunk.meta);  // __set_ copies: it takes a const ref
    group.columns.push_back(std::move(column_chunk));
  }
  group.__set_total_compressed_size(compressed);
  row_groups_->done.push_back(std::move(group));
  buffered_rows_ = 0;
  return Status();
}

Result<ParquetFileInfo> ParquetWriter::Close() {
  RETURN_IF_ERROR(Flush());
  pq::FileMetaData meta;
  meta.version = 1;
  meta.schema = ToSchemaElements(schema_);
  meta.num_rows = num_rows_;
  meta.row_groups = std::move(row_groups_->done);
  meta.__set_created_by(options_.created_by);
  pq::ColumnOrder order;
  order.__set_TYPE_ORDER(pq::TypeDefinedOrder());
  meta.__set_column_orders(std::vector<pq::ColumnOrder>(schema_.leaves().size(), order));
  const std::string footer = SerializeCompact(meta);
  const auto footer_length = static_cast<uint32_t>(footer.size());
  std::string tail(4, '\0');
  for (int i = 0; i < 4; ++i) tail[i] = static_cast<char>((footer_length >> (8 * i)) & 0xff);
  tail += kMagic;
  RETURN_IF_ERROR(Write(footer));
  RETURN_IF_ERROR(Write(tail));
  closed_ = true;
  if (std::fclose(file_.release()) != 0) {
    return UnavailableError("cannot close " + path_.string() + ": " + std::strerror(errno));
  }
  return ParquetFileInfo{num_rows_, static_cast<int64_t>(meta.row_groups.size()), offset_,
                         std::move(stats_)};
}

}  // namespace tracelake::lake
