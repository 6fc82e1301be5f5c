// Span and SpanRef: recording into a pooled SpanRecord on the caller's thread.
#include "tracelake/span.h"

#include "sdk/span_record.h"
#include "sdk/tracer.h"

namespace tracelake {
namespace {

SpanContext ContextOf(const sdk::SpanRecord& r) {
  SpanContext sc;
  sc.trace_id = r.trace_id.bytes;
  sc.span_id = r.span_id.bytes;
  sc.trace_flags = r.flags;
  return sc;
}

}  // namespace

std::string_view SpanTypeName(SpanType type) {
  switch (type) {
    case SpanType::kUnknown: return "UNKNOWN";
    case SpanType::kLlm: return "LLM";
    case SpanType::kChatModel: return "CHAT_MODEL";
    case SpanType::kTool: return "TOOL";
    case SpanType::kRetriever: return "RETRIEVER";
    case SpanType::kAgent: return "AGENT";
    case SpanType::kChain: return "CHAIN";
    case SpanType::kEmbedding: return "EMBEDDING";
    case SpanType::kParser: return "PARSER";
    case SpanType::kReranker: return "RERANKER";
    case SpanType::kMemory: return "MEMORY";
  }
  return "UNKNOWN";
}

void Span::Start(std::string_view name, SpanType type, const Context* parent) noexcept {
  internal::ThreadContext& tc = sdk::CurrentThreadContext();
  saved_ = tc;
  sdk::SpanRecord* r = sdk::SpanRecordPool::Global().Acquire();
  const SpanContext& parent_sc = parent != nullptr ? parent->span_context_ : tc.span_context;
  sdk::SpanRecord* parent_root = parent != nullptr ? parent->trace_root_ : tc.trace_root;
  if (parent_sc.valid()) {
    r->trace_id.bytes = parent_sc.trace_id;
    r->parent_span_id.bytes = parent_sc.span_id;
    r->flags = parent_sc.trace_flags | 1;
    if (parent_root != nullptr) {
      sdk::Ref(parent_root);
      r->root = parent_root;
    } else {
      r->root = r;  // first local span under a remote parent
    }
  } else {
    r->trace_id = sdk::NewTraceId();
    r->root = r;
  }
  r->span_id = sdk::NewSpanId();
  r->name.assign(name);
  r->type = type;
  r->start_time_unix_nano = static_cast<uint64_t>(sdk::Tracer::Get().clock().NowUnixNanos());
  record_ = r;
  tc.span_context = ContextOf(*r);
  tc.trace_root = r->root;
  tc.active_span = r;
}

void Span::End() noexcept {
  sdk::SpanRecord* r = record_;
  if (r == nullptr) return;
  record_ = nullptr;
  r->end_time_unix_nano = static_cast<uint64_t>(sdk::Tracer::Get().clock().NowUnixNanos());
  if (r->end_time_unix_nano < r->start_time_unix_nano) r->end_time_unix_nano = r->start_time_unix_nano;
  sdk::CurrentThreadContext() = saved_;
  sdk::Tracer::Get().OnEnd(r);
}

SpanContext SpanRef::context() const noexcept {
  if (record_ == nullptr) return {};
  return ContextOf(*record_);
}

void SpanRef::SetStringAttribute(std::string_view key, std::string_view value) noexcept {
  record_->AddString(key, value);
}

void SpanRef::SetBoolAttribute(std::string_view key, bool value) noexcept {
  record_->AddBool(key, value);
}

void SpanRef::SetIntAttribute(std::string_view key, int64_t value) noexcept {
  record_->AddInt(key, value);
}

void SpanRef::SetDoubleAttribute(std::string_view key, double value) noexcept {
  record_->AddDouble(key, value);
}

void SpanRef::SetStringArrayAttribute(std::string_view key,
                                      const std::vector<std::string>& values) noexcept {
  record_->AddStringArray(key, values);
}

void SpanRef::SetInputsJson(std::string_view json) noexcept {
  if (record_ == nullptr) return;
  record_->AddString("mlflow.spanInputs", json);
}

void SpanRef::SetOutputsJson(std::string_view json) noexcept {
  if (record_ == nullptr) return;
  record_->AddString("mlflow.spanOutputs", json);
}

void SpanRef::SetType(SpanType type) noexcept {
  if (record_ != nullptr) record_->type = type;
}

void SpanRef::SetKind(SpanKind kind) noexcept {
  if (record_ != nullptr) record_->kind = kind;
}

void SpanRef::SetFunctionName(std::string_view name) noexcept {
  if (record_ != nullptr) record_->function_name.assign(name);
}

void SpanRef::AddEvent(std::string_view name) noexcept {
  if (record_ == nullptr) return;
  sdk::EventSlot& e = record_->AppendEvent();
  e.name.assign(name);
  e.time_unix_nano = static_cast<uint64_t>(sdk::Tracer::Get().clock().NowUnixNanos());
}

void SpanRef::RecordException(std::string_view type, std::string_view message) noexcept {
  if (record_ == nullptr) return;
  sdk::EventSlot& e = record_->AppendEvent();
  e.name.assign("exception");
  e.time_unix_nano = static_cast<uint64_t>(sdk::Tracer::Get().clock().NowUnixNanos());
  e.is_exception = true;
  e.exception_type.assign(type);
  e.exception_message.assign(message);
  record_->status = sdk::RecordStatus::kError;
  record_->status_message.assign(type);
  record_->status_message.append(": ");
  record_->status_message.append(message);
}

void SpanRef::SetError(std::string_view message) noexcept {
  if (record_ == nullptr) return;
  record_->status = sdk::RecordStatus::kError;
  record_->status_message.assign(message);
}

void SpanRef::SetOk() noexcept {
  if (record_ == nullptr) return;
  record_->status = sdk::RecordStatus::kOk;
  record_->status_message.clear();
}

SpanRef CurrentSpan() noexcept { return SpanRef(sdk::CurrentThreadContext().active_span); }

}  // namespace tracelake
