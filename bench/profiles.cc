#include "profiles.h"

#include <memory>
#include <string>
#include <string_view>

namespace {

using tracelake::SpanId;
using tracelake::TraceId;
namespace model = tracelake::model;

constexpr int kSpansPerTrace = 8;
constexpr uint64_t kBaseTimeNanos = 1'763'960'000'000'000'000ULL;  // 2025-11-24

// splitmix64: tiny, fast, and identical everywhere (unlike <random> distributions).
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  uint64_t Below(uint64_t n) { return Next() % n; }

 private:
  uint64_t state_;
};

template <size_t N>
tracelake::ByteId<N> RandomId(Rng& rng) {
  tracelake::ByteId<N> id;
  do {
    for (auto& b : id.bytes) b = static_cast<uint8_t>(rng.Next());
  } while (id.IsZero());
  return id;
}

// Alphanumeric text of exactly `size` bytes.
std::string RandomToken(Rng& rng, size_t size) {
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string out(size, ' ');
  for (char& c : out) c = kChars[rng.Below(sizeof kChars - 1)];
  return out;
}

// English-looking words (JSON-safe: no quotes or backslashes) filling exactly `size` bytes.
std::string RandomProse(Rng& rng, size_t size) {
  static constexpr std::string_view kWords[] = {
      "the",     "sales", "region",   "quarter", "total",   "revenue", "customer", "order",
      "report",  "EMEA",  "APAC",     "AMER",    "growth",  "was",     "and",      "for",
      "with",    "query", "returned", "rows",    "average", "of",      "tool",     "answer",
      "support", "agent", "please",   "compare", "last",    "year",    "percent",  "summary"};
  std::string out;
  out.reserve(size);
  while (out.size() < size) {
    if (!out.empty()) out += ' ';
    out += kWords[rng.Below(std::size(kWords))];
  }
  out.resize(size);
  return out;
}

// A JSON messages array (as gen_ai.input.messages / gen_ai.output.messages carry) of exactly
// `size` bytes.
std::string MessagesJson(Rng& rng, std::string_view role, size_t size) {
  const std::string head =
      R"([{"role":")" + std::string(role) + R"(","parts":[{"type":"text","content":")";
  const std::string tail = R"("}]}])";
  return head + RandomProse(rng, size - head.size() - tail.size()) + tail;
}

struct TraceShape {
  TraceId trace_id;
  std::vector<SpanId> span_ids;
};

// Fills ids, parentage and timing of span `index_in_trace` of a trace: span 0 is the root,
// spans 1-3 its children, later spans children of span 1-3 in turn.
void FillStructure(Rng& rng, TraceShape& trace, int index_in_trace, model::Span& span) {
  if (index_in_trace == 0) {
    trace.trace_id = RandomId<16>(rng);
    trace.span_ids.clear();
  }
  span.trace_id = trace.trace_id;
  span.span_id = RandomId<8>(rng);
  trace.span_ids.push_back(span.span_id);
  if (index_in_trace > 0) {
    const int parent = index_in_trace <= 3 ? 0 : 1 + (index_in_trace - 4) % 3;
    span.parent_span_id = trace.span_ids[static_cast<size_t>(parent)];
  }
  span.flags = 0x101;  // sampled | context-has-is-remote, as the JS SDK sends
  span.start_time_unix_nano = kBaseTimeNanos + rng.Below(3'600'000'000'000ULL);
  span.end_time_unix_nano = span.start_time_unix_nano + 1'000'000 + rng.Below(2'000'000'000);
}

std::shared_ptr<const model::Resource> MakeResource(std::string_view service) {
  auto resource = std::make_shared<model::Resource>();
  resource->attributes = {
      {"service.name", model::AnyValue(std::string(service))},
      {"service.version", model::AnyValue("1.4.2")},
      {"deployment.environment.name", model::AnyValue("production")},
      {"telemetry.sdk.language", model::AnyValue("nodejs")},
      {"telemetry.sdk.name", model::AnyValue("opentelemetry")},
      {"telemetry.sdk.version", model::AnyValue("2.1.0")},
  };
  return resource;
}

std::shared_ptr<const model::Scope> MakeScope(std::string_view name, std::string_view version) {
  auto scope = std::make_shared<model::Scope>();
  scope->name = name;
  scope->version = version;
  return scope;
}

}  // namespace

