// SpanCodec: the compact binary form of a span body (everything that is not a searchable
// column) and of GenAI log records, zstd-compressed when that pays. Format in docs/schema.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "model/log_record.h"
#include "model/span.h"
#include "tracelake/status.h"

namespace tracelake::storage {

// Body of a span: kind, flags, trace_state, status message, scope, attributes, events, links
// and the dropped counts. Ids, name, times and status code live in columns.
std::string EncodeSpanBody(const model::Span& span);
// Fills the body fields of span; kDataLoss on corrupt bytes.
Status DecodeSpanBody(std::string_view bytes, model::Span& span);

std::string EncodeAttributes(const model::Attributes& attrs);
Status DecodeAttributes(std::string_view bytes, model::Attributes& attrs);

std::string EncodeLogRecord(const model::LogRecord& record);
Status DecodeLogRecord(std::string_view bytes, model::LogRecord& record);

}  // namespace tracelake::storage
