#include "storage/span_codec.h"

#include <zstd.h>

#include <algorithm>
#include <cstring>

namespace tracelake::storage {
namespace {

constexpr uint8_t kRaw = 0;
constexpr uint8_t kZstd = 1;
constexpr size_t kCompressAbove = 128;
constexpr int kMaxDepth = 64;

// Common attribute key text, given to zstd as a raw-content dictionary so that even one
// small span body compresses: the key names of real instrumentations repeat across spans.
constexpr std::string_view kDictionary =
    "mlflow.spanTypemlflow.spanInputsmlflow.spanOutputsmlflow.traceRequestIdmlflow.chat.tokenUsage"
    "mlflow.llm.modelmlflow.llm.providermlflow.spanFunctionName\"CHAT_MODEL\"\"UNKNOWN\"\"TOOL\""
    "gen_ai.operation.namegen_ai.request.modelgen_ai.response.modelgen_ai.systemgen_ai.provider.name"
    "gen_ai.usage.input_tokensgen_ai.usage.output_tokensgen_ai.response.finish_reasons"
    "gen_ai.response.idgen_ai.request.max_tokensgen_ai.request.temperaturegen_ai.input.messages"
    "gen_ai.output.messagesgen_ai.tool.namegen_ai.tool.call.idgen_ai.tool.call.arguments"
    "gen_ai.tool.call.resultopeninference.span.kindllm.model_namellm.systemllm.token_count.prompt"
    "llm.token_count.completionllm.token_count.totalinput.valueinput.mime_typeoutput.value"
    "output.mime_typeapplication/jsontext/plainllm.input_messages.0.message.rolecontent"
    "llm.output_messages.0.message.contentassistantuserhttp.methodhttp.routehttp.status_code"
    "http.request.methodhttp.response.status_codeurl.fullserver.addressserver.portnet.peer.name"
    "db.systemdb.statementrpc.servicerpc.methodexception.typeexception.messageexception.stacktrace"
    "{\"input_tokens\":,\"output_tokens\":,\"total_tokens\":{\"role\":\"\",\"content\":\""
    "http.request.header.x-request-idmessaging.destination.nameuser_agent.originalclient.address"
    "db.system.namedb.collection.namenetwork.peer.addresscode.function.namedb.query.text"
    "url.pathurl.schemeerror.typerpc.systemnetwork.protocol.versionmessaging.system"
    "service.nameservice.versiondeployment.environment.nametelemetry.sdk.language"
    "session.iduser.idllm.invocation_parametersllm.tools.0.tool.json_schema";

struct Dicts {
  ZSTD_CDict* cdict;
  ZSTD_DDict* ddict;
  Dicts()
      : cdict(ZSTD_createCDict(kDictionary.data(), kDictionary.size(), 3)),
        ddict(ZSTD_createDDict(kDictionary.data(), kDictionary.size())) {}
};
const Dicts& GetDicts() {
  static const Dicts d;
  return d;
}

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>(v | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}
void PutString(std::string& out, std::string_view s) {
  PutVarint(out, s.size());
  out.append(s);
}
void PutFixed64(std::string& out, uint64_t v) {
  char b[8];
  std::memcpy(b, &v, 8);
  out.append(b, 8);
}

void PutAny(std::string& out, const model::AnyValue& v);
void PutAttrs(std::string& out, const model::Attributes& attrs) {
  PutVarint(out, attrs.size());
  for (const auto& kv : attrs) {
    PutString(out, kv.key);
    PutAny(out, kv.value);
  }
}
void PutAny(std::string& out, const model::AnyValue& v) {
  const auto& s = v.storage();
  out += static_cast<char>(s.index());
  switch (s.index()) {
    case 0: break;
    case 1: PutString(out, std::get<1>(s)); break;
    case 2: out += static_cast<char>(std::get<2>(s) ? 1 : 0); break;
    case 3: PutVarint(out, static_cast<uint64_t>(std::get<3>(s))); break;
    case 4: {
      uint64_t bits;
      double d = std::get<4>(s);
      std::memcpy(&bits, &d, 8);
      PutFixed64(out, bits);
      break;
    }
    case 5:
      PutVarint(out, std::get<5>(s).size());
      for (const auto& e : std::get<5>(s)) PutAny(out, e);
      break;
    case 6: PutAttrs(out, std::get<6>(s)); break;
    case 7: PutString(out, std::get<7>(s).data); break;
  }
}

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool done() const { return pos_ == in_.size(); }
  uint64_t Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= in_.size()) return Fail();
      auto b = static_cast<uint8_t>(in_[pos_++]);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    return Fail();
  }
  std::string String() {
    uint64_t n = Varint();
    if (!ok_ || n > in_.size() - pos_) return Fail(), std::string();
    std::string s(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  uint8_t Byte() {
    if (pos_ >= in_.size()) return static_cast<uint8_t>(Fail());
    return static_cast<uint8_t>(in_[pos_++]);
  }
  uint64_t Fixed64() {
    if (in_.size() - pos_ < 8) return Fail();
    uint64_t v;
    std::memcpy(&v, in_.data() + pos_, 8);
    pos_ += 8;
    return v;
  }
  std::string_view Raw(size_t n) {
    if (in_.size() - pos_ < n) return Fail(), std::string_view();
    auto s = in_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  // Element counts can never exceed the bytes left (each element takes at least one byte).
  uint64_t Count() {
    uint64_t n = Varint();
    if (n > in_.size() - pos_) return Fail();
    return n;
  }
  uint64_t Fail() {
    ok_ = false;
    pos_ = in_.size();
    return 0;
  }

 private:
  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

model::AnyValue GetAny(Reader& r, int depth);
void GetAttrs(Reader& r, model::Attributes& attrs, int depth) {
  uint64_t n = r.Count();
  attrs.reserve(attrs.size() + n);
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    model::KeyValue kv;
    kv.key = r.String();
    kv.value = GetAny(r, depth + 1);
    attrs.push_back(std::move(kv));
  }
}
model::AnyValue GetAny(Reader& r, int depth) {
  if (depth > kMaxDepth) return r.Fail(), model::AnyValue();
  switch (r.Byte()) {
    case 0: return {};
    case 1: return model::AnyValue(r.String());
    case 2: return model::AnyValue(r.Byte() != 0);
    case 3: return model::AnyValue(static_cast<int64_t>(r.Varint()));
    case 4: {
      uint64_t bits = r.Fixed64();
      double d;
      std::memcpy(&d, &bits, 8);
      return model::AnyValue(d);
    }
    case 5: {
      model::AnyValue::Array arr;
      uint64_t n = r.Count();
      for (uint64_t i = 0; i < n && r.ok(); ++i) arr.push_back(GetAny(r, depth + 1));
      return model::AnyValue(std::move(arr));
    }
    case 6: {
      model::AnyValue::KvList kv;
      GetAttrs(r, kv, depth + 1);
      return model::AnyValue(std::move(kv));
    }
    case 7: return model::AnyValue(model::Bytes{r.String()});
    default: r.Fail(); return {};
  }
}

std::string Frame(std::string raw) {
  if (raw.size() > kCompressAbove) {
    std::string out(1 + ZSTD_compressBound(raw.size()), '\0');
    out[0] = static_cast<char>(kZstd);
    thread_local ZSTD_CCtx* cctx = ZSTD_createCCtx();
    size_t n = ZSTD_compress_usingCDict(cctx, out.data() + 1, out.size() - 1, raw.data(),
                                        raw.size(), GetDicts().cdict);
    if (!ZSTD_isError(n) && n + 1 < raw.size()) {
      out.resize(n + 1);
      return out;
    }
  }
  raw.insert(raw.begin(), static_cast<char>(kRaw));
  return raw;
}

Result<std::string> Unframe(std::string_view bytes) {
  if (bytes.empty()) return DataLossError("empty stored body");
  if (static_cast<uint8_t>(bytes[0]) == kRaw) return std::string(bytes.substr(1));
  if (static_cast<uint8_t>(bytes[0]) != kZstd) return DataLossError("unknown body format");
  unsigned long long size = ZSTD_getFrameContentSize(bytes.data() + 1, bytes.size() - 1);
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > (1ull << 31))
    return DataLossError("corrupt compressed body");
  std::string out(size, '\0');
  thread_local ZSTD_DCtx* dctx = ZSTD_createDCtx();
  size_t n = ZSTD_decompress_usingDDict(dctx, out.data(), out.size(), bytes.data() + 1,
                                        bytes.size() - 1, GetDicts().ddict);
  if (ZSTD_isError(n) || n != size) return DataLossError("corrupt compressed body");
  return out;
}

}  // namespace

