// OTLP trace requests and spans as protobuf bytes, written without the generated message
// classes. Why: the SDK (libtracelake.so) must not register OTLP descriptors in libprotobuf's
// global pool, or an application that links its own copy of the OTLP protos (every
// opentelemetry-cpp OTLP exporter does) aborts at start with "File already exists in
// database". The output is byte-for-byte what the generated SerializeAsString gives for the
// same message (fields in number order, proto3 defaults left out, oneof members always written);
// tests/otlp/encode_test.cc checks that.
#include <cstring>

#include "otlp/encode.h"
#include "otlp/group.h"

namespace tracelake::otlp {
namespace {

enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLen = 2, kFixed32 = 5 };

size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

size_t TagSize(uint32_t field) { return VarintSize(uint64_t{field} << 3); }

// Measures a message tree. Nested message sizes are recorded in visiting (pre-)order so the
// writer, visiting in the same order, can prefix each with its length.
class Sizer {
 public:
  void String(uint32_t field, std::string_view s) {
    if (!s.empty()) ForceString(field, s);
  }
  void ForceString(uint32_t field, std::string_view s) {
    total_ += TagSize(field) + VarintSize(s.size()) + s.size();
  }
  void Varint(uint32_t field, uint64_t v) {
    if (v != 0) ForceVarint(field, v);
  }
  void ForceVarint(uint32_t field, uint64_t v) { total_ += TagSize(field) + VarintSize(v); }
  void Fixed64(uint32_t field, uint64_t v) {
    if (v != 0) ForceFixed64(field, v);
  }
  void ForceFixed64(uint32_t field, uint64_t) { total_ += TagSize(field) + 8; }
  void Fixed32(uint32_t field, uint32_t v) {
    if (v != 0) total_ += TagSize(field) + 4;
  }
  template <typename F>
  void Message(uint32_t field, F&& content) {
    const size_t slot = sizes_.size();
    sizes_.push_back(0);
    const size_t outer = total_;
    total_ = 0;
    content();
    const size_t inner = total_;
    sizes_[slot] = inner;
    total_ = outer + TagSize(field) + VarintSize(inner) + inner;
  }
  size_t total() const { return total_; }
  std::vector<size_t> TakeSizes() { return std::move(sizes_); }

 private:
  size_t total_ = 0;
  std::vector<size_t> sizes_;
};

class Writer {
 public:
  Writer(std::string& out, std::vector<size_t> sizes) : out_(out), sizes_(std::move(sizes)) {}
  void String(uint32_t field, std::string_view s) {
    if (!s.empty()) ForceString(field, s);
  }
  void ForceString(uint32_t field, std::string_view s) {
    Tag(field, kLen);
    PutVarint(s.size());
    out_.append(s);
  }
  void Varint(uint32_t field, uint64_t v) {
    if (v != 0) ForceVarint(field, v);
  }
  void ForceVarint(uint32_t field, uint64_t v) {
    Tag(field, kVarint);
    PutVarint(v);
  }
  void Fixed64(uint32_t field, uint64_t v) {
    if (v != 0) ForceFixed64(field, v);
  }
  void ForceFixed64(uint32_t field, uint64_t v) {
    Tag(field, kFixed64);
    PutLittleEndian(v, 8);
  }
  void Fixed32(uint32_t field, uint32_t v) {
    if (v == 0) return;
    Tag(field, kFixed32);
    PutLittleEndian(v, 4);
  }
  template <typename F>
  void Message(uint32_t field, F&& content) {
    Tag(field, kLen);
    PutVarint(sizes_[next_++]);
    content();
  }

