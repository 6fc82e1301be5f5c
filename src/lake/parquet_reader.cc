#include "lake/parquet_reader.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "lake/compression.h"
#include "lake/parquet_format.h"
#include "lake/rle_encoder.h"

namespace tracelake::lake {
namespace {

Status Corrupt(const std::string& what) { return DataLossError("Parquet file: " + what); }

// A bounds-checked cursor over bytes.
class ByteReader {
 public:
  explicit ByteReader(std::string_view bytes) : bytes_(bytes) {}
  bool empty() const { return pos_ >= bytes_.size(); }
  Result<std::string_view> Take(size_t n) {
    if (n > bytes_.size() - pos_) return Corrupt("a page ends early");
    std::string_view out = bytes_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  Result<uint32_t> U32() {
    ASSIGN_OR_RETURN(std::string_view b, Take(4));
    uint32_t v = 0;
    std::memcpy(&v, b.data(), 4);
    return v;
  }
  Result<uint64_t> Uleb128() {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      ASSIGN_OR_RETURN(std::string_view b, Take(1));
      const auto byte = static_cast<uint8_t>(b[0]);
      value |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return value;
    }
    return Corrupt("a varint is too long");
  }

 private:
  std::string_view bytes_;
  size_t pos_ = 0;
};

// `count` values of the RLE/bit-packed hybrid (Encodings.md) at `width` bits.
Status DecodeRleHybrid(ByteReader& in, int width, size_t count, std::vector<uint32_t>& out) {
  if (width < 0 || width > 32) return Corrupt("a bit width is out of range");
  const size_t end = out.size() + count;
  while (out.size() < end) {
    ASSIGN_OR_RETURN(uint64_t header, in.Uleb128());
    if ((header & 1) == 0) {
      ASSIGN_OR_RETURN(std::string_view b, in.Take((width + 7) / 8));
      uint32_t value = 0;
      for (size_t i = 0; i < b.size(); ++i) value |= static_cast<uint32_t>(uint8_t(b[i])) << 8 * i;
      const uint64_t run = header >> 1;
      if (run > end - out.size()) return Corrupt("an RLE run passes the page");
      out.insert(out.end(), run, value);
    } else {
      const uint64_t n = (header >> 1) * 8;
      if (n / 8 > (1u << 28)) return Corrupt("a bit-packed run is too long");
      ASSIGN_OR_RETURN(std::string_view b, in.Take((n * width + 7) / 8));
      for (uint64_t i = 0; i < n; ++i) {
        uint32_t value = 0;
        for (int k = 0; k < width; ++k) {
          const uint64_t bit = i * width + k;
          value |= static_cast<uint32_t>((uint8_t(b[bit / 8]) >> (bit % 8)) & 1) << k;
        }
        if (out.size() < end) out.push_back(value);  // the last group is padded
      }
    }
  }
  return Status();
}

// The decoded entries of one leaf column: levels and the non-null values in order.
struct LeafData {
  std::vector<uint32_t> rep;
  std::vector<uint32_t> def;
  std::vector<Value> values;
  size_t entries = 0;
  // Cursors while rows are assembled.
  size_t entry = 0;
  size_t value = 0;

