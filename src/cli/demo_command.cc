// `tracelake demo`: sends a few realistic agent traces over OTLP/HTTP protobuf, so a newcomer
// sees data at once. The traces follow the shapes real instrumentations send
// (spec/instrumentations.md): an MLflow-style support agent, an OpenInference RAG call and an
// agent run that fails in a tool.
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/flags.h"
#include "common/clock.h"
#include "llm/curl_http_client.h"
#include "model/span.h"
#include "otlp/encode.h"

namespace tracelake::cli {
namespace {

using model::AnyValue;
using model::Span;

class DemoBuilder {
 public:
  explicit DemoBuilder(uint64_t seed) : rng_(seed) {
    auto resource = std::make_shared<model::Resource>();
    resource->attributes = {{"service.name", "acme-support-agent"},
                            {"service.version", "1.4.2"},
                            {"deployment.environment", "demo"}};
    resource_ = resource;
    auto scope = std::make_shared<model::Scope>();
    scope->name = "tracelake.demo";
    scope->version = TRACELAKE_VERSION;
    scope_ = scope;
  }

  TraceId NewTrace() {
    TraceId id;
    for (auto& b : id.bytes) b = static_cast<uint8_t>(rng_());
    return id;
  }

  Span& Add(const TraceId& trace, const Span* parent, std::string name, uint64_t start_ns,
            uint64_t duration_ns) {
    Span s;
    s.trace_id = trace;
    for (auto& b : s.span_id.bytes) b = static_cast<uint8_t>(rng_());
    s.span_id.bytes[0] |= 1;
    if (parent) s.parent_span_id = parent->span_id;
    s.name = std::move(name);
    s.kind = model::SpanKind::kInternal;
    s.start_time_unix_nano = start_ns;
    s.end_time_unix_nano = start_ns + duration_ns;
    s.status_code = model::SpanStatusCode::kOk;
    s.resource = resource_;
    s.scope = scope_;
    spans_.push_back(std::move(s));
    return spans_.back();
  }

  std::vector<Span>& spans() { return spans_; }

