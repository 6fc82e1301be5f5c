// support_agent: a small instrumented C++ agent, the shape of the seed's support assistant.
//
//   support_agent "What were total sales in EMEA, APAC and AMER last quarter?"
//
// One trace per question: a root AGENT span (SupportAgent, one TRACELAKE_TRACE line, its input
// the question and its output the answer), an LLM call that picks tools, a TOOL span for each
// genie_query call (SQL against a local SQLite database), and a final summarizing LLM call,
// streamed. The model endpoint comes from OPENAI_BASE_URL / OPENAI_API_KEY / OPENAI_MODEL (any
// OpenAI-compatible server, or the repo's openai_standin); spans go to
// OTEL_EXPORTER_OTLP_ENDPOINT, into experiment MLFLOW_EXPERIMENT_ID; with MLFLOW_TRACKING_URI
// set, the trace's metadata and tags (source, agent version) go there too.
//
// Flags: --no-stream (plain answers), --user U, --session S (trace metadata).
// Prints the answer, then "trace: tr-<id>". Exit code 1 when the model could not be reached.
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "sales_db.h"
#include "tracelake/tracelake.h"

namespace {

using tracelake::ChatMessage;
using tracelake::ChatRequest;
using tracelake::Result;

constexpr char kAgentVersion[] = "1.0.0";

constexpr char kSystemPrompt[] =
    "You are the Acme Retail support assistant. Answer questions about sales with the "
    "genie_query tool, which runs read-only SQLite SQL on the table "
    "sales(region TEXT, quarter TEXT, product TEXT, amount REAL). Regions are EMEA, APAC and "
    "AMER; quarters look like '2026-Q3' (the last quarter). Query each region separately, then "
    "answer briefly with the numbers.";

constexpr char kGenieParameters[] =
    R"({"type":"object","properties":{"sql":{"type":"string",)"
    R"("description":"One read-only SQLite SELECT statement"}},"required":["sql"]})";

struct Flags {
  std::string question;
  bool stream = true;
  std::string user;
  std::string session;
};

bool ParseFlags(int argc, char** argv, Flags& flags) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--no-stream") flags.stream = false;
    else if (arg == "--user" && i + 1 < argc) flags.user = argv[++i];
    else if (arg == "--session" && i + 1 < argc) flags.session = argv[++i];
    else if (!arg.empty() && arg[0] == '-') return false;
    else flags.question = flags.question.empty() ? arg : flags.question + " " + arg;
  }
  return !flags.question.empty();
}

// The agent loop; runs inside the root span.
Result<std::string> RunAgent(const std::string& question, const Flags& flags,
                             const tracelake::ChatClient& client,
                             const tracelake::ToolRegistry& tools) {
  std::vector<ChatMessage> messages = {ChatMessage::System(kSystemPrompt), ChatMessage::User(question)};
  // 1. Let the model pick tools.
  ChatRequest plan;
  plan.messages = messages;
  plan.tools = tools.definitions();
  plan.tool_choice = "auto";
  plan.temperature = 0.0;
  ASSIGN_OR_RETURN(tracelake::ChatResponse picked, client.Complete(plan));
  if (picked.message.tool_calls.empty()) {
    std::cout << picked.message.content << "\n";
    return picked.message.content;  // answered without tools
  }
  messages.push_back(picked.message);
  // 2. Run each tool call in its own TOOL span.
  for (const auto& call : picked.message.tool_calls) messages.push_back(tools.Invoke(call));
  // 3. A final summarizing call, streamed to the terminal as it arrives.
  ChatRequest summary;
  summary.messages = messages;
  summary.messages.push_back(
      ChatMessage::User("Summarize the query results as the answer to my question."));
  summary.temperature = 0.0;
  summary.stream = flags.stream;
  if (flags.stream) {
    summary.on_delta = [](std::string_view piece) {
      std::cout << piece << std::flush;
    };
  }
  ASSIGN_OR_RETURN(tracelake::ChatResponse r, client.Complete(summary));
  if (flags.stream) std::cout << "\n";
  else std::cout << r.message.content << "\n";
  return r.message.content;
}

// The entrypoint: the trace's root span, named after the function, with the question as its
// inputs; the returned answer is its outputs (an error sets status ERROR).
Result<std::string> SupportAgent(const std::string& question, const Flags& flags,
                                 const tracelake::ChatClient& client,
                                 const tracelake::ToolRegistry& tools, std::string& trace_id) {
  TRACELAKE_TRACE(tracelake::SpanType::kAgent, question);
  if (!flags.user.empty()) tracelake::SetTraceUser(flags.user);
  if (!flags.session.empty()) tracelake::SetTraceSession(flags.session);
  // Sent with MLflow's StartTraceV3 when MLFLOW_TRACKING_URI names the server.
  tracelake::SetTraceMetadata("mlflow.source.name", "support_agent");
  tracelake::SetTraceMetadata("mlflow.source.type", "LOCAL");
  tracelake::SetTraceTag("agent.version", kAgentVersion);
  trace_id = tracelake_span.context().MlflowTraceId();
  return tracelake_span.Return(RunAgent(question, flags, client, tools));
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  if (!ParseFlags(argc, argv, flags)) {
    std::fprintf(stderr, "usage: support_agent [--no-stream] [--user U] [--session S] \"question\"\n");
    return 2;
  }
  // `tracelake::ScopedTracing tracing;` reads the same variables; this adds a service name.
  tracelake::TracingOptions options = tracelake::TracingOptions::FromEnvironment();
  if (options.service_name == "unknown_service") options.service_name = "support-agent";
  tracelake::ScopedTracing tracing(options, std::chrono::seconds(10));

  auto db = support_agent::SalesDb::Open();
  if (!db.ok()) {
    std::fprintf(stderr, "support_agent: %s\n", db.status().ToString().c_str());
    return 1;
  }
  tracelake::ToolRegistry tools;
  tools.Register({"genie_query", "Runs one read-only SQL query on the sales database and returns "
                                 "the rows as JSON.", kGenieParameters},
                 [&db](std::string_view arguments) -> Result<std::string> {
                   auto args = nlohmann::json::parse(arguments, nullptr, false);
                   if (!args.is_object() || !args.contains("sql") || !args["sql"].is_string())
                     return tracelake::InvalidArgumentError("arguments must be {\"sql\": \"...\"}");
                   return (*db)->Query(args["sql"].get<std::string>());
                 });
  tracelake::ChatClient client(tracelake::ChatClientOptions::FromEnvironment());

  std::string trace_id;
  Result<std::string> answer = SupportAgent(flags.question, flags, client, tools, trace_id);
  if (!answer.ok()) {
    std::fprintf(stderr, "support_agent: %s\n", answer.status().ToString().c_str());
  }
  if (tracelake::TracingActive()) std::cout << "trace: " << trace_id << "\n";
  return answer.ok() ? 0 : 1;
}