  uint32_t RepAt(size_t i) const { return rep.empty() ? 0 : rep[i]; }
  uint32_t DefAt(size_t i) const { return def.empty() ? 0 : def[i]; }
};

Result<Value> PlainValue(ByteReader& in, FieldType type) {
  switch (type) {
    case FieldType::kInt32:
    case FieldType::kDate: {
      ASSIGN_OR_RETURN(uint32_t v, in.U32());
      return Value(static_cast<int32_t>(v));
    }
    case FieldType::kInt64:
    case FieldType::kTimestampMicros:
    case FieldType::kDouble: {
      ASSIGN_OR_RETURN(std::string_view b, in.Take(8));
      if (type == FieldType::kDouble) {
        double d = 0;
        std::memcpy(&d, b.data(), 8);
        return Value(d);
      }
      int64_t v = 0;
      std::memcpy(&v, b.data(), 8);
      return Value(v);
    }
    case FieldType::kString:
    case FieldType::kBinary: {
      ASSIGN_OR_RETURN(uint32_t n, in.U32());
      ASSIGN_OR_RETURN(std::string_view b, in.Take(n));
      return Value(std::string(b));
    }
    default:
      return UnimplementedError("PLAIN values of this type are read elsewhere");
  }
}

// The stored number of a Thrift enum field. Thrift's C++ enums have no fixed underlying type,
// so loading a value outside their enumerators (a damaged file) as the enum is undefined.
template <typename Enum>
int32_t Raw(const Enum& value) {
  static_assert(sizeof(Enum) == sizeof(int32_t));
  int32_t raw = 0;
  std::memcpy(&raw, &value, sizeof(raw));
  return raw;
}

Result<Codec> ToCodec(int32_t codec) {
  switch (codec) {
    case pq::CompressionCodec::UNCOMPRESSED:
      return Codec::kUncompressed;
    case pq::CompressionCodec::SNAPPY:
      return Codec::kSnappy;
    case pq::CompressionCodec::ZSTD:
      return Codec::kZstd;
    default:
      return UnimplementedError("Parquet codec " + std::to_string(codec) + " is not supported");
  }
}

// Appends the entries of one column chunk to `data`.
Status ReadChunk(std::string_view file, const pq::ColumnMetaData& meta, const LeafColumn& leaf,
                 LeafData& data) {
  ASSIGN_OR_RETURN(Codec codec, ToCodec(Raw(meta.codec)));
  int64_t pos =
      meta.__isset.dictionary_page_offset ? meta.dictionary_page_offset : meta.data_page_offset;
  if (pos < 0 || meta.total_compressed_size < 0 ||
      pos + meta.total_compressed_size > static_cast<int64_t>(file.size())) {
    return Corrupt("a column chunk lies outside the file");
  }
  const int64_t end = pos + meta.total_compressed_size;
  std::vector<Value> dictionary;
  while (pos < end) {
    pq::PageHeader header;
    ASSIGN_OR_RETURN(size_t used, DeserializeCompact(file.substr(pos, end - pos), header));
    pos += static_cast<int64_t>(used);
    if (header.compressed_page_size < 0 || header.uncompressed_page_size < 0 ||
        pos + header.compressed_page_size > end) {
      return Corrupt("a page passes its column chunk");
    }
    ASSIGN_OR_RETURN(std::string body,
                     Decompress(codec, file.substr(pos, header.compressed_page_size),
                                static_cast<size_t>(header.uncompressed_page_size)));
    pos += header.compressed_page_size;
    ByteReader in(body);
    if (Raw(header.type) == pq::PageType::DICTIONARY_PAGE) {
      dictionary.clear();
      if (header.dictionary_page_header.num_values > header.uncompressed_page_size) {
        return Corrupt("a dictionary page has more values than bytes");
      }
      for (int32_t i = 0; i < header.dictionary_page_header.num_values; ++i) {
        ASSIGN_OR_RETURN(Value v, PlainValue(in, leaf.type));
        dictionary.push_back(std::move(v));
      }
      continue;
    }
    if (Raw(header.type) != pq::PageType::DATA_PAGE) {
      return UnimplementedError("only DataPage V1 and dictionary pages are read");
    }
    // Our writer's pages hold far fewer entries (row groups flush at 64 MiB of buffered
    // values, a byte per null); the cap keeps a corrupt header from asking for gigabytes.
    constexpr int32_t kMaxPageEntries = 1 << 27;
    if (header.data_page_header.num_values < 0 ||
        header.data_page_header.num_values > kMaxPageEntries) {
      return Corrupt("a page has an implausible value count");
    }
    const auto n = static_cast<size_t>(header.data_page_header.num_values);
    if (leaf.max_repetition_level > 0) {
      ASSIGN_OR_RETURN(uint32_t length, in.U32());
      ASSIGN_OR_RETURN(std::string_view bytes, in.Take(length));
      ByteReader levels(bytes);
      RETURN_IF_ERROR(DecodeRleHybrid(levels, BitWidth(leaf.max_repetition_level), n, data.rep));
    }
    size_t present = n;
    if (leaf.max_definition_level > 0) {
      ASSIGN_OR_RETURN(uint32_t length, in.U32());
      ASSIGN_OR_RETURN(std::string_view bytes, in.Take(length));
      ByteReader levels(bytes);
      const size_t first = data.def.size();
      RETURN_IF_ERROR(DecodeRleHybrid(levels, BitWidth(leaf.max_definition_level), n, data.def));
      present = 0;
      for (size_t i = first; i < data.def.size(); ++i) {
        if (data.def[i] > static_cast<uint32_t>(leaf.max_definition_level)) {
          return Corrupt("a definition level passes its maximum");
        }
        present += data.def[i] == static_cast<uint32_t>(leaf.max_definition_level) ? 1 : 0;
      }
    }
    data.entries += n;
    const int32_t encoding = Raw(header.data_page_header.encoding);
    if (encoding == pq::Encoding::RLE_DICTIONARY) {
      if (present == 0) continue;
      ASSIGN_OR_RETURN(std::string_view width, in.Take(1));
      std::vector<uint32_t> indices;
      RETURN_IF_ERROR(DecodeRleHybrid(in, static_cast<uint8_t>(width[0]), present, indices));
      for (uint32_t i : indices) {
        if (i >= dictionary.size()) return Corrupt("a dictionary index is out of range");
        data.values.push_back(dictionary[i]);
      }
    } else if (encoding == pq::Encoding::PLAIN && leaf.type == FieldType::kBoolean) {
      ASSIGN_OR_RETURN(std::string_view bits, in.Take((present + 7) / 8));
      for (size_t i = 0; i < present; ++i) {
        data.values.emplace_back(((static_cast<uint8_t>(bits[i / 8]) >> (i % 8)) & 1) != 0);
      }
    } else if (encoding == pq::Encoding::PLAIN) {
      for (size_t i = 0; i < present; ++i) {
        ASSIGN_OR_RETURN(Value v, PlainValue(in, leaf.type));
        data.values.push_back(std::move(v));
      }
    } else {
      return UnimplementedError("Parquet encoding " + std::to_string(encoding) +
                                " is not supported");
    }
  }
  return Status();
}

size_t LeafCount(const Field& field) {
  if (IsLeafType(field.type)) return 1;
  size_t n = field.type == FieldType::kMap ? 1 : 0;
  for (const Field& child : field.children) n += LeafCount(child);
  return n;
}

// Rebuilds values from the leaves' level entries (the inverse of the writer's Shredder).
class Assembler {
 public:
  explicit Assembler(std::vector<LeafData>& leaves) : leaves_(leaves) {}

