// Conversions between generated OTLP protobuf messages and model types. Internal to src/otlp:
// no other folder sees protobuf types of the data model.
//
// The From* functions take the message by mutable reference and MOVE its strings out (the
// caller discards the message afterwards): on the ingest hot path that halves the allocations
// per attribute. They return false with a reason when the input must be rejected.
#pragma once

#include <string>

#include "model/log_record.h"
#include "model/span.h"
#include "opentelemetry/proto/common/v1/common.pb.h"
#include "opentelemetry/proto/logs/v1/logs.pb.h"
#include "opentelemetry/proto/resource/v1/resource.pb.h"
#include "opentelemetry/proto/trace/v1/trace.pb.h"

namespace tracelake::otlp::internal {

namespace pb_common = ::opentelemetry::proto::common::v1;
namespace pb_resource = ::opentelemetry::proto::resource::v1;
namespace pb_trace = ::opentelemetry::proto::trace::v1;
namespace pb_logs = ::opentelemetry::proto::logs::v1;
using PbAttributes = ::google::protobuf::RepeatedPtrField<pb_common::KeyValue>;

// depth: nesting level of `in` (1 for an attribute value). Fails past kMaxAnyValueDepth.
bool FromProto(pb_common::AnyValue& in, int depth, model::AnyValue& out, std::string& reason);
// Appends to out.
bool FromProto(PbAttributes& in, int depth, model::Attributes& out, std::string& reason);
bool FromProto(pb_resource::Resource& in, model::Resource& out, std::string& reason);
bool FromProto(pb_common::InstrumentationScope& in, model::Scope& out, std::string& reason);
// Checks ids (trace 16 bytes non-zero, span 8 bytes non-zero, parent empty or 8 bytes) and
// ValidateSpan. Links with malformed ids are dropped and counted in dropped_links_count.
bool FromProto(pb_trace::Span& in, model::Span& out, std::string& reason);
// Checks ids (trace empty or 16 bytes, span empty or 8 bytes) and fills event_name.
bool FromProto(pb_logs::LogRecord& in, model::LogRecord& out, std::string& reason);

void ToProto(const model::AnyValue& in, pb_common::AnyValue* out);
void ToProto(const model::Attributes& in, PbAttributes* out);
void ToProto(const model::Resource& in, pb_resource::Resource* out);
void ToProto(const model::Scope& in, pb_common::InstrumentationScope* out);
void ToProto(const model::Span& in, pb_trace::Span* out);
void ToProto(const model::LogRecord& in, pb_logs::LogRecord* out);

}  // namespace tracelake::otlp::internal
