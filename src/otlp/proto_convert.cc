#include "otlp/proto_convert.h"

namespace tracelake::otlp::internal {

model::AnyValue FromProto(const pb_common::AnyValue& v) {
  switch (v.value_case()) {
    case pb_common::AnyValue::kStringValue: return model::AnyValue(v.string_value());
    case pb_common::AnyValue::kBoolValue: return model::AnyValue(v.bool_value());
    case pb_common::AnyValue::kIntValue: return model::AnyValue(static_cast<int64_t>(v.int_value()));
    case pb_common::AnyValue::kDoubleValue: return model::AnyValue(v.double_value());
    case pb_common::AnyValue::kArrayValue: {
      model::AnyValue::Array arr;
      arr.reserve(static_cast<size_t>(v.array_value().values_size()));
      for (const auto& e : v.array_value().values()) arr.push_back(FromProto(e));
      return model::AnyValue(std::move(arr));
    }
    case pb_common::AnyValue::kKvlistValue: {
      model::AnyValue::KvList kv;
      FromProto(v.kvlist_value().values(), kv);
      return model::AnyValue(std::move(kv));
    }
    case pb_common::AnyValue::kBytesValue: return model::AnyValue(model::Bytes{v.bytes_value()});
    case pb_common::AnyValue::VALUE_NOT_SET: break;
  }
  return model::AnyValue();
}

void FromProto(const google::protobuf::RepeatedPtrField<pb_common::KeyValue>& in,
               model::Attributes& out) {
  out.reserve(out.size() + static_cast<size_t>(in.size()));
  for (const auto& kv : in) out.push_back(model::KeyValue{kv.key(), FromProto(kv.value())});
}

void ToProto(const model::AnyValue& v, pb_common::AnyValue* out) {
  const auto& s = v.storage();
  switch (s.index()) {
    case 0: break;
    case 1: out->set_string_value(std::get<1>(s)); break;
    case 2: out->set_bool_value(std::get<2>(s)); break;
    case 3: out->set_int_value(std::get<3>(s)); break;
    case 4: out->set_double_value(std::get<4>(s)); break;
    case 5: {
      auto* arr = out->mutable_array_value();
      for (const auto& e : std::get<5>(s)) ToProto(e, arr->add_values());
      break;
    }
    case 6: ToProto(std::get<6>(s), out->mutable_kvlist_value()->mutable_values()); break;
    case 7: out->set_bytes_value(std::get<7>(s).data); break;
  }
}

void ToProto(const model::Attributes& in,
             google::protobuf::RepeatedPtrField<pb_common::KeyValue>* out) {
  for (const auto& kv : in) {
    auto* p = out->Add();
    p->set_key(kv.key);
    ToProto(kv.value, p->mutable_value());
  }
}

}  // namespace tracelake::otlp::internal