std::string EncodeSpanBody(const model::Span& s) {
  std::string out;
  out.reserve(256);
  out += static_cast<char>(s.kind);
  PutVarint(out, s.flags);
  PutString(out, s.trace_state);
  PutString(out, s.status_message);
  PutString(out, s.scope ? s.scope->name : "");
  PutString(out, s.scope ? s.scope->version : "");
  // Only the sender's attributes: the ones normalization appended are derived again on read.
  const size_t derived = std::min(s.view.derived_attribute_count, s.attributes.size());
  PutVarint(out, s.attributes.size() - derived);
  for (size_t i = 0; i + derived < s.attributes.size(); ++i) {
    PutString(out, s.attributes[i].key);
    PutAny(out, s.attributes[i].value);
  }
  PutVarint(out, s.dropped_attributes_count);
  PutVarint(out, s.events.size());
  for (const auto& e : s.events) {
    PutVarint(out, e.time_unix_nano);
    PutString(out, e.name);
    PutAttrs(out, e.attributes);
    PutVarint(out, e.dropped_attributes_count);
  }
  PutVarint(out, s.dropped_events_count);
  PutVarint(out, s.links.size());
  for (const auto& l : s.links) {
    out.append(l.trace_id.AsStringView());
    out.append(l.span_id.AsStringView());
    PutString(out, l.trace_state);
    PutAttrs(out, l.attributes);
    PutVarint(out, l.dropped_attributes_count);
    PutVarint(out, l.flags);
  }
  PutVarint(out, s.dropped_links_count);
  return Frame(std::move(out));
}

