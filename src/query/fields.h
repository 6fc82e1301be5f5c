// The searchable fields of a trace (internal to src/query): how an identifier resolves to a
// Field, which comparators each field accepts, what type its values have, and the canonical
// spelling ToString prints. The tables mirror MLflow's SearchTraceUtils; docs/search.md is
// the user-facing copy and must change with them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "query/filter.h"
#include "query/lexer.h"
#include "tracelake/status.h"

namespace tracelake::query::internal {

using OpSet = uint32_t;
constexpr OpSet OpBit(Op op) { return OpSet{1} << static_cast<int>(op); }
constexpr bool Contains(OpSet set, Op op) { return (set & OpBit(op)) != 0; }

enum class ValueKind {
  kNumber,        // numeric literal
  kString,        // quoted string
  kStatus,        // quoted trace status, validated and upper-cased
  kTraceId,       // quoted "tr-<32 hex>" or "<32 hex>", normalized to "tr-<lowercase hex>"
  kPrompt,        // quoted "name/version"
};

struct FieldSpec {
  Field field;
  std::string_view description;  // "numeric attribute", "tag", ... for error messages
  ValueKind value_kind = ValueKind::kString;
  OpSet ops = 0;  // comparators the field accepts
};

// Resolves an identifier token (see Lex) to a field. Errors name the token's position and
// list the valid prefixes, attribute keys or span fields.
Result<FieldSpec> ResolveField(const Token& identifier);

// "=, !=, LIKE" in the order of the Op enum.
std::string OpSetText(OpSet ops);

// Canonical left-hand side: "attributes.status", "tags.env", "span.attributes.`a.b`".
std::string CanonicalFieldName(const Field& field);

// A key printed bare when it is a plain word, else in backticks with ` doubled and a
// backslash escaped by a backslash.
std::string QuoteKey(std::string_view key);

}  // namespace tracelake::query::internal
