// Decoding of OTLP export answers: protobuf read from the wire by hand (no generated classes,
// see response.h), JSON with simdjson.
#include "otlp/response.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace tracelake::otlp {
namespace {

constexpr std::string_view kRetryInfoType = "type.googleapis.com/google.rpc.RetryInfo";
// A receiver's answer is small; a larger body is not an OTLP answer.
constexpr size_t kMaxAnswerBytes = 1 << 20;

// A Duration's nanos should share the sign of its seconds and stay below 1 s; a receiver that
// breaks that rule must still never yield a negative delay.
std::chrono::milliseconds ToMillis(int64_t seconds, int64_t nanos) {
  if (seconds < 0) return std::chrono::milliseconds(0);
  seconds = std::min<int64_t>(seconds, int64_t{1} << 40);
  return std::chrono::milliseconds(std::max<int64_t>(0, seconds * 1000 + nanos / 1'000'000));
}

// Protobuf wire fields, one at a time. Groups (wire types 3 and 4) and anything truncated make
// the message malformed: no OTLP answer uses them.
class WireReader {
 public:
  explicit WireReader(std::string_view in) : in_(in) {}

  // The next field's number and wire type; false at the end or on malformed input (ok() tells).
  bool Next(uint32_t& field, uint32_t& type) {
    if (in_.empty() || !ok_) return false;
    uint64_t tag = 0;
    if (!Varint(tag) || (tag >> 3) == 0 || (tag >> 3) > 0x1fffffff) return Fail();
    field = static_cast<uint32_t>(tag >> 3);
    type = static_cast<uint32_t>(tag & 7);
    return true;
  }
  bool Varint(uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (in_.empty()) return Fail();
      const auto byte = static_cast<uint8_t>(in_.front());
      in_.remove_prefix(1);
      v |= uint64_t{byte & 0x7fu} << shift;
      if ((byte & 0x80) == 0) return true;
    }
    return Fail();
  }
  bool Bytes(std::string_view& out) {
    uint64_t n = 0;
    if (!Varint(n) || n > in_.size()) return Fail();
    out = in_.substr(0, n);
    in_.remove_prefix(n);
    return true;
  }
  // Skips a field of this wire type that the caller does not read.
  bool Skip(uint32_t type) {
    uint64_t v = 0;
    std::string_view b;
    switch (type) {
      case 0:
        return Varint(v);
      case 1:
        return Take(8);
      case 2:
        return Bytes(b);
      case 5:
        return Take(4);
      default:
        return Fail();
    }
  }
  bool ok() const { return ok_; }

 private:
  bool Take(size_t n) {
    if (in_.size() < n) return Fail();
    in_.remove_prefix(n);
    return true;
  }
  bool Fail() {
    ok_ = false;
    return false;
  }

  std::string_view in_;
  bool ok_ = true;
};

enum class FieldAction { kRead, kSkip, kMalformed };

// Calls on_field(field, type, reader) for every field; it reads the value and answers kRead,
// or answers kSkip to have it skipped, or kMalformed. False when the message is malformed.
template <typename F>
bool ForEachField(std::string_view message, F&& on_field) {
  WireReader r(message);
  uint32_t field = 0, type = 0;
  while (r.Next(field, type)) {
    const FieldAction action = on_field(field, type, r);
    if (action == FieldAction::kMalformed) return false;
    if (action == FieldAction::kSkip && !r.Skip(type)) return false;
  }
  return r.ok();
}

// google.protobuf.Duration {1: int64 seconds, 2: int32 nanos}.
bool ReadDuration(std::string_view message, std::chrono::milliseconds& out) {
  int64_t seconds = 0, nanos = 0;
  const bool ok = ForEachField(message, [&](uint32_t field, uint32_t type, WireReader& r) {
    uint64_t v = 0;
    if (type != 0 || (field != 1 && field != 2)) return FieldAction::kSkip;
    r.Varint(v);
    if (field == 1)
      seconds = static_cast<int64_t>(v);
    else
      nanos = static_cast<int32_t>(static_cast<uint32_t>(v));
    return FieldAction::kRead;
  });
  if (ok) out = ToMillis(seconds, nanos);
  return ok;
}

