#include "lake/column_writer.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <unordered_map>
#include <utility>

#include "lake/rle_encoder.h"

namespace tracelake::lake {
namespace {

static_assert(std::endian::native == std::endian::little, "PLAIN is little-endian, as is the host");

// Min/max of byte arrays longer than this are not written: a truncated bound would need a valid
// UTF-8 successor (spec section 2.8, our rule).
constexpr size_t kMaxStatBytes = 64;

template <typename T>
void AppendFixed(T value, std::string& out) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out.append(bytes, sizeof(T));
}

void AppendByteArray(std::string_view value, std::string& out) {
  AppendFixed(static_cast<uint32_t>(value.size()), out);
  out.append(value);
}

pq::CompressionCodec::type ToThrift(Codec codec) {
  switch (codec) {
    case Codec::kUncompressed:
      return pq::CompressionCodec::UNCOMPRESSED;
    case Codec::kSnappy:
      return pq::CompressionCodec::SNAPPY;
    case Codec::kZstd:
      return pq::CompressionCodec::ZSTD;
  }
  return pq::CompressionCodec::UNCOMPRESSED;
}

// The distinct values of a chunk in order of first appearance, and each value's index.
struct Dictionary {
  std::vector<size_t> first_value;  // value position of each entry
  std::vector<uint32_t> indices;    // one per value
  size_t plain_bytes = 0;           // the dictionary page body, uncompressed
};

}  // namespace

ColumnWriter::ColumnWriter(LeafColumn leaf, const ParquetWriterOptions& options)
    : leaf_(std::move(leaf)), options_(options), physical_(PhysicalType(leaf_.type)) {}

void ColumnWriter::AddLevels(uint32_t rep, uint32_t def) {
  if (leaf_.max_repetition_level > 0) rep_levels_.push_back(rep);
  if (leaf_.max_definition_level > 0) def_levels_.push_back(def);
  ++entries_;
  buffered_bytes_ += 1;
}

void ColumnWriter::AddNull(uint32_t rep, uint32_t def) { AddLevels(rep, def); }

void ColumnWriter::AddInt(uint32_t rep, int64_t value) {
  AddLevels(rep, leaf_.max_definition_level);
  ints_.push_back(value);
  buffered_bytes_ += physical_ == pq::Type::INT32 ? 4 : 8;
}

void ColumnWriter::AddDouble(uint32_t rep, double value) {
  AddLevels(rep, leaf_.max_definition_level);
  doubles_.push_back(value);
  buffered_bytes_ += 8;
}

void ColumnWriter::AddBytes(uint32_t rep, std::string_view value) {
  AddLevels(rep, leaf_.max_definition_level);
  arena_.append(value);
  offsets_.push_back(arena_.size());
  buffered_bytes_ += 4 + value.size();
}

size_t ColumnWriter::num_values() const {
  switch (physical_) {
    case pq::Type::DOUBLE:
      return doubles_.size();
    case pq::Type::BYTE_ARRAY:
      return offsets_.size() - 1;
    default:
      return ints_.size();
  }
}

std::string_view ColumnWriter::BytesAt(size_t i) const {
  switch (physical_) {
    case pq::Type::DOUBLE:
      return {reinterpret_cast<const char*>(&doubles_[i]), 8};
    case pq::Type::BYTE_ARRAY:
      return std::string_view(arena_).substr(offsets_[i], offsets_[i + 1] - offsets_[i]);
    case pq::Type::INT32:  // the low 4 bytes of the int64, little-endian
    case pq::Type::BOOLEAN:
      return {reinterpret_cast<const char*>(&ints_[i]), 4};
    default:
      return {reinterpret_cast<const char*>(&ints_[i]), 8};
  }
}

namespace {

// Statistics of a chunk (PT Statistics, spec section 2.8): null_count always; min/max in PLAIN
// form, ints signed, byte arrays unsigned byte-wise, doubles without NaN (nan_count beside).
class StatsBuilder {
 public:
  explicit StatsBuilder(pq::Type::type physical) : physical_(physical) {}

