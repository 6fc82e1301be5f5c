// Span: one timed operation of a trace, recorded while a Span object is alive.
//
//   {
//     tracelake::Span span("retrieve_docs", tracelake::SpanType::kRetriever);
//     span.SetInputs(query);                  // anything tracelake::ToJson accepts
//     span.SetAttribute("k", 3);
//     auto docs = Retrieve(query);            // spans started in here are children
//     span.SetOutputs(docs);
//   }                                         // ends here
//
// or, in a function, record the answer where it is returned:
//
//     return span.Return(Retrieve(query));    // outputs = the value, returned unchanged
//
// A Span becomes the current span of its thread until it ends. When tracing is not started
// (or shut down) a Span records nothing and costs a branch. Spans never throw and never block
// on the exporter: ending one hands it to the batch processor's bounded queue, or drops it
// (counted) when the queue is full.
//
// Thread-safety: a Span is confined to the thread that started it; end spans of one thread in
// reverse order of start (as scopes do). Carry context to other threads with tracelake::Context.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "tracelake/context.h"
#include "tracelake/json.h"
#include "tracelake/span_type.h"
#include "tracelake/status.h"

namespace tracelake {

class SpanRef;

namespace internal {
// True between tracelake::StartTracing and ShutdownTracing.
extern std::atomic<bool> g_tracing_enabled;
inline bool TracingEnabled() noexcept { return g_tracing_enabled.load(std::memory_order_relaxed); }

template <typename T>
struct IsResult : std::false_type {};
template <typename T>
struct IsResult<Result<T>> : std::true_type {};

// What SpanRef::Return and Traced() record for a returned value (defined below SpanRef).
template <typename T>
void RecordReturnValue(SpanRef span, const T& value) noexcept;
}  // namespace internal

enum class SpanKind : uint8_t { kInternal = 1, kServer = 2, kClient = 3, kProducer = 4, kConsumer = 5 };

// A borrowed handle to a live span; every method is a no-op on an empty handle. Confine to the
// span's thread and do not keep it past the span's end.
class SpanRef {
 public:
  SpanRef() noexcept = default;

  bool IsRecording() const noexcept { return record_ != nullptr; }
  SpanContext context() const noexcept;

  // Each setter is a no-op (one inlined branch) when the span is not recording.
  void SetAttribute(std::string_view key, std::string_view value) noexcept {
    if (record_ != nullptr) SetStringAttribute(key, value);
  }
  void SetAttribute(std::string_view key, const char* value) noexcept {
    if (record_ != nullptr) SetStringAttribute(key, value == nullptr ? "" : value);
  }
  void SetAttribute(std::string_view key, const std::string& value) noexcept {
    if (record_ != nullptr) SetStringAttribute(key, value);
  }
  void SetAttribute(std::string_view key, bool value) noexcept {
    if (record_ != nullptr) SetBoolAttribute(key, value);
  }
  void SetAttribute(std::string_view key, int64_t value) noexcept {
    if (record_ != nullptr) SetIntAttribute(key, value);
  }
  void SetAttribute(std::string_view key, int value) noexcept {
    if (record_ != nullptr) SetIntAttribute(key, value);
  }
  void SetAttribute(std::string_view key, double value) noexcept {
    if (record_ != nullptr) SetDoubleAttribute(key, value);
  }
  void SetAttribute(std::string_view key, const std::vector<std::string>& values) noexcept {
    if (record_ != nullptr) SetStringArrayAttribute(key, values);
  }

