// Reading OTLP/JSON values out of a simdjson DOM. Internal to src/otlp.
//
// OTLP/JSON rules (spec/otlp.md): keys are lowerCamelCase, snake_case accepted too; 64-bit
// integers arrive as numbers or decimal strings; enums as integers (names accepted too); ids
// are hex; bytes values are base64; unknown fields are ignored; null means "not set".
//
// Every Read* returns false with a reason naming the field (never its value: payloads may hold
// secrets) when the value has the wrong type. None of them throws.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "common/ids.h"
#include "model/any_value.h"
#include "otlp/limits.h"
#include "otlp/validate.h"

namespace tracelake::otlp::internal::json {

using Element = simdjson::dom::element;
using Object = simdjson::dom::object;

// Items (spans, log records, events, links, key-values, AnyValues) a request may still create;
// see kMaxItemsPerRequest. Once exhausted the whole request fails.
class ItemBudget {
 public:
  // Takes one item; false (with the reason) when the request holds too many.
  bool Take(std::string& reason) {
    if (--left_ >= 0) return true;
    reason = kTooManyItems;
    return false;
  }
  bool exhausted() const { return left_ < 0; }

 private:
  int64_t left_ = kMaxItemsPerRequest;
};

inline bool KeyIs(std::string_view key, std::string_view camel, std::string_view snake) {
  return key == camel || key == snake;
}

bool ReadString(Element e, std::string_view field, std::string& out, std::string& reason);
bool ReadU64(Element e, std::string_view field, uint64_t& out, std::string& reason);
bool ReadU32(Element e, std::string_view field, uint32_t& out, std::string& reason);
bool ReadI64(Element e, std::string_view field, int64_t& out, std::string& reason);

// An enum as an integer, or as one of `names` (index = value). Unknown names read as 0 (the
// UNSPECIFIED value) rather than failing: a newer sender may know values we do not.
bool ReadEnum(Element e, std::string_view field, std::initializer_list<std::string_view> names,
              int& out, std::string& reason);

// An id as 2*N hex digits. "" or null leave `present` false. Base64 of N bytes (plain proto3
// JSON, which some exporters send by mistake) is accepted too; the lengths cannot collide.
template <size_t N>
bool ReadId(Element e, std::string_view field, ByteId<N>& out, bool& present, std::string& reason);

// depth: nesting level of the value (1 for an attribute value); fails past kMaxAnyValueDepth.
// Takes one item of `budget` per value and key-value.
bool ReadAnyValue(Element e, int depth, ItemBudget& budget, model::AnyValue& out,
                  std::string& reason);
// A JSON array of {key, value}; appends to out.
bool ReadAttributes(Element e, int depth, ItemBudget& budget, model::Attributes& out,
                    std::string& reason);

// Calls fn(element) for each element of an array field; null is an empty array. Stops at the
// first fn that returns false.
template <typename Fn>
bool ForEach(Element e, std::string_view field, std::string& reason, Fn&& fn) {
  if (e.is_null()) return true;
  simdjson::dom::array array;
  if (e.get_array().get(array) != simdjson::SUCCESS) {
    reason = "field '" + std::string(field) + "' must be an array";
    return false;
  }
  for (Element item : array) {
    if (!fn(item)) return false;
  }
  return true;
}

// The object of an object-valued field. False (with reason) when it is neither an object nor
// null; `present` tells null from an object.
bool ReadObject(Element e, std::string_view field, Object& out, bool& present, std::string& reason);

// Decodes standard or URL-safe base64, padding optional. False on any other character.
bool Base64Decode(std::string_view in, std::string& out);

}  // namespace tracelake::otlp::internal::json