  void AddInt(int64_t v) {
    min_int_ = has_int_ ? std::min(min_int_, v) : v;
    max_int_ = has_int_ ? std::max(max_int_, v) : v;
    has_int_ = true;
  }
  void AddDouble(double v) {
    if (std::isnan(v)) {
      ++nan_count_;
      return;
    }
    min_double_ = has_double_ ? std::min(min_double_, v) : v;
    max_double_ = has_double_ ? std::max(max_double_, v) : v;
    has_double_ = true;
  }
  void AddBytes(std::string_view v) {
    if (v.size() > kMaxStatBytes) too_long_ = true;
    if (too_long_) return;
    min_bytes_ = has_bytes_ ? std::min(min_bytes_, v) : v;
    max_bytes_ = has_bytes_ ? std::max(max_bytes_, v) : v;
    has_bytes_ = true;
  }

  pq::Statistics Build(int64_t null_count, MinMaxStats min_max) const {
    pq::Statistics stats;
    stats.__set_null_count(null_count);
    if (physical_ == pq::Type::DOUBLE) stats.__set_nan_count(nan_count_);
    if (min_max == MinMaxStats::kSkip) return stats;
    std::string min;
    std::string max;
    switch (physical_) {
      case pq::Type::BOOLEAN:
        if (!has_int_) return stats;
        min.push_back(static_cast<char>(min_int_));
        max.push_back(static_cast<char>(max_int_));
        break;
      case pq::Type::INT32:
        if (!has_int_) return stats;
        AppendFixed(static_cast<int32_t>(min_int_), min);
        AppendFixed(static_cast<int32_t>(max_int_), max);
        break;
      case pq::Type::INT64:
        if (!has_int_) return stats;
        AppendFixed(min_int_, min);
        AppendFixed(max_int_, max);
        break;
      case pq::Type::DOUBLE:
        if (!has_double_) return stats;
        // PT ColumnOrder: a zero minimum is written as -0.0 and a zero maximum as +0.0, so
        // readers that compare with either sign of zero keep the row group.
        AppendFixed(min_double_ == 0.0 ? -0.0 : min_double_, min);
        AppendFixed(max_double_ == 0.0 ? 0.0 : max_double_, max);
        break;
      default:
        if (!has_bytes_ || too_long_) return stats;
        min.assign(min_bytes_);
        max.assign(max_bytes_);
    }
    stats.__set_min_value(min);
    stats.__set_max_value(max);
    stats.__set_is_min_value_exact(true);
    stats.__set_is_max_value_exact(true);
    return stats;
  }

 private:
  const pq::Type::type physical_;
  // Plain members with has_* flags rather than std::optional: GCC 12 warns falsely
  // (-Wmaybe-uninitialized) about optionals in this class.
  bool has_int_ = false;
  int64_t min_int_ = 0;
  int64_t max_int_ = 0;
  bool has_double_ = false;
  double min_double_ = 0;
  double max_double_ = 0;
  bool has_bytes_ = false;
  std::string_view min_bytes_;
  std::string_view max_bytes_;
  bool too_long_ = false;
  int64_t nan_count_ = 0;
};

// Appends a page header and its compressed body to `out`; adds both sizes to the totals.
Result<int64_t> AppendPage(pq::PageHeader header, std::string_view body,
                           const ParquetWriterOptions& options, std::string& out,
                           pq::ColumnMetaData& meta) {
  ASSIGN_OR_RETURN(std::string compressed, Compress(options.codec, body, options.zstd_level));
  constexpr size_t kMaxPage = std::numeric_limits<int32_t>::max();
  if (body.size() > kMaxPage || compressed.size() > kMaxPage) {
    return Status(StatusCode::kResourceExhausted, "a Parquet page passed 2 GiB");
  }
  header.__set_uncompressed_page_size(static_cast<int32_t>(body.size()));
  header.__set_compressed_page_size(static_cast<int32_t>(compressed.size()));
  const std::string header_bytes = SerializeCompact(header);
  const auto start = static_cast<int64_t>(out.size());
  out += header_bytes;
  out += compressed;
  // Both totals include every page header, the dictionary page's too (spec section 2.9).
  meta.total_uncompressed_size += static_cast<int64_t>(header_bytes.size() + body.size());
  meta.total_compressed_size += static_cast<int64_t>(header_bytes.size() + compressed.size());
  return start;
}

}  // namespace

