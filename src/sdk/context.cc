// Context, ContextScope and W3C traceparent.
#include "tracelake/context.h"

#include "common/ids.h"
#include "sdk/span_record.h"
#include "sdk/tracer.h"

namespace tracelake {
namespace {

constexpr char kHex[] = "0123456789abcdef";

template <size_t N>
std::string HexOf(const std::array<uint8_t, N>& bytes) {
  std::string out(2 * N, '0');
  for (size_t i = 0; i < N; ++i) {
    out[2 * i] = kHex[bytes[i] >> 4];
    out[2 * i + 1] = kHex[bytes[i] & 15];
  }
  return out;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // W3C: lowercase only
}

template <size_t N>
bool ParseHex(std::string_view s, std::array<uint8_t, N>& out) {
  if (s.size() != 2 * N) return false;
  for (size_t i = 0; i < N; ++i) {
    const int hi = HexDigit(s[2 * i]);
    const int lo = HexDigit(s[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<uint8_t>(hi * 16 + lo);
  }
  return true;
}

template <size_t N>
bool AllZero(const std::array<uint8_t, N>& a) {
  for (uint8_t b : a)
    if (b != 0) return false;
  return true;
}

}  // namespace

bool SpanContext::valid() const noexcept { return !AllZero(trace_id) && !AllZero(span_id); }
std::string SpanContext::TraceIdHex() const { return HexOf(trace_id); }
std::string SpanContext::SpanIdHex() const { return HexOf(span_id); }

std::string FormatTraceparent(const SpanContext& sc) {
  if (!sc.valid()) return "";
  std::string out = "00-";
  out += HexOf(sc.trace_id);
  out += '-';
  out += HexOf(sc.span_id);
  out += '-';
  out += kHex[sc.trace_flags >> 4];
  out += kHex[sc.trace_flags & 15];
  return out;
}

std::optional<SpanContext> ParseTraceparent(std::string_view header) {
  // Leading/trailing whitespace is tolerated (HTTP header values).
  while (!header.empty() && (header.front() == ' ' || header.front() == '\t')) header.remove_prefix(1);
  while (!header.empty() && (header.back() == ' ' || header.back() == '\t')) header.remove_suffix(1);
  if (header.size() < 55) return std::nullopt;
  std::array<uint8_t, 1> version{};
  if (!ParseHex(header.substr(0, 2), version) || version[0] == 0xff) return std::nullopt;
  // Version 00 is exactly 55 characters; a later version may append "-..." fields.
  if (version[0] == 0 && header.size() != 55) return std::nullopt;
  if (header.size() > 55 && header[55] != '-') return std::nullopt;
  if (header[2] != '-' || header[35] != '-' || header[52] != '-') return std::nullopt;
  SpanContext sc;
  std::array<uint8_t, 1> flags{};
  if (!ParseHex(header.substr(3, 32), sc.trace_id) || !ParseHex(header.substr(36, 16), sc.span_id) ||
      !ParseHex(header.substr(53, 2), flags)) {
    return std::nullopt;
  }
  if (!sc.valid()) return std::nullopt;
  sc.trace_flags = flags[0];
  sc.is_remote = true;
  return sc;
}

Context::Context(const Context& other) noexcept
    : span_context_(other.span_context_), trace_root_(other.trace_root_) {
  if (trace_root_ != nullptr) sdk::Ref(trace_root_);
}

Context::Context(Context&& other) noexcept
    : span_context_(other.span_context_), trace_root_(other.trace_root_) {
  other.trace_root_ = nullptr;
  other.span_context_ = SpanContext{};
}

Context& Context::operator=(Context other) noexcept {
  std::swap(span_context_, other.span_context_);
  std::swap(trace_root_, other.trace_root_);
  return *this;
}

Context::~Context() {
  if (trace_root_ != nullptr) sdk::Unref(trace_root_);
}

Context Context::Current() noexcept {
  const internal::ThreadContext& tc = sdk::CurrentThreadContext();
  Context ctx;
  if (!tc.span_context.valid()) return ctx;
  ctx.span_context_ = tc.span_context;
  ctx.trace_root_ = tc.trace_root;
  if (ctx.trace_root_ != nullptr) sdk::Ref(ctx.trace_root_);
  return ctx;
}

Context Context::FromTraceparent(std::string_view header) noexcept {
  Context ctx;
  if (auto sc = ParseTraceparent(header)) ctx.span_context_ = *sc;
  return ctx;
}

ContextScope::ContextScope(const Context& ctx) noexcept : ctx_(ctx) {
  internal::ThreadContext& tc = sdk::CurrentThreadContext();
  saved_ = tc;
  tc.span_context = ctx_.span_context();
  tc.trace_root = ctx_.trace_root_;
  tc.active_span = nullptr;  // the span belongs to another thread (or process)
}

ContextScope::~ContextScope() { sdk::CurrentThreadContext() = saved_; }

std::string CurrentTraceparent() {
  return FormatTraceparent(sdk::CurrentThreadContext().span_context);
}

}  // namespace tracelake
