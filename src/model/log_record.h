// LogRecord: one OTLP log record. GenAI instrumentations send prompts and replies this way,
// linked to their span by trace and span id (spec/instrumentations.md, trap 1).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/ids.h"
#include "model/any_value.h"
#include "model/span.h"

namespace tracelake::model {

struct LogRecord {
  uint64_t time_unix_nano = 0;
  uint64_t observed_time_unix_nano = 0;
  int32_t severity_number = 0;
  std::string severity_text;
  AnyValue body;
  Attributes attributes;
  uint32_t dropped_attributes_count = 0;
  uint32_t flags = 0;
  TraceId trace_id;  // zero when the record is not linked to a span
  SpanId span_id;
  std::string event_name;  // field 12, or the "event.name" attribute when the field is absent

  std::shared_ptr<const Resource> resource;
  std::shared_ptr<const Scope> scope;
};

}  // namespace tracelake::model
