// SpanRecord: the SDK's mutable, pooled storage for one span while it is recorded and queued.
// Records are recycled with their string and vector capacity, so recording a span allocates
// nothing once the pool is warm (the hot path of bench/sdk_bench.cc).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/ids.h"
#include "common/mutex.h"
#include "tracelake/span.h"

namespace tracelake::sdk {

enum class AttrKind : uint8_t { kString, kBool, kInt, kDouble, kStringArray };

// One attribute. Keys and string values live back to back in the record's arena, so a span's
// attributes span a few cache lines however many there are (the exporter thread reads them
// and the next recorder writes them again).
struct AttrSlot {
  uint32_t key_offset = 0;
  uint32_t key_size = 0;
  uint32_t value_offset = 0;  // string: arena offset; string array: index into string_arrays_
  uint32_t value_size = 0;
  AttrKind kind = AttrKind::kString;
  int64_t int_value = 0;  // int and bool
  double double_value = 0;
};

struct EventSlot {
  std::string name;
  uint64_t time_unix_nano = 0;
  bool is_exception = false;
  std::string exception_type;
  std::string exception_message;
};

enum class RecordStatus : uint8_t { kUnset = 0, kOk = 1, kError = 2 };

// Confine to the thread that records the span until it is ended; after that the batch
// processor owns it. The trace-level fields (metadata, tags, user, session) live on the
// trace's local root and are guarded by trace_mu, since any thread of the trace may set them.
class SpanRecord {
 public:
  // Clears everything but keeps capacity.
  void Reset();

  void AddString(std::string_view key, std::string_view value);
  void AddBool(std::string_view key, bool value) { Append(key, AttrKind::kBool).int_value = value; }
  void AddInt(std::string_view key, int64_t value) { Append(key, AttrKind::kInt).int_value = value; }
  void AddDouble(std::string_view key, double value) {
    Append(key, AttrKind::kDouble).double_value = value;
  }
  void AddStringArray(std::string_view key, const std::vector<std::string>& values);

  size_t attr_count() const { return attr_count_; }
  const AttrSlot& attr(size_t i) const { return attrs_[i]; }
  std::string_view key(const AttrSlot& a) const { return {arena_.data() + a.key_offset, a.key_size}; }
  std::string_view string_value(const AttrSlot& a) const {
    return {arena_.data() + a.value_offset, a.value_size};
  }
  const std::vector<std::string>& string_array(const AttrSlot& a) const {
    return string_arrays_[a.value_offset];
  }

  EventSlot& AppendEvent();
  size_t event_count() const { return event_count_; }
  const EventSlot& event(size_t i) const { return events_[i]; }

  bool is_local_root() const { return root == this; }

  TraceId trace_id;
  SpanId span_id;
  SpanId parent_span_id;
  uint8_t flags = 1;
  std::string name;
  std::string function_name;
  SpanType type = SpanType::kUnknown;
  SpanKind kind = SpanKind::kInternal;
  uint64_t start_time_unix_nano = 0;
  uint64_t end_time_unix_nano = 0;
  RecordStatus status = RecordStatus::kUnset;
  std::string status_message;

  // The local root of this record's trace (this for a root). A child holds a reference on it.
  SpanRecord* root = nullptr;
  // References: 1 for the span itself (its recorder, then the processor), 1 for each child
  // record and Context that names it as root. At zero the record returns to the pool.
  std::atomic<int> refs{0};

  Mutex trace_mu;
  std::vector<std::pair<std::string, std::string>> trace_metadata TL_GUARDED_BY(trace_mu);
  std::vector<std::pair<std::string, std::string>> trace_tags TL_GUARDED_BY(trace_mu);
  bool trace_sealed TL_GUARDED_BY(trace_mu) = false;  // root exported, later updates dropped

 private:
  AttrSlot& Append(std::string_view key, AttrKind kind);
  uint32_t Store(std::string_view bytes);

  std::string arena_;
  std::vector<AttrSlot> attrs_;
  size_t attr_count_ = 0;
  std::vector<std::vector<std::string>> string_arrays_;
  size_t string_array_count_ = 0;
  std::vector<EventSlot> events_;
  size_t event_count_ = 0;
};

// A free list of records. Safe for concurrent use. Records are never freed (the pool lives as
// long as the process), so a stale pointer can never reach freed memory.
class SpanRecordPool {
 public:
  // A reset record with refs == 1.
  SpanRecord* Acquire() TL_EXCLUDES(mu_);
  void Release(SpanRecord* record) TL_EXCLUDES(mu_);
  // Releases many under one lock (the exporter thread frees whole batches).
  void ReleaseMany(std::vector<SpanRecord*>& records) TL_EXCLUDES(mu_);
  size_t allocated() const TL_EXCLUDES(mu_);

  static SpanRecordPool& Global();

 private:
  mutable Mutex mu_;
  std::vector<std::unique_ptr<SpanRecord>> owned_ TL_GUARDED_BY(mu_);
  std::vector<SpanRecord*> free_ TL_GUARDED_BY(mu_);
};

void Ref(SpanRecord* record);
// Drops one reference; the last one releases the record's reference on its root and returns
// the record to the global pool.
void Unref(SpanRecord* record);
// As Unref, but records that reach zero are appended to *released instead of going back to the
// pool at once; pass them to SpanRecordPool::ReleaseMany.
void UnrefDeferred(SpanRecord* record, std::vector<SpanRecord*>* released);

}  // namespace tracelake::sdk
