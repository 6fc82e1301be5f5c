#include "storage/span_codec.h"

#include <zstd.h>

#include <cstring>

namespace tracelake::storage {
namespace {

constexpr uint8_t kFrameRaw = 0;
constexpr uint8_t kFrameZstd = 1;
constexpr size_t kCompressAbove = 64;
// Level 1 below kLargeFrame, 3 above. On profile A chunks (one trace's 8 spans, ~4 KiB) level 1
// is ~1.6x faster than 3 and as small: the whole input fits the window and the fast strategy
// finds the same repeats. On 27 KiB chunks of LLM spans (profile B) the two take the same time
// and level 3 is ~7% smaller.
constexpr int kSmallFrameLevel = 1;
constexpr int kLargeFrameLevel = 3;
constexpr size_t kLargeFrame = 16 << 10;
constexpr uint64_t kMaxDecompressed = 256ull << 20;
constexpr int kMaxDepth = 64;

// Common attribute key text, given to zstd as a raw-content dictionary: the first span of a
// chunk (and a lone log record) then compresses too, because real instrumentations repeat
// these names. Changing this text changes how stored frames decode: append-only, never edit
// (a new dictionary needs a new frame byte).
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

struct Dictionaries {
  ZSTD_CDict* small_cdict =
      ZSTD_createCDict(kDictionary.data(), kDictionary.size(), kSmallFrameLevel);
  ZSTD_CDict* large_cdict =
      ZSTD_createCDict(kDictionary.data(), kDictionary.size(), kLargeFrameLevel);
  ZSTD_DDict* ddict = ZSTD_createDDict(kDictionary.data(), kDictionary.size());
};
const Dictionaries& Dicts() {
  static const Dictionaries d;
  return d;
}

// One compression and one decompression context per thread, freed when the thread ends.
struct ThreadContexts {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_DCtx* dctx = ZSTD_createDCtx();
  ThreadContexts() = default;
  ThreadContexts(const ThreadContexts&) = delete;
  ThreadContexts& operator=(const ThreadContexts&) = delete;
  ~ThreadContexts() {
    ZSTD_freeCCtx(cctx);
    ZSTD_freeDCtx(dctx);
  }
};
ThreadContexts& Contexts() {
  thread_local ThreadContexts contexts;
  return contexts;
}

void PutString(std::string& out, std::string_view s) {
  PutVarint(out, s.size());
  out.append(s);
}

void PutAny(std::string& out, const model::AnyValue& v, int depth);
void PutAttrs(std::string& out, const model::Attributes& attrs, int depth) {
  PutVarint(out, attrs.size());
  for (const auto& kv : attrs) {
    PutString(out, kv.key);
    PutAny(out, kv.value, depth + 1);
  }
}
void PutAny(std::string& out, const model::AnyValue& v, int depth) {
  const auto& s = v.storage();
  // Values nested deeper than the decoder accepts are stored empty rather than unreadable.
  if (depth > kMaxDepth) {
    out += '\0';
    return;
  }
  out += static_cast<char>(s.index());
  switch (s.index()) {
    case 1: PutString(out, std::get<1>(s)); break;
    case 2: out += static_cast<char>(std::get<2>(s) ? 1 : 0); break;
    case 3: PutVarint(out, static_cast<uint64_t>(std::get<3>(s))); break;
    case 4: {
      uint64_t bits;
      const double d = std::get<4>(s);
      std::memcpy(&bits, &d, 8);
      PutFixed64(out, bits);
      break;
    }
    case 5:
      PutVarint(out, std::get<5>(s).size());
      for (const auto& e : std::get<5>(s)) PutAny(out, e, depth + 1);
      break;
    case 6: PutAttrs(out, std::get<6>(s), depth); break;
    case 7: PutString(out, std::get<7>(s).data); break;
    default: break;
  }
}

model::AnyValue GetAny(ByteReader& r, int depth);
void GetAttrs(ByteReader& r, model::Attributes& attrs, int depth) {
  const uint64_t n = r.Count();
  attrs.reserve(attrs.size() + n);
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    model::KeyValue kv;
    kv.key = r.String();
    kv.value = GetAny(r, depth + 1);
    attrs.push_back(std::move(kv));
  }
}
model::AnyValue GetAny(ByteReader& r, int depth) {
  if (depth > kMaxDepth + 1) {
    r.Fail();
    return {};
  }
  switch (r.Byte()) {
    case 0: return {};
    case 1: return model::AnyValue(r.String());
    case 2: return model::AnyValue(r.Byte() != 0);
    case 3: return model::AnyValue(static_cast<int64_t>(r.Varint()));
    case 4: {
      const uint64_t bits = r.Fixed64();
      double d;
      std::memcpy(&d, &bits, 8);
      return model::AnyValue(d);
    }
    case 5: {
      model::AnyValue::Array arr;
      const uint64_t n = r.Count();
      arr.reserve(n);
      for (uint64_t i = 0; i < n && r.ok(); ++i) arr.push_back(GetAny(r, depth + 1));
      return model::AnyValue(std::move(arr));
    }
    case 6: {
      model::AnyValue::KvList kv;
      GetAttrs(r, kv, depth);
      return model::AnyValue(std::move(kv));
    }
    case 7: return model::AnyValue(model::Bytes{r.String()});
    default: r.Fail(); return {};
  }
}

uint32_t Get32(ByteReader& r) { return static_cast<uint32_t>(r.Varint()); }

}  // namespace

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>(v | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

void PutFixed64(std::string& out, uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (8 * i));
  out.append(b, 8);
}