 private:
  std::mt19937_64 rng_;
  std::shared_ptr<const model::Resource> resource_;
  std::shared_ptr<const model::Scope> scope_;
  std::vector<Span> spans_;
};

std::string Quoted(const std::string& s) { return AnyValue(s).ToJson(); }

void SupportAgentTrace(DemoBuilder& b, uint64_t t0, const std::string& question,
                       const std::string& answer, const std::string& user, bool fail_tool) {
  b.spans().reserve(b.spans().size() + 8);
  TraceId trace = b.NewTrace();
  const uint64_t ms = 1000000;
  Span& root = b.Add(trace, nullptr, "support_assistant", t0, 2400 * ms);
  root.attributes = {
      {"mlflow.spanType", Quoted("AGENT")},
      {"mlflow.spanInputs", "{\"question\":" + Quoted(question) + "}"},
      {"mlflow.spanOutputs", fail_tool ? std::string("null") : Quoted(answer)},
      {"session.id", "sess-" + user},
      {"user.id", user},
  };
  Span root_copy = root;
  Span& plan = b.Add(trace, &root_copy, "chat gpt-4o-mini", t0 + 20 * ms, 800 * ms);
  plan.kind = model::SpanKind::kClient;
  plan.status_code = model::SpanStatusCode::kUnset;
  plan.attributes = {
      {"gen_ai.operation.name", "chat"},
      {"gen_ai.system", "openai"},
      {"gen_ai.request.model", "gpt-4o-mini"},
      {"gen_ai.response.model", "gpt-4o-mini-2024-07-18"},
      {"gen_ai.usage.input_tokens", int64_t{128}},
      {"gen_ai.usage.output_tokens", int64_t{48}},
      {"gen_ai.response.finish_reasons", AnyValue(AnyValue::Array{AnyValue("tool_calls")})},
      {"gen_ai.input.messages",
       "[{\"role\":\"system\",\"parts\":[{\"type\":\"text\",\"content\":\"You are the Acme "
       "Retail support assistant.\"}]},{\"role\":\"user\",\"parts\":[{\"type\":\"text\","
       "\"content\":" +
           Quoted(question) + "}]}]"},
      {"gen_ai.output.messages",
       "[{\"role\":\"assistant\",\"finish_reason\":\"tool_call\",\"parts\":[{\"type\":"
       "\"tool_call\",\"id\":\"call_1\",\"name\":\"genie_query\",\"arguments\":{\"region\":"
       "\"EMEA\"}}]}]"},
  };
  const char* regions[] = {"EMEA", "APAC", "AMER"};
  for (int i = 0; i < 3; ++i) {
    Span& tool = b.Add(trace, &root_copy, "genie_query", t0 + (850 + 300 * i) * ms, 250 * ms);
    tool.attributes = {
        {"gen_ai.operation.name", "execute_tool"},
        {"gen_ai.tool.name", "genie_query"},
        {"gen_ai.tool.call.id", "call_" + std::to_string(i + 1)},
        {"gen_ai.tool.call.arguments",
         std::string("{\"sql\":\"SELECT SUM(amount) FROM sales WHERE region='") + regions[i] +
             "'\"}"},
    };
    if (fail_tool && i == 2) {
      tool.status_code = model::SpanStatusCode::kError;
      tool.status_message = "database is locked";
      model::SpanEvent ev;
      ev.name = "exception";
      ev.time_unix_nano = tool.end_time_unix_nano;
      ev.attributes = {{"exception.type", "sqlite3.OperationalError"},
                       {"exception.message", "database is locked"}};
      tool.events.push_back(std::move(ev));
    } else {
      SetAttribute(tool.attributes, "gen_ai.tool.call.result",
                   std::string("{\"rows\":[{\"total\":") + std::to_string(1200000 + 350000 * i) +
                       "}]}");
    }
  }
  if (fail_tool) {
    root.status_code = model::SpanStatusCode::kError;
    root.status_message = "tool genie_query failed";
    return;
  }
  Span& answer_span = b.Add(trace, &root_copy, "chat gpt-4o-mini", t0 + 1800 * ms, 580 * ms);
  answer_span.kind = model::SpanKind::kClient;
  answer_span.status_code = model::SpanStatusCode::kUnset;
  answer_span.attributes = {
      {"gen_ai.operation.name", "chat"},
      {"gen_ai.system", "openai"},
      {"gen_ai.request.model", "gpt-4o-mini"},
      {"gen_ai.response.model", "gpt-4o-mini-2024-07-18"},
      {"gen_ai.usage.input_tokens", int64_t{412}},
      {"gen_ai.usage.output_tokens", int64_t{96}},
      {"gen_ai.output.messages",
       "[{\"role\":\"assistant\",\"finish_reason\":\"stop\",\"parts\":[{\"type\":\"text\","
       "\"content\":" +
           Quoted(answer) + "}]}]"},
  };
}

void RagTrace(DemoBuilder& b, uint64_t t0) {
  b.spans().reserve(b.spans().size() + 4);
  const uint64_t ms = 1000000;
  TraceId trace = b.NewTrace();
  Span& root = b.Add(trace, nullptr, "answer_policy_question", t0, 1300 * ms);
  root.attributes = {{"openinference.span.kind", "CHAIN"},
                     {"input.value", "What is the return window for opened electronics?"},
                     {"input.mime_type", "text/plain"},
                     {"output.value", "Opened electronics can be returned within 15 days."},
                     {"output.mime_type", "text/plain"}};
  Span parent = root;
  Span& retr = b.Add(trace, &parent, "retrieve_policies", t0 + 10 * ms, 200 * ms);
  retr.attributes = {{"openinference.span.kind", "RETRIEVER"},
                     {"input.value", "return window opened electronics"},
                     {"retrieval.documents.0.document.content",
                      "Electronics: 30 days unopened, 15 days opened."}};
  Span& llm = b.Add(trace, &parent, "OpenAI Chat Completions", t0 + 230 * ms, 1000 * ms);
  llm.attributes = {{"openinference.span.kind", "LLM"},
                    {"llm.model_name", "gpt-4o-mini-2024-07-18"},
                    {"llm.system", "openai"},
                    {"llm.token_count.prompt", int64_t{310}},
                    {"llm.token_count.completion", int64_t{22}},
                    {"llm.token_count.total", int64_t{332}},
                    {"llm.token_count.prompt_details.cache_read", int64_t{256}},
                    {"llm.input_messages.0.message.role", "user"},
                    {"llm.input_messages.0.message.content",
                     "What is the return window for opened electronics?"},
                    {"llm.output_messages.0.message.role", "assistant"},
                    {"llm.output_messages.0.message.content",
                     "Opened electronics can be returned within 15 days."}};
}

}  // namespace

int RunDemo(const std::vector<std::string>& args) {
  FlagSet flags("tracelake demo",
                "Sends a few demo agent traces to a tracelake (or any OTLP/HTTP) endpoint.",
                {{"endpoint", "URL", "http://127.0.0.1:5000", "Server base URL"},
                 {"experiment-id", "ID", "0", "Experiment to send the traces to"}});
  if (Status st = flags.Parse(args); !st.ok()) {
    std::fprintf(stderr, "tracelake demo: %s\n", st.message().c_str());
    return 2;
  }
  if (flags.help_requested()) {
    std::fputs(flags.Usage().c_str(), stdout);
    return 0;
  }
  DemoBuilder b(std::random_device{}());
  const uint64_t now = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                 std::chrono::system_clock::now().time_since_epoch())
                                                 .count());
  const uint64_t minute = 60ull * 1000000000ull;
  SupportAgentTrace(b, now - 5 * minute, "What were total sales in EMEA, APAC and AMER last quarter?",
                    "EMEA: $1.20M, APAC: $1.55M, AMER: $1.90M (total $4.65M).", "alice", false);
  RagTrace(b, now - 4 * minute);
  SupportAgentTrace(b, now - 3 * minute, "Compare APAC sales with last year.", "", "bob", true);
  SupportAgentTrace(b, now - 1 * minute, "Which region grew fastest?",
                    "AMER grew fastest (+18% quarter over quarter).", "alice", false);

  std::string body = otlp::EncodeTracesRequestProtobuf(b.spans());
  std::string url = flags.Get("endpoint");
  while (!url.empty() && url.back() == '/') url.pop_back();
  url += "/v1/traces";

  llm::CurlHttpClient http;
  llm::HttpRequest request(url, llm::Deadline::After(SystemClock::Default(), std::chrono::seconds(30)));
  request.headers = {{"Content-Type", "application/x-protobuf"},
                     {"x-mlflow-experiment-id", flags.Get("experiment-id")}};
  request.body = std::move(body);
  request.max_body_bytes = 4096;  // only the status matters
  Result<llm::HttpResponse> r = http.Post(request);
  if (!r.ok()) {
    std::fprintf(stderr, "tracelake demo: cannot reach %s: %s. Is the server running?\n",
                 url.c_str(), r.status().message().c_str());
    return 1;
  }
  if (r->status != 200) {
    std::fprintf(stderr, "tracelake demo: %s answered HTTP %d\n", url.c_str(), r->status);
    return 1;
  }
  std::printf("Sent 4 demo traces (%zu spans) to %s\n", b.spans().size(), url.c_str());
  return 0;
}

}  // namespace tracelake::cli
