#include "otlp/wire_scan.h"

#include "otlp/limits.h"

namespace tracelake::otlp::internal {
namespace {

// The OTLP message types that contain counted items, and what their fields hold.
enum class Msg {
  kNone,  // not descended into (scalar, string or unknown field)
  kTracesRequest,
  kLogsRequest,
  kResourceSpans,
  kResourceLogs,
  kResource,
  kScopeSpans,
  kScopeLogs,
  kScope,
  kSpan,
  kEvent,
  kLink,
  kLogRecord,
  kKeyValue,
  kAnyValue,
  kArrayValue,
  kKvList,
};

// The message type of length-delimited field `field` of `msg` (field numbers: spec/otlp.md).
Msg Child(Msg msg, uint64_t field) {
  switch (msg) {
    case Msg::kTracesRequest:
      return field == 1 ? Msg::kResourceSpans : Msg::kNone;
    case Msg::kLogsRequest:
      return field == 1 ? Msg::kResourceLogs : Msg::kNone;
    case Msg::kResourceSpans:
      return field == 1 ? Msg::kResource : field == 2 ? Msg::kScopeSpans : Msg::kNone;
    case Msg::kResourceLogs:
      return field == 1 ? Msg::kResource : field == 2 ? Msg::kScopeLogs : Msg::kNone;
    case Msg::kResource:
      return field == 1 ? Msg::kKeyValue : Msg::kNone;
    case Msg::kScopeSpans:
      return field == 1 ? Msg::kScope : field == 2 ? Msg::kSpan : Msg::kNone;
    case Msg::kScopeLogs:
      return field == 1 ? Msg::kScope : field == 2 ? Msg::kLogRecord : Msg::kNone;
    case Msg::kScope:
      return field == 3 ? Msg::kKeyValue : Msg::kNone;
    case Msg::kSpan:
      return field == 9    ? Msg::kKeyValue
             : field == 11 ? Msg::kEvent
             : field == 13 ? Msg::kLink
                           : Msg::kNone;
    case Msg::kEvent:
      return field == 3 ? Msg::kKeyValue : Msg::kNone;
    case Msg::kLink:
      return field == 4 ? Msg::kKeyValue : Msg::kNone;
    case Msg::kLogRecord:
      return field == 5 ? Msg::kAnyValue : field == 6 ? Msg::kKeyValue : Msg::kNone;
    case Msg::kKeyValue:
      return field == 2 ? Msg::kAnyValue : Msg::kNone;
    case Msg::kAnyValue:
      return field == 5 ? Msg::kArrayValue : field == 6 ? Msg::kKvList : Msg::kNone;
    case Msg::kArrayValue:
      return field == 1 ? Msg::kAnyValue : Msg::kNone;
    case Msg::kKvList:
      return field == 1 ? Msg::kKeyValue : Msg::kNone;
    case Msg::kNone:
      return Msg::kNone;
  }
  return Msg::kNone;
}

bool Counted(Msg msg) {
  return msg == Msg::kSpan || msg == Msg::kLogRecord || msg == Msg::kEvent || msg == Msg::kLink ||
         msg == Msg::kKeyValue || msg == Msg::kAnyValue;
}

bool ReadVarint(const char*& p, const char* end, uint64_t& out) {
  out = 0;
  for (int shift = 0; shift < 70 && p < end; shift += 7) {
    const auto byte = static_cast<uint8_t>(*p++);
    out |= static_cast<uint64_t>(byte & 0x7f) << (shift < 64 ? shift : 0);
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

class Scanner {
 public:
  explicit Scanner(int64_t limit) : limit_(limit) {}
  int64_t count() const { return count_; }

  // Walks one message (or, with end_group_field != 0, the body of a group) from p. Returns false
  // to stop: malformed data, too deep, or over the limit.
  bool Walk(const char*& p, const char* end, Msg msg, int depth, uint64_t end_group_field) {
    while (p < end) {
      uint64_t tag = 0;
      if (!ReadVarint(p, end, tag)) return false;
      const uint64_t field = tag >> 3;
      uint64_t skip = 0;
      switch (tag & 7) {
        case 0:
          if (!ReadVarint(p, end, skip)) return false;
          break;
        case 1:
          if (end - p < 8) return false;
          p += 8;
          break;
        case 5:
          if (end - p < 4) return false;
          p += 4;
          break;
        case 2: {
          uint64_t length = 0;
          if (!ReadVarint(p, end, length) || length > static_cast<uint64_t>(end - p)) return false;
          const char* child_end = p + length;
          const Msg child = Child(msg, field);
          if (child != Msg::kNone) {
            if (Counted(child) && ++count_ > limit_) return false;
            if (depth + 1 > kMaxProtoRecursion) return false;
            const char* q = p;
            if (!Walk(q, child_end, child, depth + 1, 0)) return false;
          }
          p = child_end;
          break;
        }
        case 3:  // unknown group: the parser keeps it, so walk to its end
          if (depth + 1 > kMaxProtoRecursion) return false;
          if (!Walk(p, end, Msg::kNone, depth + 1, field == 0 ? ~uint64_t{0} : field)) return false;
          break;
        case 4:
          return end_group_field != 0 && field == end_group_field;
        default:
          return false;
      }
    }
    return end_group_field == 0;
  }

 private:
  int64_t count_ = 0;
  const int64_t limit_;
};

}  // namespace

int64_t CountWireItems(std::string_view body, WireRequest request, int64_t limit) {
  const Msg top = request == WireRequest::kTraces ? Msg::kTracesRequest
                  : request == WireRequest::kLogs ? Msg::kLogsRequest
                                                  : Msg::kSpan;
  Scanner scanner(limit);
  const char* p = body.data();
  scanner.Walk(p, body.data() + body.size(), top, 0, 0);
  return scanner.count();
}

}  // namespace tracelake::otlp::internal
