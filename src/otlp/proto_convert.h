// Conversions between generated OTLP protobuf messages and model types. Internal to src/otlp.
#pragma once

#include "model/any_value.h"
#include "opentelemetry/proto/common/v1/common.pb.h"

namespace tracelake::otlp::internal {

namespace pb_common = opentelemetry::proto::common::v1;

model::AnyValue FromProto(const pb_common::AnyValue& v);
void FromProto(const google::protobuf::RepeatedPtrField<pb_common::KeyValue>& in,
               model::Attributes& out);
void ToProto(const model::AnyValue& v, pb_common::AnyValue* out);
void ToProto(const model::Attributes& in,
             google::protobuf::RepeatedPtrField<pb_common::KeyValue>* out);

}  // namespace tracelake::otlp::internal
