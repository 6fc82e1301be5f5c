// Trace context: which trace and span new spans belong to, on this thread and across threads,
// thread pools, async callbacks and processes (W3C traceparent).
//
// Spans nest through a thread-local "current context": a Span started while another is active
// on the same thread becomes its child. Work handed to another thread carries the context
// explicitly:
//
//   tracelake::Context ctx = tracelake::Context::Current();
//   pool.Submit([ctx] {
//     tracelake::ContextScope scope(ctx);               // spans below are children of ctx
//     tracelake::Span span("lookup", tracelake::SpanType::kRetriever);
//   });
//   // or: pool.Submit(tracelake::Wrap([] { ... }));   // captures Context::Current() now
//
// Across processes: send tracelake::CurrentTraceparent() as the `traceparent` HTTP header;
// the callee does ContextScope scope(Context::FromTraceparent(header)).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace tracelake {

namespace sdk {
class SpanRecord;
}  // namespace sdk

// The W3C trace context of one span. All-zero ids mean "no span".
struct SpanContext {
  std::array<uint8_t, 16> trace_id{};
  std::array<uint8_t, 8> span_id{};
  uint8_t trace_flags = 0;  // bit 0: sampled
  bool is_remote = false;   // came from another process (traceparent)

  bool valid() const noexcept;
  std::string TraceIdHex() const;  // 32 lowercase hex digits
  std::string SpanIdHex() const;   // 16 lowercase hex digits
  std::string MlflowTraceId() const { return "tr-" + TraceIdHex(); }
};

// "00-<trace id>-<span id>-<flags>"; empty when sc is not valid.
std::string FormatTraceparent(const SpanContext& sc);
// Parses a W3C traceparent header value (version 00, or a future version read as 00);
// nullopt when malformed or all-zero. The result has is_remote set.
std::optional<SpanContext> ParseTraceparent(std::string_view header);

// A captured trace context. Cheap to copy; keeps what the trace needs alive (trace-level
// metadata set through it still reaches the trace). Safe to copy and use from any thread.
class Context {
 public:
  Context() noexcept = default;
  Context(const Context& other) noexcept;
  Context(Context&& other) noexcept;
  Context& operator=(Context other) noexcept;
  ~Context();

  // The context of this thread: the active span, or the ContextScope in effect; empty if none.
  static Context Current() noexcept;
  // A remote parent from a traceparent header value; empty when the header is malformed.
  static Context FromTraceparent(std::string_view header) noexcept;

  bool valid() const noexcept { return span_context_.valid(); }
  const SpanContext& span_context() const noexcept { return span_context_; }

 private:
  friend class ContextScope;
  friend class Span;
  SpanContext span_context_;
  sdk::SpanRecord* trace_root_ = nullptr;  // a counted reference, or null for remote contexts
};

namespace internal {
// What one thread considers current. Borrowed pointers: the Span or ContextScope that set
// them keeps them alive.
struct ThreadContext {
  SpanContext span_context;
  sdk::SpanRecord* trace_root = nullptr;   // local root of the trace (holds trace metadata)
  sdk::SpanRecord* active_span = nullptr;  // a span owned by this thread, or null
};
}  // namespace internal

// Makes ctx the current context of this thread until destroyed, then restores the previous
// one. Confine to the thread that created it; destroy in reverse order of creation.
class ContextScope {
 public:
  explicit ContextScope(const Context& ctx) noexcept;
  ~ContextScope();
  ContextScope(const ContextScope&) = delete;
  ContextScope& operator=(const ContextScope&) = delete;

 private:
  Context ctx_;
  internal::ThreadContext saved_;
};

// Wraps a callable so that it runs in the context current at the time of wrapping; for
// threads, thread pools and async callbacks.
template <typename F>
auto Wrap(F&& f) {
  return [ctx = Context::Current(), fn = std::forward<F>(f)](auto&&... args) mutable {
    ContextScope scope(ctx);
    return fn(std::forward<decltype(args)>(args)...);
  };
}

// traceparent of the current context; empty when there is none.
std::string CurrentTraceparent();

}  // namespace tracelake
