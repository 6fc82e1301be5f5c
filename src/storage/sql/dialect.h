// What differs between the SQL backends, and nothing else: the shared SQL layer (filter_sql.h,
// keyset.h, experiment_filter.h) writes standard SQL over the logical schema (docs/schema.md)
// and asks its Dialect only for these few spellings, plus which optional searches the backend
// can serve at all (its capabilities).
//
//   const sql::Dialect& d = sqlite::SqliteDialect::Instance();
//   sql::SqlFragment where;
//   RETURN_IF_ERROR(sql::FilterToSql(d, *expr, where));  // placeholders in d's spelling
//
// A search the backend lacks a capability for is refused (kInvalidArgument naming the field
// and the backend), never approximated. Dialects are immutable: safe for concurrent use.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace tracelake::storage::sql {

// Optional searches. A backend declares the ones it can serve.
enum class Capability : uint32_t {
  // span.attributes.<key>: needs tl_chunk_attr (decodes the zstd span chunks in-process) and a
  // json_each table function.
  kSpanAttributeSearch = 1u << 0,
  // span.content: needs tl_chunk_text, likewise.
  kSpanContentSearch = 1u << 1,
};

// A set of capabilities.
class Capabilities {
 public:
  constexpr Capabilities() = default;
  constexpr Capabilities(std::initializer_list<Capability> caps) {
    for (Capability c : caps) bits_ |= static_cast<uint32_t>(c);
  }
  constexpr bool Has(Capability c) const { return (bits_ & static_cast<uint32_t>(c)) != 0; }

 private:
  uint32_t bits_ = 0;
};

// How a pattern match treats case and the backslash.
enum class CaseSensitivity { kSensitive, kInsensitive };
enum class LikeEscape {
  kNone,       // every character but % and _ is literal (a user's LIKE pattern)
  kBackslash,  // \% \_ \\ are literal % _ \ (patterns built by LikeLiteral)
};

// How a JSON value (assessments.value_json) is read as a scalar.
enum class JsonScalar {
  kText,    // strings unquoted, booleans 'true'/'false', numbers as written, NULL for null
  kNumber,  // a number, or a string holding a finite number, as a double; else NULL
};

class Dialect {
 public:
  // name is how users know the backend ("SQLite", "PostgreSQL"); it appears in error messages.
  constexpr Dialect(std::string_view name, Capabilities caps) : name_(name), caps_(caps) {}
  virtual ~Dialect() = default;
  Dialect(const Dialect&) = delete;
  Dialect& operator=(const Dialect&) = delete;

  std::string_view name() const { return name_; }
  bool Supports(Capability c) const { return caps_.Has(c); }

  // The placeholder of the n-th parameter (1-based) of a statement: "?" or "$n".
  // REQUIRES: parameters are numbered in the order their placeholders appear in the text.
  virtual std::string Placeholder(size_t n) const = 0;

  // "<lhs> matches the LIKE pattern <pattern>" (pattern is SQL, usually a placeholder).
  virtual std::string Like(std::string_view lhs, std::string_view pattern, CaseSensitivity cs,
                           LikeEscape escape) const = 0;

  // "<lhs> contains a match of the regular expression <pattern>" (storage/regex.h syntax,
  // validated before the SQL is built).
  virtual std::string RegexMatch(std::string_view lhs, std::string_view pattern) const = 0;

  // The lowercase hex text of a binary expression (trace ids are 16-byte blobs).
  virtual std::string HexText(std::string_view blob_expr) const = 0;

  // A constant condition ("WHERE 0" is not valid PostgreSQL).
  virtual std::string_view BoolLiteral(bool value) const = 0;

  // The JSON document json_expr read as a scalar.
  virtual std::string JsonValue(std::string_view json_expr, JsonScalar as) const = 0;

 private:
  std::string_view name_;
  Capabilities caps_;
};

}  // namespace tracelake::storage::sql
