// Helpers shared by the OTLP tests: golden files, a span that sets every field, and a field-by-
// field comparison that names the field that differs.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "model/log_record.h"
#include "model/span.h"

namespace tracelake::otlp::testing {

// Contents of tests/data/<relative_path>; fails the test (and returns "") when unreadable.
std::string ReadTestData(std::string_view relative_path);

// 32 / 16 hex digits -> id; aborts the test on malformed input.
TraceId TraceIdFromHex(std::string_view hex);
SpanId SpanIdFromHex(std::string_view hex);

// A span with every field set: all AnyValue kinds (string, bool, int, double, array, kvlist,
// bytes, empty), events, links, status, dropped counts, trace state, flags, resource and scope
// with attributes and schema URLs.
model::Span MakeFullSpan();
// A log record with every field set, linked to MakeFullSpan()'s ids.
model::LogRecord MakeFullLogRecord();

// EXPECTs equality of everything OTLP carries (not the normalized view), resource and scope by
// content.
void ExpectSameSpan(const model::Span& expected, const model::Span& actual);
void ExpectSameLogRecord(const model::LogRecord& expected, const model::LogRecord& actual);

// An AnyValue nested `depth` levels deep (depth 1 = a plain string).
model::AnyValue NestedArrays(int depth);

}  // namespace tracelake::otlp::testing
