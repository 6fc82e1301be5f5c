// Checks shared by the protobuf and JSON decoders. Internal to src/otlp.
#pragma once

#include <string>
#include <string_view>

#include "model/log_record.h"
#include "model/span.h"

namespace tracelake::otlp {

// Limits on one span, so a hostile exporter cannot make one span cost unbounded memory later.
inline constexpr size_t kMaxNameBytes = 64 * 1024;
inline constexpr size_t kMaxAttributesPerSpan = 100000;

// False with a reason when the span must be rejected (ids are checked by the caller).
bool ValidateSpan(const model::Span& s, std::string& reason);

// Sets trace/span ids of a log record from raw bytes: both empty (unlinked) or 16 + 8 bytes.
bool SetLogIds(model::LogRecord& r, std::string_view trace_id, std::string_view span_id,
               std::string& reason);
// Fills event_name from the "event.name" attribute when field 12 is empty.
void FinishLogRecord(model::LogRecord& r);

}  // namespace tracelake::otlp