  // Reads one instance of `field`, whose parent is present at definition level `parent_def`
  // under `depth` repeated ancestors; its leaves start at `leaf`, which is advanced past them.
  Result<Value> Read(const Field& field, uint32_t parent_def, uint32_t depth, size_t& leaf) {
    const size_t first = leaf;
    const size_t count = LeafCount(field);
    if (first + count > leaves_.size()) return Corrupt("the schema has more columns");
    LeafData& head = leaves_[first];
    if (head.entry >= head.entries) return Corrupt("a column has too few entries");
    const uint32_t def = parent_def + (field.repetition == Repetition::kOptional ? 1 : 0);
    if (head.DefAt(head.entry) < def) {  // null here: one entry in every leaf below
      return Skip(first, count, leaf, Value());
    }
    switch (field.type) {
      case FieldType::kStruct: {
        std::vector<Value> fields;
        for (const Field& child : field.children) {
          ASSIGN_OR_RETURN(Value v, Read(child, def, depth, leaf));
          fields.push_back(std::move(v));
        }
        return Value::Struct(std::move(fields));
      }
      case FieldType::kList:
      case FieldType::kMap: {
        const bool is_map = field.type == FieldType::kMap;
        if (head.DefAt(head.entry) < def + 1) {  // present but empty
          return Skip(first, count, leaf, is_map ? Value::Map({}) : Value::List({}));
        }
        std::vector<Value> items;
        std::vector<std::pair<std::string, Value>> entries;
        do {
          leaf = first;
          if (is_map) {
            LeafData& key = leaves_[leaf++];
            if (key.value >= key.values.size()) return Corrupt("a map key is missing");
            const auto* k = std::get_if<std::string>(&key.values[key.value++].get());
            if (k == nullptr) return Corrupt("a map key is not a string");
            ++key.entry;
            ASSIGN_OR_RETURN(Value v, Read(field.children[0], def + 1, depth + 1, leaf));
            entries.emplace_back(*k, std::move(v));
          } else {
            ASSIGN_OR_RETURN(Value v, Read(field.children[0], def + 1, depth + 1, leaf));
            items.push_back(std::move(v));
          }
        } while (head.entry < head.entries && head.RepAt(head.entry) == depth + 1);
        return is_map ? Value::Map(std::move(entries)) : Value::List(std::move(items));
      }
      default: {
        if (head.value >= head.values.size()) return Corrupt("a column has too few values");
        ++head.entry;
        ++leaf;
        return std::move(head.values[head.value++]);
      }
    }
  }

