// JSON text for span inputs and outputs, with no JSON library in the public API.
//
// tracelake::ToJson(value) turns "anything convertible to JSON" into JSON text:
// bool, integers, floating point (non-finite -> null), strings, std::optional, std::pair,
// std::tuple, maps with string keys (objects), other ranges (arrays), RawJson (already JSON),
// any type with a `dump()` member returning JSON text (nlohmann::json), and any user type for
// which ADL finds
//
//   void TracelakeAppendJson(std::string& out, const MyType& value);
//
// Example:
//   struct Order { std::string id; int qty; };
//   void TracelakeAppendJson(std::string& out, const Order& o) {
//     tracelake::JsonObject(out).Add("id", o.id).Add("qty", o.qty);
//   }
//   span.SetInputs(std::vector<Order>{...});   // [{"id":"a","qty":2}, ...]
#pragma once

#include <charconv>
#include <concepts>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

namespace tracelake {

// Text that already is valid JSON; copied verbatim.
struct RawJson {
  std::string text;
};

// Appends s as a JSON string literal (quoted, escaped; invalid UTF-8 becomes U+FFFD).
void AppendJsonString(std::string& out, std::string_view s);
// Appends a double as JSON (shortest round-trip form; NaN and infinities as null).
void AppendJsonDouble(std::string& out, double d);

template <typename T>
void AppendJson(std::string& out, const T& value);

// Writes one JSON object field by field into out; closes it when destroyed.
// Confine to one thread.
class JsonObject {
 public:
  explicit JsonObject(std::string& out) : out_(out) { out_.push_back('{'); }
  ~JsonObject() { out_.push_back('}'); }
  JsonObject(const JsonObject&) = delete;
  JsonObject& operator=(const JsonObject&) = delete;

  template <typename T>
  JsonObject& Add(std::string_view key, const T& value) {
    if (!first_) out_.push_back(',');
    first_ = false;
    AppendJsonString(out_, key);
    out_.push_back(':');
    AppendJson(out_, value);
    return *this;
  }

 private:
  std::string& out_;
  bool first_ = true;
};

namespace json_internal {

template <typename T>
concept HasAdlHook = requires(std::string& out, const T& v) { TracelakeAppendJson(out, v); };
template <typename T>
concept HasDump = requires(const T& v) {
  { v.dump() } -> std::convertible_to<std::string>;
};
template <typename T>
concept StringLike = std::convertible_to<const T&, std::string_view>;
template <typename T>
concept MapLike = requires(const T& m) {
  typename T::key_type;
  typename T::mapped_type;
  requires StringLike<typename T::key_type>;
  m.begin();
  m.end();
};
template <typename T>
concept RangeLike = requires(const T& r) {
  std::begin(r);
  std::end(r);
};
template <typename T>
struct IsOptional : std::false_type {};
template <typename T>
struct IsOptional<std::optional<T>> : std::true_type {};
template <typename T>
concept TupleLike = requires { std::tuple_size<T>::value; } && !RangeLike<T>;

template <typename Tuple, size_t... I>
void AppendTuple(std::string& out, const Tuple& t, std::index_sequence<I...>) {
  out.push_back('[');
  ((out.append(I == 0 ? "" : ","), AppendJson(out, std::get<I>(t))), ...);
  out.push_back(']');
}

}  // namespace json_internal

template <typename T>
void AppendJson(std::string& out, const T& value) {
  using U = std::remove_cvref_t<T>;
  if constexpr (std::is_same_v<U, RawJson>) {
    out.append(value.text.empty() ? std::string_view("null") : std::string_view(value.text));
  } else if constexpr (std::is_same_v<U, std::nullptr_t> || std::is_same_v<U, std::nullopt_t>) {
    out.append("null");
  } else if constexpr (std::is_same_v<U, bool>) {
    out.append(value ? "true" : "false");
  } else if constexpr (std::is_integral_v<U> && !std::is_same_v<U, char>) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof(buf), value);
    out.append(buf, r.ptr);
  } else if constexpr (std::is_floating_point_v<U>) {
    AppendJsonDouble(out, static_cast<double>(value));
  } else if constexpr (std::is_same_v<U, char>) {
    AppendJsonString(out, std::string_view(&value, 1));
  } else if constexpr (json_internal::HasAdlHook<U>) {
    TracelakeAppendJson(out, value);
  } else if constexpr (json_internal::HasDump<U>) {
    out.append(value.dump());
  } else if constexpr (json_internal::StringLike<U>) {
    if constexpr (std::is_pointer_v<U>) {
      if (value == nullptr) {
        out.append("null");
        return;
      }
    }
    AppendJsonString(out, std::string_view(value));
  } else if constexpr (json_internal::IsOptional<U>::value) {
    if (value) AppendJson(out, *value);
    else out.append("null");
  } else if constexpr (json_internal::MapLike<U>) {
    JsonObject obj(out);
    for (const auto& [k, v] : value) obj.Add(std::string_view(k), v);
  } else if constexpr (json_internal::RangeLike<U>) {
    out.push_back('[');
    bool first = true;
    for (const auto& item : value) {
      if (!first) out.push_back(',');
      first = false;
      AppendJson(out, item);
    }
    out.push_back(']');
  } else if constexpr (json_internal::TupleLike<U>) {
    json_internal::AppendTuple(out, value, std::make_index_sequence<std::tuple_size_v<U>>());
  } else {
    static_assert(sizeof(U) == 0,
                  "tracelake: no JSON conversion for this type; define "
                  "TracelakeAppendJson(std::string&, const T&) next to it");
  }
}

template <typename T>
std::string ToJson(const T& value) {
  std::string out;
  AppendJson(out, value);
  return out;
}

}  // namespace tracelake