  // mlflow.spanInputs / mlflow.spanOutputs, as JSON. Nothing is serialized when not recording.
  template <typename T>
  void SetInputs(const T& value) {
    if (record_ != nullptr) SetInputsJson(ToJson(value));
  }
  template <typename T>
  void SetOutputs(const T& value) {
    if (record_ != nullptr) SetOutputsJson(ToJson(value));
  }
  // Records value as the span's outputs and returns it unchanged, for the return statement of
  // a traced function:
  //
  //   return tracelake_span.Return(answer);              // a copy of answer is returned
  //   return tracelake_span.Return(std::move(answer));   // moved, never copied
  //   return tracelake_span.Return(BuildAnswer());       // moved, never copied
  //
  // An rvalue is moved into the returned value; an lvalue is passed through by reference (so
  // functions returning references work too). value is serialized like SetOutputs (ToJson,
  // including a TracelakeAppendJson of the user's type) and only when the span records. A
  // Result<T> records its value when ok and status ERROR with the status's text otherwise; a
  // Status records ERROR when not ok. Never throws: a serializer that throws leaves the
  // outputs unset. Use it in return statements only: the result of Return(prvalue) is a
  // temporary.
  template <typename T>
  T Return(T&& value) noexcept(std::is_lvalue_reference_v<T> ||
                               std::is_nothrow_move_constructible_v<T>) {
    if (record_ != nullptr) internal::RecordReturnValue(*this, std::as_const(value));
    return std::forward<T>(value);
  }

  // REQUIRES: json is valid JSON text.
  void SetInputsJson(std::string_view json) noexcept;
  void SetOutputsJson(std::string_view json) noexcept;

  void SetType(SpanType type) noexcept;
  void SetKind(SpanKind kind) noexcept;
  // mlflow.spanFunctionName.
  void SetFunctionName(std::string_view name) noexcept;

  void AddEvent(std::string_view name) noexcept;
  // Status ERROR with "type: message", plus an "exception" event carrying exception.type and
  // exception.message (OTel semantic conventions, as MLflow records Python exceptions).
  void RecordException(std::string_view type, std::string_view message) noexcept;
  void SetError(std::string_view message) noexcept;
  void SetOk() noexcept;

 protected:
  explicit SpanRef(sdk::SpanRecord* record) noexcept : record_(record) {}
  // REQUIRES: record_ != nullptr.
  void SetStringAttribute(std::string_view key, std::string_view value) noexcept;
  void SetBoolAttribute(std::string_view key, bool value) noexcept;
  void SetIntAttribute(std::string_view key, int64_t value) noexcept;
  void SetDoubleAttribute(std::string_view key, double value) noexcept;
  void SetStringArrayAttribute(std::string_view key, const std::vector<std::string>& values) noexcept;
  sdk::SpanRecord* record_ = nullptr;

  friend SpanRef CurrentSpan() noexcept;
};

namespace internal {
template <typename T>
void RecordReturnValue(SpanRef span, const T& value) noexcept {
  if (!span.IsRecording()) return;
  try {
    if constexpr (std::is_same_v<T, Status>) {
      if (!value.ok()) span.SetError(value.ToString());
    } else if constexpr (IsResult<T>::value) {
      if (value.ok()) {
        RecordReturnValue(span, *value);
      } else {
        span.SetError(value.status().ToString());
      }
    } else {
      span.SetOutputs(value);
    }
  } catch (...) {  // NOLINT(bugprone-empty-catch): the user's process must not see it
    // A TracelakeAppendJson that throws, or no memory: the span keeps no outputs.
  }
}
}  // namespace internal

// The active span of this thread (not of a ContextScope from another thread); empty if none.
SpanRef CurrentSpan() noexcept;

class Span : public SpanRef {
 public:
  // A child of the current context, or a new trace's root.
  explicit Span(std::string_view name, SpanType type = SpanType::kUnknown) noexcept {
    if (internal::TracingEnabled()) Start(name, type, nullptr);
  }
  // A child of parent (for example a remote parent from Context::FromTraceparent); a new root
  // when parent is empty.
  Span(std::string_view name, SpanType type, const Context& parent) noexcept {
    if (internal::TracingEnabled()) Start(name, type, &parent);
  }
  ~Span() {
    if (record_ != nullptr) End();
  }
  Span(const Span&) = delete;
  Span& operator=(const Span&) = delete;

  // Ends the span now (idempotent). Restores the context that was current at its start.
  void End() noexcept;

 private:
  void Start(std::string_view name, SpanType type, const Context* parent) noexcept;
  internal::ThreadContext saved_;
};

}  // namespace tracelake