// google.protobuf.Any {1: type_url, 2: value}; a google.rpc.RetryInfo {1: Duration} sets delay.
bool ReadDetail(std::string_view message, std::optional<std::chrono::milliseconds>& delay) {
  std::string_view type_url, value;
  const bool ok = ForEachField(message, [&](uint32_t field, uint32_t type, WireReader& r) {
    if (type != 2 || (field != 1 && field != 2)) return FieldAction::kSkip;
    r.Bytes(field == 1 ? type_url : value);
    return FieldAction::kRead;
  });
  if (!ok || type_url != kRetryInfoType) return ok;
  return ForEachField(value, [&](uint32_t field, uint32_t type, WireReader& r) {
    if (field != 1 || type != 2) return FieldAction::kSkip;
    std::string_view duration;
    std::chrono::milliseconds ms{0};
    if (!r.Bytes(duration)) return FieldAction::kRead;  // the walk sees the failure
    if (!ReadDuration(duration, ms)) return FieldAction::kMalformed;
    delay = ms;
    return FieldAction::kRead;
  });
}

// proto3 JSON Duration: "<seconds>[.<fraction>]s".
std::optional<std::chrono::milliseconds> ParseJsonDuration(std::string_view text) {
  if (text.size() < 2 || text.back() != 's') return std::nullopt;
  text.remove_suffix(1);
  double seconds = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(seconds))
    return std::nullopt;
  if (seconds <= 0) return std::chrono::milliseconds(0);
  return std::chrono::milliseconds(static_cast<int64_t>(std::min(seconds, 1e9) * 1000));
}

// An int64 in OTLP/JSON: a number or a decimal string.
std::optional<int64_t> JsonInt(simdjson::dom::element e) {
  int64_t v = 0;
  if (e.get_int64().get(v) == simdjson::SUCCESS) return v;
  std::string_view s;
  if (e.get_string().get(s) == simdjson::SUCCESS) {
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc() && end == s.data() + s.size()) return v;
  }
  return std::nullopt;
}

simdjson::simdjson_result<simdjson::dom::element> Field(simdjson::dom::object o,
                                                        std::string_view camel,
                                                        std::string_view snake) {
  auto v = o.at_key(camel);
  return v.error() == simdjson::SUCCESS ? v : o.at_key(snake);
}

Result<simdjson::dom::object> ParseJsonObject(simdjson::dom::parser& parser, std::string_view body,
                                              std::string_view what) {
  simdjson::dom::element root;
  simdjson::dom::object object;
  if (parser.parse(body.data(), body.size()).get(root) != simdjson::SUCCESS ||
      root.get_object().get(object) != simdjson::SUCCESS) {
    return InvalidArgumentError(std::string(what) + " is not a JSON object");
  }
  return object;
}

}  // namespace

