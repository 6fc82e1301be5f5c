#include "sdk/span_record.h"

namespace tracelake::sdk {

void SpanRecord::Reset() {
  trace_id = TraceId{};
  span_id = SpanId{};
  parent_span_id = SpanId{};
  flags = 1;
  name.clear();
  function_name.clear();
  type = SpanType::kUnknown;
  kind = SpanKind::kInternal;
  start_time_unix_nano = 0;
  end_time_unix_nano = 0;
  status = RecordStatus::kUnset;
  status_message.clear();
  root = nullptr;
  arena_.clear();
  attr_count_ = 0;
  string_array_count_ = 0;
  event_count_ = 0;
  MutexLock lock(trace_mu);
  trace_metadata.clear();
  trace_tags.clear();
  trace_sealed = false;
}

uint32_t SpanRecord::Store(std::string_view bytes) {
  const auto offset = static_cast<uint32_t>(arena_.size());
  arena_.append(bytes);
  return offset;
}

AttrSlot& SpanRecord::Append(std::string_view key, AttrKind kind) {
  if (attr_count_ == attrs_.size()) attrs_.emplace_back();
  AttrSlot& slot = attrs_[attr_count_++];
  slot.key_offset = Store(key);
  slot.key_size = static_cast<uint32_t>(key.size());
  slot.kind = kind;
  return slot;
}

void SpanRecord::AddString(std::string_view key, std::string_view value) {
  AttrSlot& slot = Append(key, AttrKind::kString);
  slot.value_offset = Store(value);
  slot.value_size = static_cast<uint32_t>(value.size());
}

void SpanRecord::AddStringArray(std::string_view key, const std::vector<std::string>& values) {
  AttrSlot& slot = Append(key, AttrKind::kStringArray);
  if (string_array_count_ == string_arrays_.size()) string_arrays_.emplace_back();
  string_arrays_[string_array_count_] = values;
  slot.value_offset = static_cast<uint32_t>(string_array_count_++);
}

EventSlot& SpanRecord::AppendEvent() {
  if (event_count_ == events_.size()) events_.emplace_back();
  EventSlot& e = events_[event_count_++];
  e.name.clear();
  e.is_exception = false;
  e.exception_type.clear();
  e.exception_message.clear();
  return e;
}

SpanRecord* SpanRecordPool::Acquire() {
  SpanRecord* r = nullptr;
  {
    MutexLock lock(mu_);
    if (!free_.empty()) {
      r = free_.back();
      free_.pop_back();
    } else {
      owned_.push_back(std::make_unique<SpanRecord>());
      r = owned_.back().get();
      // Reserve once so Release never allocates under the lock.
      if (free_.capacity() < owned_.size()) free_.reserve(owned_.capacity());
    }
  }
  r->refs.store(1, std::memory_order_relaxed);
  return r;
}

void SpanRecordPool::Release(SpanRecord* record) {
  record->Reset();
  MutexLock lock(mu_);
  free_.push_back(record);
}

void SpanRecordPool::ReleaseMany(std::vector<SpanRecord*>& records) {
  for (SpanRecord* r : records) r->Reset();
  MutexLock lock(mu_);
  free_.insert(free_.end(), records.begin(), records.end());
  records.clear();
}

size_t SpanRecordPool::allocated() const {
  MutexLock lock(mu_);
  return owned_.size();
}

SpanRecordPool& SpanRecordPool::Global() {
  // Never destroyed: spans may end during static destruction of the application.
  static SpanRecordPool* pool = new SpanRecordPool();  // NOLINT(cppcoreguidelines-owning-memory)
  return *pool;
}

void Ref(SpanRecord* record) { record->refs.fetch_add(1, std::memory_order_relaxed); }

void Unref(SpanRecord* record) {
  if (record->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  SpanRecord* root = record->root;
  SpanRecordPool::Global().Release(record);
  if (root != nullptr && root != record) Unref(root);
}

void UnrefDeferred(SpanRecord* record, std::vector<SpanRecord*>* released) {
  if (record->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  SpanRecord* root = record->root;
  released->push_back(record);
  if (root != nullptr && root != record) UnrefDeferred(root, released);
}

}  // namespace tracelake::sdk
