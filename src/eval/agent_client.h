// AgentClient: how an evaluation run asks the user's agent for one record's answer. The agent
// is an HTTP endpoint, either OpenAI-compatible chat (POST {"model", "messages"}, answer in
// choices[0].message.content) or any JSON endpoint with a request template. Every call carries
// a W3C traceparent naming the run's trace for the record, so the agent's own spans (any OTel
// SDK, or tracelake's) join that trace.
//
//   eval::AgentEndpoint ep;
//   ep.kind = eval::AgentEndpoint::Kind::kJson;
//   ep.url = "http://127.0.0.1:8000/answer";
//   ep.request_template = R"({"question": {{ inputs.question }}, "user": "eval"})";
//   ep.output_pointer = "/answer";
//   eval::AgentClient agent(ep, http, clock);
//   Result<eval::AgentAnswer> a = agent.Call(inputs, trace_id, parent_span_id);
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "common/clock.h"
#include "common/ids.h"
#include "llm/http_client.h"
#include "tracelake/status.h"

namespace tracelake::eval {

struct AgentEndpoint {
  enum class Kind {
    kChat,  // OpenAI-compatible chat completions
    kJson,  // any JSON endpoint: request_template in, output_pointer out
  };
  Kind kind = Kind::kChat;
  std::string url;
  llm::HttpHeaders headers;  // e.g. {"Authorization", "Bearer ..."}
  // kChat: the "model" sent (empty: none is sent).
  std::string model;
  // kJson: the request body. "{{ inputs }}" becomes the record's inputs as JSON and
  // "{{ inputs.<key> }}" one input's JSON value; the result must be JSON. Empty: the inputs
  // object itself is the body.
  std::string request_template;
  // kJson: a JSON pointer (RFC 6901) to the output in the answer; empty: the whole answer.
  std::string output_pointer;
  std::chrono::milliseconds timeout{60000};
  size_t max_answer_bytes = size_t{16} * 1024 * 1024;
};

// Checks an endpoint before any record is sent (URL scheme, template variables and that the
// template renders to JSON for an example, the pointer's syntax): kInvalidArgument saying what
// to fix.
Status ValidateEndpoint(const AgentEndpoint& endpoint);

struct AgentAnswer {
  nlohmann::json outputs;  // what the agent answered (a string for chat)
  int http_status = 0;
  std::chrono::nanoseconds latency{0};
};

// Safe for concurrent use when the HttpClient is.
class AgentClient {
 public:
  // http and clock are borrowed and must outlive the client.
  AgentClient(AgentEndpoint endpoint, llm::HttpClient& http, const Clock& clock);

  // One call, no retries (an agent call may not be safe to repeat). Errors: the transport's
  // (kUnavailable, kDeadlineExceeded, ...), kUnavailable for an HTTP error status (with the
  // start of the body), kInvalidArgument when the inputs do not fit the template or the answer
  // is not what the endpoint kind promises.
  Result<AgentAnswer> Call(const nlohmann::json& inputs, const TraceId& trace_id,
                           const SpanId& parent_span_id) const;

  const AgentEndpoint& endpoint() const { return endpoint_; }

 private:
  AgentEndpoint endpoint_;
  llm::HttpClient& http_;
  const Clock& clock_;
};

// "00-<trace id>-<parent span id>-01" (sampled).
std::string TraceParent(const TraceId& trace_id, const SpanId& parent_span_id);

// The chat messages for a record: inputs.messages when it is a list of {role, content}; else
// one user message holding inputs' only string value (inputs like {"question": "..."}); else
// one user message holding the inputs as JSON text.
nlohmann::json ChatMessagesFor(const nlohmann::json& inputs);

// Renders an AgentEndpoint::request_template (see there).
Result<std::string> RenderRequestTemplate(const std::string& tmpl, const nlohmann::json& inputs);

}  // namespace tracelake::eval