uint64_t ByteReader::Varint() {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos_ >= in_.size()) break;
    const auto b = static_cast<uint8_t>(in_[pos_++]);
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return v;
  }
  Fail();
  return 0;
}

uint64_t ByteReader::Fixed64() {
  if (in_.size() - pos_ < 8) {
    Fail();
    return 0;
  }
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(in_[pos_ + i])) << (8 * i);
  pos_ += 8;
  return v;
}

uint8_t ByteReader::Byte() {
  if (pos_ >= in_.size()) {
    Fail();
    return 0;
  }
  return static_cast<uint8_t>(in_[pos_++]);
}

std::string_view ByteReader::Bytes(size_t n) {
  if (in_.size() - pos_ < n) {
    Fail();
    return {};
  }
  std::string_view s = in_.substr(pos_, n);
  pos_ += n;
  return s;
}

std::string ByteReader::String() {
  const uint64_t n = Varint();
  if (!ok_ || n > in_.size() - pos_) {
    Fail();
    return {};
  }
  return std::string(Bytes(static_cast<size_t>(n)));
}

uint64_t ByteReader::Count() {
  const uint64_t n = Varint();
  if (n > in_.size() - pos_) {
    Fail();
    return 0;
  }
  return n;
}

void AppendSpanBody(const model::Span& s, std::string& out) {
  out += static_cast<char>(s.kind);
  PutVarint(out, s.flags);
  PutString(out, s.trace_state);
  PutString(out, s.status_message);
  PutString(out, s.scope ? s.scope->name : "");
  PutString(out, s.scope ? s.scope->version : "");
  PutAttrs(out, s.scope ? s.scope->attributes : model::Attributes(), 0);
  const size_t derived = std::min(s.view.derived_attribute_count, s.attributes.size());
  PutVarint(out, s.attributes.size() - derived);
  for (size_t i = 0; i + derived < s.attributes.size(); ++i) {
    PutString(out, s.attributes[i].key);
    PutAny(out, s.attributes[i].value, 1);
  }
  PutVarint(out, s.dropped_attributes_count);
  PutVarint(out, s.events.size());
  for (const auto& e : s.events) {
    PutVarint(out, e.time_unix_nano);
    PutString(out, e.name);
    PutAttrs(out, e.attributes, 0);
    PutVarint(out, e.dropped_attributes_count);
  }
  PutVarint(out, s.dropped_events_count);
  PutVarint(out, s.links.size());
  for (const auto& l : s.links) {
    out.append(l.trace_id.AsStringView());
    out.append(l.span_id.AsStringView());
    PutString(out, l.trace_state);
    PutAttrs(out, l.attributes, 0);
    PutVarint(out, l.dropped_attributes_count);
    PutVarint(out, l.flags);
  }
  PutVarint(out, s.dropped_links_count);
  // A trailing section, read only when present so that older bodies stay valid: the scope's dropped
  // count and schema URL.
  if (s.scope && (s.scope->dropped_attributes_count != 0 || !s.scope->schema_url.empty())) {
    PutVarint(out, s.scope->dropped_attributes_count);
    PutString(out, s.scope->schema_url);
  }
}