Result<EncodedChunk> ColumnWriter::Finish(int64_t file_offset) {
  const size_t values = num_values();
  const bool has_def = leaf_.max_definition_level > 0;
  const bool has_rep = leaf_.max_repetition_level > 0;

  StatsBuilder stats(physical_);
  // Min/max only where the column keeps them (attribute values and JSON text do not).
  for (size_t i = 0; leaf_.min_max == MinMaxStats::kWrite && i < values; ++i) {
    switch (physical_) {
      case pq::Type::DOUBLE:
        stats.AddDouble(doubles_[i]);
        break;
      case pq::Type::BYTE_ARRAY:
        stats.AddBytes(BytesAt(i));
        break;
      default:
        stats.AddInt(ints_[i]);
    }
  }

  // Dictionary: distinct values by their PLAIN bytes (doubles by bit pattern).
  std::optional<Dictionary> dict;
  if (physical_ != pq::Type::BOOLEAN && options_.dictionary != DictionaryMode::kNever &&
      values > 0) {
    Dictionary d;
    d.indices.reserve(values);
    std::unordered_map<std::string_view, uint32_t> index_of;
    index_of.reserve(std::min<size_t>(values, 4096));
    size_t plain_bytes = 0;
    const bool always = options_.dictionary == DictionaryMode::kAlways;
    bool fits = true;
    for (size_t i = 0; i < values; ++i) {
      std::string_view key = BytesAt(i);
      const size_t value_bytes = key.size() + (physical_ == pq::Type::BYTE_ARRAY ? 4 : 0);
      plain_bytes += value_bytes;
      auto [it, inserted] = index_of.emplace(key, static_cast<uint32_t>(d.first_value.size()));
      if (inserted) {
        d.first_value.push_back(i);
        d.plain_bytes += value_bytes;
        // Past the limit the chunk is written PLAIN whatever follows (ids, random text): stop
        // building a dictionary nobody will use.
        if (!always && d.plain_bytes > options_.max_dictionary_bytes) {
          fits = false;
          break;
        }
      }
      d.indices.push_back(it->second);
    }
    const int width = BitWidth(static_cast<uint32_t>(d.first_value.size() - 1));
    const size_t encoded = d.plain_bytes + (values * width + 7) / 8;
    if (always || (fits && encoded < plain_bytes)) {
      dict = std::move(d);
    }
  }

  EncodedChunk chunk;
  pq::ColumnMetaData& meta = chunk.meta;
  meta.__set_type(physical_);
  meta.__set_path_in_schema(leaf_.path);
  meta.__set_codec(ToThrift(options_.codec));
  meta.__set_num_values(static_cast<int64_t>(entries_));  // level entries, nulls included
  meta.total_uncompressed_size = 0;
  meta.total_compressed_size = 0;
  std::vector<pq::Encoding::type> encodings = {pq::Encoding::PLAIN};
  if (has_def || has_rep) encodings.push_back(pq::Encoding::RLE);

  const int index_width = dict ? BitWidth(static_cast<uint32_t>(dict->first_value.size() - 1)) : 0;
  if (dict) {
    encodings.push_back(pq::Encoding::RLE_DICTIONARY);
    std::string body;
    body.reserve(dict->plain_bytes);
    for (size_t i : dict->first_value) {
      if (physical_ == pq::Type::BYTE_ARRAY) {
        AppendByteArray(BytesAt(i), body);
      } else {
        body.append(BytesAt(i));
      }
    }
    pq::DictionaryPageHeader dict_header;
    dict_header.__set_num_values(static_cast<int32_t>(dict->first_value.size()));
    dict_header.__set_encoding(pq::Encoding::PLAIN);
    pq::PageHeader header;
    header.__set_type(pq::PageType::DICTIONARY_PAGE);
    header.__set_dictionary_page_header(dict_header);
    ASSIGN_OR_RETURN(int64_t at, AppendPage(header, body, options_, chunk.bytes, meta));
    meta.__set_dictionary_page_offset(file_offset + at);
  }
  meta.__set_encodings(encodings);

  // Data pages: entries [begin, end), values [value_begin, value_end). A page ends at a row
  // boundary (the next entry has repetition level 0) once its values pass options_.page_bytes.
  const auto max_def = static_cast<uint32_t>(leaf_.max_definition_level);
  auto plain_size = [this](std::string_view v) {
    return v.size() + (physical_ == pq::Type::BYTE_ARRAY ? 4 : 0);
  };
  size_t begin = 0;
  size_t value_begin = 0;
  bool first_page = true;
  while (begin < entries_ || first_page) {
    size_t end = begin;
    size_t value_end = value_begin;
    size_t page_bytes = 0;
    while (end < entries_) {
      if (!has_def || def_levels_[end] == max_def) {
        page_bytes += dict ? 1 : plain_size(BytesAt(value_end));
        ++value_end;
      }
      ++end;
      if (page_bytes >= options_.page_bytes &&
          (!has_rep || end == entries_ || rep_levels_[end] == 0)) {
        break;
      }
    }
    std::string body;
    if (has_rep) {
      AppendLevels({rep_levels_.data() + begin, end - begin}, BitWidth(leaf_.max_repetition_level),
                   body);
    }
    if (has_def) {
      AppendLevels({def_levels_.data() + begin, end - begin}, BitWidth(max_def), body);
    }
    if (dict) {
      body.push_back(static_cast<char>(index_width));
      AppendRleHybrid({dict->indices.data() + value_begin, value_end - value_begin}, index_width,
                      body);
    } else if (physical_ == pq::Type::BOOLEAN) {
      // PLAIN booleans: one bit each, least significant bit first.
      std::vector<uint8_t> bits((value_end - value_begin + 7) / 8);
      for (size_t i = value_begin; i < value_end; ++i) {
        if (ints_[i] != 0) bits[(i - value_begin) / 8] |= 1 << ((i - value_begin) % 8);
      }
      body.append(bits.begin(), bits.end());
    } else {
      for (size_t i = value_begin; i < value_end; ++i) {
        if (physical_ == pq::Type::BYTE_ARRAY) {
          AppendByteArray(BytesAt(i), body);
        } else {
          body.append(BytesAt(i));
        }
      }
    }
    pq::DataPageHeader data_header;
    // One per level entry, nulls included (spec section 2.9).
    data_header.__set_num_values(static_cast<int32_t>(end - begin));
    data_header.__set_encoding(dict ? pq::Encoding::RLE_DICTIONARY : pq::Encoding::PLAIN);
    data_header.__set_definition_level_encoding(pq::Encoding::RLE);
    data_header.__set_repetition_level_encoding(pq::Encoding::RLE);
    pq::PageHeader header;
    header.__set_type(pq::PageType::DATA_PAGE);
    header.__set_data_page_header(data_header);
    ASSIGN_OR_RETURN(int64_t at, AppendPage(header, body, options_, chunk.bytes, meta));
    if (first_page) meta.__set_data_page_offset(file_offset + at);
    first_page = false;
    begin = end;
    value_begin = value_end;
  }

  int64_t null_count = 0;
  for (uint32_t def : def_levels_) null_count += def < max_def ? 1 : 0;
  meta.__set_statistics(stats.Build(null_count, leaf_.min_max));

  entries_ = 0;
  rep_levels_.clear();
  def_levels_.clear();
  ints_.clear();
  doubles_.clear();
  arena_.clear();
  offsets_.assign(1, 0);
  buffered_bytes_ = 0;
  return chunk;
}

}  // namespace tracelake::lake
