// The Variant binary encoding (Parquet VariantEncoding.md, unshredded) of OTel values, for the
// lake's uc-exact mode, where attribute maps, log bodies and annotation values are VARIANT
// columns (shared/spec/delta-parquet.md section 3.2).
//
// A variant is two byte strings: `metadata` (version 1, a sorted dictionary of the object keys
// the value uses) and `value` (a self-describing tree). In Parquet they are the two required
// binary fields of a group annotated VARIANT (Field::Variant).
//
//   VariantBytes v = VariantFromAttributes(span.attributes);  // an object, keys sorted
//   Value column = VariantColumnValue(v);
//
// Mapping from OTel: string -> string (short string under 64 bytes), bool -> boolean, int ->
// the smallest of int8/16/32/64 that holds it, double -> double, bytes -> binary, array ->
// array, kvlist and attribute lists -> object (a repeated key keeps its last value), empty ->
// null. From JSON: objects, arrays, strings, booleans and null likewise; integers that fit in
// int64 -> int, other numbers -> double.
// Pure functions; safe for concurrent use.
#pragma once

#include <string>
#include <string_view>

#include "lake/parquet_value.h"
#include "model/any_value.h"
#include "tracelake/status.h"

namespace tracelake::lake {

struct VariantBytes {
  std::string metadata;
  std::string value;
};

VariantBytes VariantFromAnyValue(const model::AnyValue& value);
VariantBytes VariantFromAttributes(const model::Attributes& attributes);
// kInvalidArgument when `json` is not one valid JSON document.
Result<VariantBytes> VariantFromJson(std::string_view json);

// The Parquet value of a Field::Variant column: a struct of {metadata, value}.
Value VariantColumnValue(VariantBytes variant);

}  // namespace tracelake::lake