 private:
  Result<Value> Skip(size_t first, size_t count, size_t& leaf, Value value) {
    for (size_t i = first; i < first + count; ++i) {
      if (leaves_[i].entry >= leaves_[i].entries) return Corrupt("a column has too few entries");
      ++leaves_[i].entry;
    }
    leaf = first + count;
    return value;
  }

  std::vector<LeafData>& leaves_;
};

}  // namespace

Result<std::vector<Row>> ReadParquetRows(const std::filesystem::path& path,
                                         const ParquetSchema& schema) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError("cannot open " + path.string());
  std::stringstream s;
  s << in.rdbuf();
  if (in.bad()) return UnavailableError("cannot read " + path.string());
  const std::string file = s.str();
  ASSIGN_OR_RETURN(pq::FileMetaData meta, ReadFileMetaData(file));
  const std::vector<LeafColumn>& leaves = schema.leaves();
  std::vector<LeafData> data(leaves.size());
  for (const pq::RowGroup& group : meta.row_groups) {
    if (group.columns.size() != leaves.size()) {
      return Corrupt(path.string() + " does not have the expected columns");
    }
    for (size_t i = 0; i < leaves.size(); ++i) {
      const pq::ColumnMetaData& chunk = group.columns[i].meta_data;
      if (chunk.path_in_schema != leaves[i].path || chunk.type != PhysicalType(leaves[i].type)) {
        return Corrupt(path.string() + " does not have the expected columns");
      }
      RETURN_IF_ERROR(ReadChunk(file, chunk, leaves[i], data[i]));
    }
  }
  std::vector<Row> rows;
  rows.reserve(static_cast<size_t>(std::max<int64_t>(meta.num_rows, 0)));
  Assembler assembler(data);
  for (int64_t r = 0; r < meta.num_rows; ++r) {
    Row row;
    size_t leaf = 0;
    for (const Field& field : schema.fields()) {
      ASSIGN_OR_RETURN(Value v, assembler.Read(field, 0, 0, leaf));
      row.push_back(std::move(v));
    }
    rows.push_back(std::move(row));
  }
  for (const LeafData& d : data) {
    if (d.entry != d.entries) return Corrupt(path.string() + " has entries beyond its rows");
  }
  return rows;
}

}  // namespace tracelake::lake