std::vector<model::Span> MakeProfileA(int n, uint64_t seed) {
  static constexpr std::string_view kKeys[] = {"http.request.method",
                                               "http.request.header.x-request-id",
                                               "messaging.destination.name",
                                               "server.address",
                                               "user_agent.original",
                                               "client.address",
                                               "db.system.name",
                                               "db.collection.name",
                                               "network.peer.address",
                                               "code.function.name"};
  static constexpr std::string_view kNames[] = {"GET /api/v1/orders",    "SELECT shop.orders",
                                                "GET /api/v1/customers", "redis GET cart:items",
                                                "POST /api/v1/checkout", "orders.created publish"};
  Rng rng(seed);
  auto resource = MakeResource("orders-api");
  auto scope = MakeScope("@opentelemetry/instrumentation-http", "0.57.0");
  std::vector<model::Span> spans(static_cast<size_t>(n > 0 ? n : 0));
  TraceShape trace;
  for (int i = 0; i < n; ++i) {
    model::Span& span = spans[static_cast<size_t>(i)];
    const int index_in_trace = i % kSpansPerTrace;
    FillStructure(rng, trace, index_in_trace, span);
    span.name = kNames[rng.Below(std::size(kNames))];
    span.kind = index_in_trace == 0 ? model::SpanKind::kServer : model::SpanKind::kClient;
    span.attributes.reserve(std::size(kKeys));
    for (std::string_view key : kKeys)
      span.attributes.push_back({std::string(key), model::AnyValue(RandomToken(rng, 20))});
    span.status_code =
        rng.Below(50) == 0 ? model::SpanStatusCode::kError : model::SpanStatusCode::kUnset;
    span.resource = resource;
    span.scope = scope;
  }
  return spans;
}

std::vector<model::Span> MakeProfileB(int n, uint64_t seed) {
  Rng rng(seed);
  auto resource = MakeResource("support-assistant");
  auto scope = MakeScope("@opentelemetry/instrumentation-openai", "0.21.0");
  std::vector<model::Span> spans(static_cast<size_t>(n > 0 ? n : 0));
  TraceShape trace;
  for (int i = 0; i < n; ++i) {
    model::Span& span = spans[static_cast<size_t>(i)];
    const int index_in_trace = i % kSpansPerTrace;
    FillStructure(rng, trace, index_in_trace, span);
    const bool root = index_in_trace == 0;
    span.name = root ? "invoke_agent support_assistant" : "chat gpt-4o-mini";
    span.kind = root ? model::SpanKind::kInternal : model::SpanKind::kClient;
    const int64_t input_tokens = 200 + static_cast<int64_t>(rng.Below(800));
    const int64_t output_tokens = 50 + static_cast<int64_t>(rng.Below(400));
    span.attributes = {
        {"gen_ai.operation.name", model::AnyValue(root ? "invoke_agent" : "chat")},
        {"gen_ai.system", model::AnyValue("openai")},
        {"gen_ai.request.model", model::AnyValue("gpt-4o-mini")},
        {"gen_ai.response.model", model::AnyValue("gpt-4o-mini-2024-07-18")},
        {"gen_ai.response.id", model::AnyValue("chatcmpl-" + RandomToken(rng, 12))},
        {"gen_ai.request.temperature", model::AnyValue(0.2)},
        {"gen_ai.usage.input_tokens", model::AnyValue(input_tokens)},
        {"gen_ai.usage.output_tokens", model::AnyValue(output_tokens)},
        {"gen_ai.input.messages", model::AnyValue(MessagesJson(rng, "user", 2048))},
        {"gen_ai.output.messages", model::AnyValue(MessagesJson(rng, "assistant", 1024))},
    };
    span.status_code = root ? model::SpanStatusCode::kOk : model::SpanStatusCode::kUnset;
    span.resource = resource;
    span.scope = scope;
  }
  return spans;
}