Result<PartialSuccess> DecodeTraceResponse(std::string_view body, WireFormat format) {
  PartialSuccess out;
  if (body.empty()) return out;
  if (body.size() > kMaxAnswerBytes) return InvalidArgumentError("export response is too large");
  if (format == WireFormat::kProtobuf) {
    // ExportTraceServiceResponse {1: ExportTracePartialSuccess {1: rejected_spans, 2: message}}
    const bool ok = ForEachField(body, [&](uint32_t field, uint32_t type, WireReader& r) {
      std::string_view partial;
      if (field != 1 || type != 2) return FieldAction::kSkip;
      if (!r.Bytes(partial)) return FieldAction::kRead;  // the walk sees the failure
      const bool inner_ok = ForEachField(partial, [&](uint32_t f, uint32_t t, WireReader& pr) {
        uint64_t v = 0;
        std::string_view text;
        if (f == 1 && t == 0) {
          if (pr.Varint(v)) out.rejected = std::max<int64_t>(0, static_cast<int64_t>(v));
        } else if (f == 2 && t == 2) {
          if (pr.Bytes(text)) out.error_message = std::string(text);
        } else {
          return FieldAction::kSkip;
        }
        return FieldAction::kRead;
      });
      return inner_ok ? FieldAction::kRead : FieldAction::kMalformed;
    });
    if (!ok) return InvalidArgumentError("export response is not an ExportTraceServiceResponse");
    return out;
  }
  simdjson::dom::parser parser;
  ASSIGN_OR_RETURN(simdjson::dom::object root, ParseJsonObject(parser, body, "export response"));
  simdjson::dom::object partial;
  if (Field(root, "partialSuccess", "partial_success").get_object().get(partial) !=
      simdjson::SUCCESS) {
    return out;  // absent or null: everything was accepted
  }
  simdjson::dom::element e;
  if (Field(partial, "rejectedSpans", "rejected_spans").get(e) == simdjson::SUCCESS)
    out.rejected = std::max<int64_t>(0, JsonInt(e).value_or(0));
  std::string_view message;
  if (Field(partial, "errorMessage", "error_message").get_string().get(message) ==
      simdjson::SUCCESS) {
    out.error_message = std::string(message);
  }
  return out;
}

Result<RpcStatus> DecodeRpcStatus(std::string_view body, WireFormat format) {
  RpcStatus out;
  if (body.size() > kMaxAnswerBytes) return InvalidArgumentError("error body is too large");
  if (format == WireFormat::kProtobuf) {
    // google.rpc.Status {1: int32 code, 2: string message, 3: repeated Any details}
    const bool ok = ForEachField(body, [&](uint32_t field, uint32_t type, WireReader& r) {
      uint64_t v = 0;
      std::string_view bytes;
      if (field == 1 && type == 0) {
        if (r.Varint(v)) out.code = static_cast<int32_t>(static_cast<uint32_t>(v));
      } else if (field == 2 && type == 2) {
        if (r.Bytes(bytes)) out.message = std::string(bytes);
      } else if (field == 3 && type == 2) {
        if (r.Bytes(bytes) && !ReadDetail(bytes, out.retry_delay)) return FieldAction::kMalformed;
      } else {
        return FieldAction::kSkip;
      }
      return FieldAction::kRead;
    });
    if (!ok) return InvalidArgumentError("error body is not a google.rpc.Status");
    return out;
  }
  simdjson::dom::parser parser;
  ASSIGN_OR_RETURN(simdjson::dom::object root, ParseJsonObject(parser, body, "error body"));
  simdjson::dom::element e;
  if (root.at_key("code").get(e) == simdjson::SUCCESS) {
    const auto code = JsonInt(e);
    if (code && *code >= INT32_MIN && *code <= INT32_MAX) out.code = static_cast<int32_t>(*code);
  }
  std::string_view message;
  if (root.at_key("message").get_string().get(message) == simdjson::SUCCESS)
    out.message = std::string(message);
  simdjson::dom::array details;
  if (root.at_key("details").get_array().get(details) == simdjson::SUCCESS) {
    for (simdjson::dom::element d : details) {
      simdjson::dom::object detail;
      std::string_view type, delay;
      if (d.get_object().get(detail) != simdjson::SUCCESS ||
          detail.at_key("@type").get_string().get(type) != simdjson::SUCCESS ||
          type != kRetryInfoType ||
          Field(detail, "retryDelay", "retry_delay").get_string().get(delay) != simdjson::SUCCESS) {
        continue;
      }
      if (auto ms = ParseJsonDuration(delay)) out.retry_delay = ms;
    }
  }
  return out;
}

}  // namespace tracelake::otlp