Status DecodeSpanBody(std::string_view raw, model::Span& s) {
  ByteReader r(raw);
  const uint8_t kind = r.Byte();
  s.kind = kind <= 5 ? static_cast<model::SpanKind>(kind) : model::SpanKind::kUnspecified;
  s.flags = Get32(r);
  s.trace_state = r.String();
  s.status_message = r.String();
  auto scope = std::make_shared<model::Scope>();
  scope->name = r.String();
  scope->version = r.String();
  GetAttrs(r, scope->attributes, 0);
  GetAttrs(r, s.attributes, 0);
  s.dropped_attributes_count = Get32(r);
  uint64_t n = r.Count();
  s.events.reserve(n);
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    model::SpanEvent e;
    e.time_unix_nano = r.Varint();
    e.name = r.String();
    GetAttrs(r, e.attributes, 0);
    e.dropped_attributes_count = Get32(r);
    s.events.push_back(std::move(e));
  }
  s.dropped_events_count = Get32(r);
  n = r.Count();
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    model::SpanLink l;
    if (auto t = TraceId::FromBytes(r.Bytes(16))) l.trace_id = *t;
    if (auto sp = SpanId::FromBytes(r.Bytes(8))) l.span_id = *sp;
    l.trace_state = r.String();
    GetAttrs(r, l.attributes, 0);
    l.dropped_attributes_count = Get32(r);
    l.flags = Get32(r);
    s.links.push_back(std::move(l));
  }
  s.dropped_links_count = Get32(r);
  if (r.ok() && !r.done()) {
    scope->dropped_attributes_count = Get32(r);
    scope->schema_url = r.String();
  }
  s.scope = std::move(scope);
  if (!r.ok() || !r.done()) return DataLossError("corrupt span body");
  return OkStatus();
}

std::string EncodeResource(const model::Resource& resource) {
  std::string out;
  PutAttrs(out, resource.attributes, 0);
  PutVarint(out, resource.dropped_attributes_count);
  PutString(out, resource.schema_url);
  return out;
}

Status DecodeResource(std::string_view raw, model::Resource& resource) {
  ByteReader r(raw);
  GetAttrs(r, resource.attributes, 0);
  resource.dropped_attributes_count = Get32(r);
  resource.schema_url = r.String();
  if (!r.ok() || !r.done()) return DataLossError("corrupt resource");
  return OkStatus();
}

uint64_t ContentHash(std::string_view bytes) {
  // FNV-1a, then splitmix64's finalizer to spread the bits. Equal hashes are checked against
  // the stored bytes before they are trusted (see SqliteTraceStore's resource table).
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : bytes) h = (h ^ c) * 1099511628211ULL;
  h ^= bytes.size();
  h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ULL;
  h = (h ^ (h >> 27)) * 0x94D049BB133111EBULL;
  return h ^ (h >> 31);
}