 private:
  void Tag(uint32_t field, WireType type) { PutVarint((uint64_t{field} << 3) | type); }
  void PutVarint(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void PutLittleEndian(uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }

  std::string& out_;
  const std::vector<size_t> sizes_;
  size_t next_ = 0;
};

// One traversal for both passes (V is Sizer or Writer), so they cannot disagree. Field numbers
// are OTLP 1.x's (shared/spec/otlp.md).
template <typename V>
void VisitAttributes(V& v, uint32_t field, const model::Attributes& attributes);

template <typename V>
void VisitAnyValue(V& v, const model::AnyValue& value) {
  const auto& s = value.storage();
  if (const auto* str = std::get_if<std::string>(&s)) {
    v.ForceString(1, *str);
  } else if (const auto* b = std::get_if<bool>(&s)) {
    v.ForceVarint(2, *b ? 1 : 0);
  } else if (const auto* i = std::get_if<int64_t>(&s)) {
    v.ForceVarint(3, static_cast<uint64_t>(*i));
  } else if (const auto* d = std::get_if<double>(&s)) {
    uint64_t bits = 0;
    std::memcpy(&bits, d, sizeof bits);
    v.ForceFixed64(4, bits);
  } else if (const auto* array = std::get_if<model::AnyValue::Array>(&s)) {
    v.Message(5, [&] {
      for (const auto& e : *array) v.Message(1, [&] { VisitAnyValue(v, e); });
    });
  } else if (const auto* kvlist = std::get_if<model::AnyValue::KvList>(&s)) {
    v.Message(6, [&] { VisitAttributes(v, 1, *kvlist); });
  } else if (const auto* bytes = std::get_if<model::Bytes>(&s)) {
    v.ForceString(7, bytes->data);
  }
}

template <typename V>
void VisitAttributes(V& v, uint32_t field, const model::Attributes& attributes) {
  for (const auto& kv : attributes) {
    v.Message(field, [&] {
      v.String(1, kv.key);
      if (!kv.value.empty()) v.Message(2, [&] { VisitAnyValue(v, kv.value); });
    });
  }
}

template <typename V>
void VisitSpan(V& v, const model::Span& span) {
  v.ForceString(1, span.trace_id.AsStringView());
  v.ForceString(2, span.span_id.AsStringView());
  v.String(3, span.trace_state);
  if (!span.parent_span_id.IsZero()) v.ForceString(4, span.parent_span_id.AsStringView());
  v.String(5, span.name);
  v.Varint(6, static_cast<uint64_t>(span.kind));
  v.Fixed64(7, span.start_time_unix_nano);
  v.Fixed64(8, span.end_time_unix_nano);
  VisitAttributes(v, 9, span.attributes);
  v.Varint(10, span.dropped_attributes_count);
  for (const auto& e : span.events) {
    v.Message(11, [&] {
      v.Fixed64(1, e.time_unix_nano);
      v.String(2, e.name);
      VisitAttributes(v, 3, e.attributes);
      v.Varint(4, e.dropped_attributes_count);
    });
  }
  v.Varint(12, span.dropped_events_count);
  for (const auto& l : span.links) {
    v.Message(13, [&] {
      v.ForceString(1, l.trace_id.AsStringView());
      v.ForceString(2, l.span_id.AsStringView());
      v.String(3, l.trace_state);
      VisitAttributes(v, 4, l.attributes);
      v.Varint(5, l.dropped_attributes_count);
      v.Fixed32(6, l.flags);
    });
  }
  v.Varint(14, span.dropped_links_count);
  if (span.status_code != model::SpanStatusCode::kUnset || !span.status_message.empty()) {
    v.Message(15, [&] {
      v.String(2, span.status_message);
      v.Varint(3, static_cast<uint64_t>(span.status_code));
    });
  }
  v.Fixed32(16, span.flags);
}

template <typename V>
void VisitRequest(V& v, const std::vector<internal::ResourceGroup<model::Span>>& groups) {
  for (const auto& group : groups) {
    v.Message(1, [&] {
      if (group.resource != nullptr) {
        v.Message(1, [&] {
          VisitAttributes(v, 1, group.resource->attributes);
          v.Varint(2, group.resource->dropped_attributes_count);
        });
      }
      for (const auto& scope_group : group.scopes) {
        v.Message(2, [&] {
          if (const model::Scope* scope = scope_group.scope) {
            v.Message(1, [&] {
              v.String(1, scope->name);
              v.String(2, scope->version);
              VisitAttributes(v, 3, scope->attributes);
              v.Varint(4, scope->dropped_attributes_count);
            });
          }
          for (const model::Span* span : scope_group.items)
            v.Message(2, [&] { VisitSpan(v, *span); });
          if (scope_group.scope != nullptr) v.String(3, scope_group.scope->schema_url);
        });
      }
      if (group.resource != nullptr) v.String(3, group.resource->schema_url);
    });
  }
}

// Sizes first, then one allocation of the exact size.
template <typename Visit>
std::string Encode(Visit&& visit) {
  Sizer sizer;
  visit(sizer);
  std::string out;
  out.reserve(sizer.total());
  Writer writer(out, sizer.TakeSizes());
  visit(writer);
  return out;
}

}  // namespace

std::string EncodeTracesRequestProtobuf(const std::vector<model::Span>& spans) {
  const auto groups = internal::GroupByResourceAndScope(spans);
  return Encode([&](auto& v) { VisitRequest(v, groups); });
}

std::string EncodeSpanProtobuf(const model::Span& span) {
  return Encode([&](auto& v) { VisitSpan(v, span); });
}

}  // namespace tracelake::otlp
