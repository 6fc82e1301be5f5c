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
#include <vector>

#include "tracelake/context.h"
#include "tracelake/json.h"
#include "tracelake/span_type.h"

namespace tracelake {

namespace internal {
// True between tracelake::StartTracing and ShutdownTracing.
extern std::atomic<bool> g_tracing_enabled;
inline bool TracingEnabled() noexcept { return g_tracing_enabled.load(std::memory_order_relaxed); }
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