std::string EncodeLogRecord(const model::LogRecord& rec) {
  std::string out;
  PutVarint(out, rec.time_unix_nano);
  PutVarint(out, static_cast<uint32_t>(rec.severity_number));
  PutString(out, rec.event_name);
  PutAny(out, rec.body, 0);
  PutAttrs(out, rec.attributes, 0);
  // A trailing section, read only when present so that older records stay valid: the rest of the
  // OTLP record, and its resource and scope inline (log records are few beside spans).
  PutVarint(out, rec.observed_time_unix_nano);
  PutString(out, rec.severity_text);
  PutVarint(out, rec.flags);
  PutVarint(out, rec.dropped_attributes_count);
  uint8_t present = 0;
  if (rec.resource) present |= 1;
  if (rec.scope) present |= 2;
  out += static_cast<char>(present);
  if (rec.resource) PutString(out, EncodeResource(*rec.resource));
  if (rec.scope) {
    PutString(out, rec.scope->name);
    PutString(out, rec.scope->version);
    PutAttrs(out, rec.scope->attributes, 0);
    PutVarint(out, rec.scope->dropped_attributes_count);
    PutString(out, rec.scope->schema_url);
  }
  return Compress(out);
}

Status DecodeLogRecord(std::string_view framed, model::LogRecord& rec) {
  ASSIGN_OR_RETURN(std::string raw, Decompress(framed));
  ByteReader r(raw);
  rec.time_unix_nano = r.Varint();
  rec.severity_number = static_cast<int32_t>(static_cast<uint32_t>(r.Varint()));
  rec.event_name = r.String();
  rec.body = GetAny(r, 0);
  GetAttrs(r, rec.attributes, 0);
  if (r.ok() && !r.done()) {
    rec.observed_time_unix_nano = r.Varint();
    rec.severity_text = r.String();
    rec.flags = Get32(r);
    rec.dropped_attributes_count = Get32(r);
    const uint8_t present = r.Byte();
    if (present & ~3) return DataLossError("corrupt log record");
    if (present & 1) {
      auto resource = std::make_shared<model::Resource>();
      RETURN_IF_ERROR(DecodeResource(r.String(), *resource));
      rec.resource = std::move(resource);
    }
    if (present & 2) {
      auto scope = std::make_shared<model::Scope>();
      scope->name = r.String();
      scope->version = r.String();
      GetAttrs(r, scope->attributes, 0);
      scope->dropped_attributes_count = Get32(r);
      scope->schema_url = r.String();
      rec.scope = std::move(scope);
    }
  }
  if (!r.ok() || !r.done()) return DataLossError("corrupt log record");
  return OkStatus();
}

std::string Compress(std::string_view raw) {
  std::string out;
  if (raw.size() > kCompressAbove) {
    out.resize(1 + ZSTD_compressBound(raw.size()));
    out[0] = static_cast<char>(kFrameZstd);
    const Dictionaries& dicts = Dicts();
    const size_t n = ZSTD_compress_usingCDict(
        Contexts().cctx, out.data() + 1, out.size() - 1, raw.data(), raw.size(),
        raw.size() < kLargeFrame ? dicts.small_cdict : dicts.large_cdict);
    if (!ZSTD_isError(n) && n + 1 < raw.size()) {
      out.resize(n + 1);
      return out;
    }
  }
  out.clear();
  out.reserve(raw.size() + 1);
  out += static_cast<char>(kFrameRaw);
  out.append(raw);
  return out;
}

Result<std::string> Decompress(std::string_view framed) {
  if (framed.empty()) return DataLossError("empty stored frame");
  const auto format = static_cast<uint8_t>(framed[0]);
  if (format == kFrameRaw) return std::string(framed.substr(1));
  if (format != kFrameZstd) return DataLossError("unknown stored frame format");
  const unsigned long long size = ZSTD_getFrameContentSize(framed.data() + 1, framed.size() - 1);
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > kMaxDecompressed)
    return DataLossError("corrupt compressed frame");
  std::string out(size, '\0');
  const size_t n = ZSTD_decompress_usingDDict(Contexts().dctx, out.data(), out.size(), framed.data() + 1,
                                              framed.size() - 1, Dicts().ddict);
  if (ZSTD_isError(n) || n != size) return DataLossError("corrupt compressed frame");
  return out;
}

}  // namespace tracelake::storage