Status DecodeSpanBody(std::string_view bytes, model::Span& s) {
  ASSIGN_OR_RETURN(std::string raw, Unframe(bytes));
  Reader r(raw);
  uint8_t kind = r.Byte();
  s.kind = kind <= 5 ? static_cast<model::SpanKind>(kind) : model::SpanKind::kUnspecified;
  s.flags = static_cast<uint32_t>(r.Varint());
  s.trace_state = r.String();
  s.status_message = r.String();
  auto scope = std::make_shared<model::Scope>();
  scope->name = r.String();
  scope->version = r.String();
  s.scope = std::move(scope);
  GetAttrs(r, s.attributes, 0);
  s.dropped_attributes_count = static_cast<uint32_t>(r.Varint());
  uint64_t n = r.Count();
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    model::SpanEvent e;
    e.time_unix_nano = r.Varint();
    e.name = r.String();
    GetAttrs(r, e.attributes, 0);
    e.dropped_attributes_count = static_cast<uint32_t>(r.Varint());
    s.events.push_back(std::move(e));
  }
  s.dropped_events_count = static_cast<uint32_t>(r.Varint());
  n = r.Count();
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    model::SpanLink l;
    auto t = TraceId::FromBytes(r.Raw(16));
    auto sp = SpanId::FromBytes(r.Raw(8));
    if (t) l.trace_id = *t;
    if (sp) l.span_id = *sp;
    l.trace_state = r.String();
    GetAttrs(r, l.attributes, 0);
    l.dropped_attributes_count = static_cast<uint32_t>(r.Varint());
    l.flags = static_cast<uint32_t>(r.Varint());
    s.links.push_back(std::move(l));
  }
  s.dropped_links_count = static_cast<uint32_t>(r.Varint());
  if (!r.ok() || !r.done()) return DataLossError("corrupt span body");
  return OkStatus();
}

std::string EncodeAttributes(const model::Attributes& attrs) {
  std::string out;
  PutAttrs(out, attrs);
  return Frame(std::move(out));
}

Status DecodeAttributes(std::string_view bytes, model::Attributes& attrs) {
  ASSIGN_OR_RETURN(std::string raw, Unframe(bytes));
  Reader r(raw);
  GetAttrs(r, attrs, 0);
  if (!r.ok() || !r.done()) return DataLossError("corrupt attributes");
  return OkStatus();
}

std::string EncodeLogRecord(const model::LogRecord& rec) {
  std::string out;
  PutVarint(out, rec.time_unix_nano);
  PutVarint(out, static_cast<uint64_t>(rec.severity_number));
  PutString(out, rec.event_name);
  PutAny(out, rec.body);
  PutAttrs(out, rec.attributes);
  return Frame(std::move(out));
}

Status DecodeLogRecord(std::string_view bytes, model::LogRecord& rec) {
  ASSIGN_OR_RETURN(std::string raw, Unframe(bytes));
  Reader r(raw);
  rec.time_unix_nano = r.Varint();
  rec.severity_number = static_cast<int32_t>(r.Varint());
  rec.event_name = r.String();
  rec.body = GetAny(r, 0);
  GetAttrs(r, rec.attributes, 0);
  if (!r.ok() || !r.done()) return DataLossError("corrupt log record");
  return OkStatus();
}

}  // namespace tracelake::storage
