// Span body, resource, log record and chunk codecs: round trips, and hostile bytes never crash.
#include <random>

#include "storage/span_chunk.h"
#include "storage/span_codec.h"
#include "store_test_util.h"

namespace tracelake::storage::testing {
namespace {

model::AnyValue Nested(int depth) {
  model::AnyValue v("leaf");
  for (int i = 0; i < depth; ++i) v = model::AnyValue(model::AnyValue::Array{v});
  return v;
}

model::Span RichSpan() {
  model::Span s = MakeSpan(1, 2, 1, 10, 20);
  s.view = {};  // attributes are replaced below: none of them is derived
  s.kind = model::SpanKind::kProducer;
  s.flags = 0x301;
  s.trace_state = "a=b";
  s.status_message = "timeout";
  s.dropped_attributes_count = 3;
  s.attributes = {
      {"str", model::AnyValue("text")},
      {"int", model::AnyValue(int64_t{-42})},
      {"dbl", model::AnyValue(2.5)},
      {"bool", model::AnyValue(true)},
      {"bytes", model::AnyValue(model::Bytes{std::string("\0\1\2", 3)})},
      {"arr", model::AnyValue(model::AnyValue::Array{model::AnyValue(int64_t{1}), model::AnyValue("x")})},
      {"map", model::AnyValue(model::AnyValue::KvList{{"k", model::AnyValue(false)}})},
      {"empty", model::AnyValue()},
      {"deep", Nested(20)},
  };
  s.events = {{Ns(11), "ev", {{"a", model::AnyValue("b")}}, 1}};
  s.dropped_events_count = 2;
  s.links = {{Tid(5), Sid(6), "ts", {{"l", model::AnyValue(int64_t{7})}}, 4, 1}};
  s.dropped_links_count = 5;
  auto scope = std::make_shared<model::Scope>();
  scope->name = "scope";
  scope->version = "9";
  scope->attributes = {{"sa", model::AnyValue("sv")}};
  s.scope = scope;
  return s;
}

TEST(SpanCodecTest, BodyRoundTripsEveryValueKind) {
  const model::Span in = RichSpan();
  std::string raw;
  AppendSpanBody(in, raw);
  model::Span out;
  ASSERT_TRUE(DecodeSpanBody(raw, out).ok());
  EXPECT_EQ(out.kind, in.kind);
  EXPECT_EQ(out.flags, in.flags);
  EXPECT_EQ(out.trace_state, in.trace_state);
  EXPECT_EQ(out.status_message, in.status_message);
  EXPECT_EQ(out.attributes, in.attributes);
  EXPECT_EQ(out.dropped_attributes_count, 3u);
  ASSERT_EQ(out.events.size(), 1u);
  EXPECT_EQ(out.events[0].time_unix_nano, Ns(11));
  EXPECT_EQ(out.events[0].attributes, in.events[0].attributes);
  EXPECT_EQ(out.dropped_events_count, 2u);
  ASSERT_EQ(out.links.size(), 1u);
  EXPECT_EQ(out.links[0].span_id, Sid(6));
  EXPECT_EQ(out.links[0].flags, 1u);
  EXPECT_EQ(out.dropped_links_count, 5u);
  EXPECT_EQ(out.scope->name, "scope");
  EXPECT_EQ(out.scope->attributes, in.scope->attributes);
}

TEST(SpanCodecTest, BodyLeavesOutAttributesNormalizationDerived) {
  model::Span s = MakeSpan(1, 1, 0, 0, 10, Tokens(1, 2));
  ASSERT_GT(s.view.derived_attribute_count, 0u);
  std::string raw;
  AppendSpanBody(s, raw);
  model::Span out;
  ASSERT_TRUE(DecodeSpanBody(raw, out).ok());
  EXPECT_EQ(out.attributes.size(), s.attributes.size() - s.view.derived_attribute_count);
  EXPECT_EQ(model::FindAttribute(out.attributes, "mlflow.spanType"), nullptr);
}

TEST(SpanCodecTest, ValuesNestedBeyondTheLimitAreStoredEmpty) {
  model::Span s = MakeSpan(1, 1, 0, 0, 10);
  s.view = {};
  s.attributes = {{"deep", Nested(500)}};
  std::string raw;
  AppendSpanBody(s, raw);
  model::Span out;
  ASSERT_TRUE(DecodeSpanBody(raw, out).ok());
  ASSERT_EQ(out.attributes.size(), 1u);
}

TEST(SpanCodecTest, CorruptBytesAreDataLossNeverACrash) {
  std::string raw;
  AppendSpanBody(RichSpan(), raw);
  std::mt19937 rng(1234);
  for (size_t cut = 0; cut < raw.size(); ++cut) {
    model::Span out;
    EXPECT_FALSE(DecodeSpanBody(raw.substr(0, cut), out).ok()) << cut;
  }
  for (int i = 0; i < 3000; ++i) {
    std::string mutated = raw;
    for (int j = 0; j < 1 + i % 4; ++j) mutated[rng() % mutated.size()] = static_cast<char>(rng());
    model::Span out;
    DecodeSpanBody(mutated, out).IgnoreError();  // any result but a crash is fine
    std::string junk(rng() % 64, '\0');
    for (auto& c : junk) c = static_cast<char>(rng());
    DecodeSpanBody(junk, out).IgnoreError();
    SpanChunk chunk;
    chunk.Parse(junk).IgnoreError();
    model::LogRecord rec;
    DecodeLogRecord(junk, rec).IgnoreError();
  }
  // A huge declared count is refused before anything is allocated for it.
  std::string huge = "\x01\x00\x00\x00\x00\x00\x00";
  huge += "\xff\xff\xff\xff\xff\xff\xff\xff\x7f";
  model::Span out;
  EXPECT_EQ(DecodeSpanBody(huge, out).code(), StatusCode::kDataLoss);
}

TEST(SpanCodecTest, CompressionRoundTripsAndRejectsCorruptFrames) {
  for (const std::string& raw : {std::string(), std::string("short"), std::string(5000, 'z'),
                                 std::string("mlflow.spanInputs gen_ai.input.messages") + std::string(300, 'q')}) {
    auto back = Decompress(Compress(raw));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, raw);
  }
  EXPECT_LT(Compress(std::string(5000, 'z')).size(), 100u);
  EXPECT_EQ(Decompress("").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(Decompress("\x07xyz").status().code(), StatusCode::kDataLoss);
  std::string frame = Compress(std::string(5000, 'z'));
  frame.resize(frame.size() - 3);
  EXPECT_EQ(Decompress(frame).status().code(), StatusCode::kDataLoss);
}

TEST(SpanCodecTest, ResourcesAndLogRecordsRoundTrip) {
  model::Resource r;
  r.attributes = {{"service.name", model::AnyValue("svc")}};
  r.dropped_attributes_count = 2;
  r.schema_url = "https://schema";
  const std::string encoded = EncodeResource(r);
  model::Resource back;
  ASSERT_TRUE(DecodeResource(encoded, back).ok());
  EXPECT_EQ(back.attributes, r.attributes);
  EXPECT_EQ(back.schema_url, r.schema_url);
  EXPECT_EQ(ContentHash(encoded), ContentHash(EncodeResource(back)));
  r.schema_url = "other";
  EXPECT_NE(ContentHash(encoded), ContentHash(EncodeResource(r)));

  model::LogRecord rec;
  rec.time_unix_nano = Ns(3);
  rec.severity_number = 9;
  rec.event_name = "gen_ai.user.message";
  rec.body = model::AnyValue(model::AnyValue::KvList{{"content", model::AnyValue(std::string(400, 'h'))}});
  rec.attributes = {{"gen_ai.system", model::AnyValue("openai")}};
  model::LogRecord got;
  ASSERT_TRUE(DecodeLogRecord(EncodeLogRecord(rec), got).ok());
  EXPECT_EQ(got.time_unix_nano, rec.time_unix_nano);
  EXPECT_EQ(got.severity_number, 9);
  EXPECT_EQ(got.event_name, rec.event_name);
  EXPECT_EQ(got.body, rec.body);
  EXPECT_EQ(got.attributes, rec.attributes);
  EXPECT_EQ(got.resource, nullptr);
  EXPECT_EQ(got.scope, nullptr);
}

TEST(SpanCodecTest, LogRecordsKeepEveryOtlpField) {
  model::LogRecord rec;
  rec.time_unix_nano = Ns(3);
  rec.observed_time_unix_nano = Ns(4);
  rec.severity_number = 17;
  rec.severity_text = "ERROR";
  rec.flags = 1;
  rec.dropped_attributes_count = 6;
  rec.body = model::AnyValue("héllo");
  auto resource = std::make_shared<model::Resource>();
  resource->attributes = {{"service.name", model::AnyValue("svc")}};
  resource->dropped_attributes_count = 1;
  resource->schema_url = "https://opentelemetry.io/schemas/1.26.0";
  rec.resource = resource;
  auto scope = std::make_shared<model::Scope>();
  scope->name = "openinference";
  scope->version = "1.2";
  scope->attributes = {{"k", model::AnyValue(int64_t{3})}};
  scope->dropped_attributes_count = 2;
  scope->schema_url = "https://scope";
  rec.scope = scope;
  model::LogRecord got;
  ASSERT_TRUE(DecodeLogRecord(EncodeLogRecord(rec), got).ok());
  EXPECT_EQ(got.observed_time_unix_nano, Ns(4));
  EXPECT_EQ(got.severity_number, 17);
  EXPECT_EQ(got.severity_text, "ERROR");
  EXPECT_EQ(got.flags, 1u);
  EXPECT_EQ(got.dropped_attributes_count, 6u);
  EXPECT_EQ(got.body, rec.body);
  ASSERT_NE(got.resource, nullptr);
  EXPECT_EQ(got.resource->attributes, resource->attributes);
  EXPECT_EQ(got.resource->dropped_attributes_count, 1u);
  EXPECT_EQ(got.resource->schema_url, resource->schema_url);
  ASSERT_NE(got.scope, nullptr);
  EXPECT_EQ(got.scope->name, "openinference");
  EXPECT_EQ(got.scope->version, "1.2");
  EXPECT_EQ(got.scope->attributes, scope->attributes);
  EXPECT_EQ(got.scope->dropped_attributes_count, 2u);
  EXPECT_EQ(got.scope->schema_url, "https://scope");

  // Every truncation of the record is refused, never half read.
  const std::string full = EncodeLogRecord(rec);
  ASSERT_TRUE(Decompress(full).ok());
  const std::string raw = *Decompress(full);
  for (size_t n = 0; n < raw.size(); ++n) {
    model::LogRecord cut;
    const Status st = DecodeLogRecord(std::string(1, '\0') + raw.substr(0, n), cut);
    if (st.ok()) {
      EXPECT_EQ(cut.scope, nullptr) << n;  // only the older prefix may decode
    }
  }
}

TEST(SpanCodecTest, BodiesWithoutTheTrailingSectionStillDecode) {
  // An older log record stops after its attributes, an older span body after its dropped
  // links count. Both decode, with the later fields at their defaults.
  std::string old_log;
  PutVarint(old_log, Ns(3));
  PutVarint(old_log, 9);
  old_log += '\0';  // empty event name
  old_log += '\0';  // AnyValue tag: empty
  old_log += '\0';  // no attributes
  model::LogRecord rec;
  const Status st = DecodeLogRecord(Compress(old_log), rec);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(rec.severity_number, 9);
  EXPECT_TRUE(rec.severity_text.empty());
  EXPECT_EQ(rec.resource, nullptr);

  model::Span with_url = RichSpan();
  auto scope = std::make_shared<model::Scope>(*with_url.scope);
  scope->schema_url = "https://scope";
  scope->dropped_attributes_count = 4;
  with_url.scope = scope;
  std::string raw;
  AppendSpanBody(with_url, raw);
  model::Span out;
  ASSERT_TRUE(DecodeSpanBody(raw, out).ok());
  EXPECT_EQ(out.scope->schema_url, "https://scope");
  EXPECT_EQ(out.scope->dropped_attributes_count, 4u);
  std::string old_body;
  AppendSpanBody(RichSpan(), old_body);  // no URL, no dropped count: the older bytes
  ASSERT_TRUE(DecodeSpanBody(old_body, out).ok());
  EXPECT_TRUE(out.scope->schema_url.empty());
  EXPECT_EQ(old_body.size() + 1 + 1 + 13, raw.size());
}

TEST(SpanChunkTest, RoundTripsSpansWithTheirResources) {
  const model::Span a = RichSpan();
  const model::Span b = MakeSpan(1, 3, 1, 0, 1, {{"x", model::AnyValue("y")}});
  const model::Span c = MakeSpan(1, 4, 1, 0, 1);
  const std::string chunk = EncodeSpanChunk({&a, &b, &c}, {77, 0, 77});
  SpanChunk decoded;
  ASSERT_TRUE(decoded.Parse(chunk).ok());
  ASSERT_EQ(decoded.spans().size(), 3u);
  EXPECT_EQ(decoded.spans()[0].resource_hash, 77u);
  EXPECT_EQ(decoded.spans()[1].resource_hash, 0u);
  EXPECT_EQ(decoded.spans()[2].resource_hash, 77u);
  model::Span out;
  ASSERT_TRUE(DecodeSpanBody(decoded.spans()[1].body, out).ok());
  EXPECT_EQ(out.attributes[0].key, "x");

  // Re-encoding a subset (a re-delivered span leaving its chunk) keeps the rest intact.
  std::vector<ChunkSpan> rest = {decoded.spans()[0], decoded.spans()[2]};
  SpanChunk smaller;
  ASSERT_TRUE(smaller.Parse(EncodeSpanChunk(rest)).ok());
  ASSERT_EQ(smaller.spans().size(), 2u);
  EXPECT_EQ(smaller.spans()[1].body, decoded.spans()[2].body);
  EXPECT_EQ(smaller.spans()[1].resource_hash, 77u);
  EXPECT_EQ(smaller.spans()[0].body, decoded.spans()[0].body);
}

TEST(SpanChunkTest, ChunksCompressRepeatedStructure) {
  std::vector<model::Span> spans;
  for (int i = 0; i < 8; ++i)
    spans.push_back(MakeSpan(1, i + 1, 1, i, 1,
                             {{"http.request.method", model::AnyValue("GET")},
                              {"server.address", model::AnyValue("orders.internal")},
                              {"db.system.name", model::AnyValue("postgresql")}}));
  std::vector<const model::Span*> ptrs;
  size_t raw_bytes = 0;
  for (const auto& s : spans) {
    ptrs.push_back(&s);
    std::string raw;
    AppendSpanBody(s, raw);
    raw_bytes += raw.size();
  }
  const std::string chunk = EncodeSpanChunk(ptrs, std::vector<uint64_t>(8, 5));
  EXPECT_LT(chunk.size() * 3, raw_bytes) << "chunk " << chunk.size() << " raw " << raw_bytes;
}

}  // namespace
}  // namespace tracelake::storage::testing
