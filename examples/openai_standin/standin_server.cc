#include "standin_server.h"

#include <httplib.h>

#include <chrono>
#include <nlohmann/json.hpp>

namespace tracelake::examples {
namespace {

using Json = nlohmann::json;

constexpr const char* kRegions[] = {"EMEA", "APAC", "AMER"};

struct Reply {
  std::string content;
  Json tool_calls = Json::array();  // [{id, type, function{name, arguments(string)}}]
};

Json OpenAiError(const std::string& message, const std::string& type, const std::string& code) {
  return {{"error", {{"message", message}, {"type", type}, {"code", code}}}};
}

std::string TextOf(const Json& content) {
  if (content.is_string()) return content.get<std::string>();
  std::string out;
  if (content.is_array()) {  // content parts
    for (const auto& part : content)
      if (part.is_object() && part.value("type", "") == "text") out += part.value("text", "");
  }
  return out;
}

// Renders a genie_query result ({"columns":[...],"rows":[[...]]}) as "EMEA 1234.5".
std::string RenderRows(const std::string& tool_content) {
  Json j = Json::parse(tool_content, nullptr, false);
  if (!j.is_object() || !j.contains("rows") || !j["rows"].is_array()) return tool_content.substr(0, 80);
  std::string out;
  for (const auto& row : j["rows"]) {
    if (!row.is_array()) continue;
    if (!out.empty()) out += ", ";
    bool first = true;
    for (const auto& cell : row) {
      if (!first) out += ' ';
      first = false;
      out += cell.is_string() ? cell.get<std::string>() : cell.dump();
    }
  }
  return out.empty() ? "no rows" : out;
}

Reply BuiltinReply(const Json& request, int64_t call_seq) {
  const Json& messages = request["messages"];
  int last_user = -1;
  for (int i = 0; i < static_cast<int>(messages.size()); ++i)
    if (messages[i].is_object() && messages[i].value("role", "") == "user") last_user = i;
  bool pending_tools = false;  // tool results after the last user message
  for (int i = last_user + 1; i < static_cast<int>(messages.size()); ++i)
    if (messages[i].is_object() && messages[i].value("role", "") == "tool") pending_tools = true;
  // The latest batch of tool results: the tool messages after the last assistant tool call.
  std::vector<std::string> tool_results;
  for (int i = static_cast<int>(messages.size()) - 1; i >= 0; --i) {
    const Json& m = messages[i];
    if (!m.is_object()) continue;
    if (m.value("role", "") == "assistant" && m.contains("tool_calls") && m["tool_calls"].is_array() &&
        !m["tool_calls"].empty()) {
      for (int k = i + 1; k < static_cast<int>(messages.size()); ++k)
        if (messages[k].is_object() && messages[k].value("role", "") == "tool")
          tool_results.push_back(TextOf(messages[k].value("content", Json(""))));
      break;
    }
  }
  bool offers_genie = false;
  if (request.contains("tools") && request["tools"].is_array()) {
    for (const auto& t : request["tools"])
      if (t.is_object() && t.contains("function") && t["function"].value("name", "") == "genie_query")
        offers_genie = true;
  }
  Reply r;
  if (offers_genie && !pending_tools && request.value("tool_choice", "auto") != "none") {
    int i = 0;
    for (const char* region : kRegions) {
      Json args = {{"sql", std::string("SELECT region, ROUND(SUM(amount), 2) AS total_sales FROM sales "
                                       "WHERE quarter = '2026-Q3' AND region = '") +
                               region + "' GROUP BY region"}};
      r.tool_calls.push_back({{"id", "call_" + std::to_string(call_seq) + "_" + std::to_string(i++)},
                              {"type", "function"},
                              {"function", {{"name", "genie_query"}, {"arguments", args.dump()}}}});
    }
    return r;
  }
  if (!tool_results.empty()) {
    r.content = "Total sales last quarter by region: ";
    for (size_t i = 0; i < tool_results.size(); ++i) {
      if (i > 0) r.content += "; ";
      r.content += RenderRows(tool_results[i]);
    }
    r.content += ".";
    return r;
  }
  std::string said = last_user >= 0 ? TextOf(messages[last_user].value("content", Json(""))) : "";
  if (said.size() > 200) said.resize(200);
  r.content = "You said: " + said;
  return r;
}

Reply ScriptedReply(const Json& script, const Json& request, int64_t call_seq) {
  int assistant_turns = 0;
  for (const auto& m : request["messages"])
    if (m.is_object() && m.value("role", "") == "assistant") ++assistant_turns;
  const Json& item = script[std::min<size_t>(assistant_turns, script.size() - 1)];
  Reply r;
  if (item.contains("content")) r.content = TextOf(item["content"]);
  if (item.contains("tool_calls") && item["tool_calls"].is_array()) {
    int i = 0;
    for (const auto& c : item["tool_calls"]) {
      Json args = c.value("arguments", Json::object());
      r.tool_calls.push_back({{"id", "call_" + std::to_string(call_seq) + "_" + std::to_string(i++)},
                              {"type", "function"},
                              {"function", {{"name", c.value("name", "tool")},
                                            {"arguments", args.is_string() ? args.get<std::string>() : args.dump()}}}});
    }
  }
  return r;
}

// Rough token counts: about four characters a token, as real tokenizers average on English.
Json Usage(const Json& request, const Reply& reply) {
  size_t chars = 0;
  int assistant_turns = 0;
  for (const auto& m : request["messages"]) {
    chars += m.dump().size();
    if (m.is_object() && m.value("role", "") == "assistant") ++assistant_turns;
  }
  const int64_t prompt = 8 + static_cast<int64_t>(chars / 4);
  const int64_t completion = 1 + static_cast<int64_t>((reply.content.size() + reply.tool_calls.dump().size() / 2) / 4);
  // Later turns of a conversation repeat its prefix: the prompt cache would hit.
  const int64_t cached = assistant_turns > 0 ? std::min<int64_t>(prompt, 64) : 0;
  return {{"prompt_tokens", prompt},
          {"completion_tokens", completion},
          {"total_tokens", prompt + completion},
          {"prompt_tokens_details", {{"cached_tokens", cached}}}};
}

std::string SseEvent(const Json& j) { return "data: " + j.dump() + "\n\n"; }

// The chunks of a streamed answer: role, content in pieces or tool calls (name first, then the
// arguments in two halves), the finish reason, then usage when asked for.
std::vector<std::string> StreamEvents(const Json& base, const Reply& reply, const Json& usage,
                                      bool include_usage) {
  std::vector<std::string> events;
  auto chunk = [&](Json delta, Json finish) {
    Json c = base;
    c["object"] = "chat.completion.chunk";
    c["choices"] = Json::array({{{"index", 0}, {"delta", std::move(delta)}, {"finish_reason", std::move(finish)}}});
    return c;
  };
  events.push_back(SseEvent(chunk({{"role", "assistant"}, {"content", ""}}, nullptr)));
  if (!reply.tool_calls.empty()) {
    for (size_t i = 0; i < reply.tool_calls.size(); ++i) {
      const Json& call = reply.tool_calls[i];
      const std::string args = call["function"]["arguments"].get<std::string>();
      const size_t half = args.size() / 2;
      events.push_back(SseEvent(chunk(
          {{"tool_calls", Json::array({{{"index", i}, {"id", call["id"]}, {"type", "function"},
                                        {"function", {{"name", call["function"]["name"]}, {"arguments", ""}}}}})}},
          nullptr)));
      for (const std::string& part : {args.substr(0, half), args.substr(half)}) {
        events.push_back(SseEvent(chunk(
            {{"tool_calls", Json::array({{{"index", i}, {"function", {{"arguments", part}}}}})}}, nullptr)));
      }
    }
  } else {
    size_t pos = 0;
    while (pos < reply.content.size()) {
      // Split after spaces, so pieces look like tokens (and never split a UTF-8 sequence).
      size_t next = reply.content.find(' ', pos);
      next = next == std::string::npos ? reply.content.size() : next + 1;
      events.push_back(SseEvent(chunk({{"content", reply.content.substr(pos, next - pos)}}, nullptr)));
      pos = next;
    }
  }
  events.push_back(SseEvent(chunk(Json::object(), reply.tool_calls.empty() ? "stop" : "tool_calls")));
  if (include_usage) {
    Json u = base;
    u["object"] = "chat.completion.chunk";
    u["choices"] = Json::array();
    u["usage"] = usage;
    events.push_back(SseEvent(u));
  }
  events.push_back("data: [DONE]\n\n");
  return events;
}

}  // namespace

Result<std::unique_ptr<StandinServer>> StandinServer::Start(StandinOptions options) {
  if (!options.script_json.empty()) {
    Json script = Json::parse(options.script_json, nullptr, false);
    if (!script.is_array() || script.empty())
      return InvalidArgumentError("script must be a non-empty JSON array of replies");
  }
  std::unique_ptr<StandinServer> s(new StandinServer());
  s->options_ = options;
  s->fail_next_ = options.fail_next;
  s->fail_status_ = options.fail_status;
  s->retry_after_s_ = options.retry_after_s;
  s->delay_ms_ = options.delay_ms;
  s->server_ = std::make_unique<httplib::Server>();
  StandinServer* self = s.get();
  auto handler = [self](const httplib::Request& req, httplib::Response& res) {
    int status = 200;
    std::string content_type, out, retry_after;
    bool stream = false;
    self->Handle(req.body, req.get_header_value("Authorization"), status, content_type, out,
                 retry_after, stream);
    res.status = status;
    if (!retry_after.empty()) res.set_header("Retry-After", retry_after);
    if (!stream) {
      res.set_content(out, content_type.c_str());
      return;
    }
    // Streamed answers go out event by event (out holds them separated by \x1e).
    auto events = std::make_shared<std::vector<std::string>>();
    size_t start = 0;
    while (start < out.size()) {
      size_t end = out.find('\x1e', start);
      if (end == std::string::npos) end = out.size();
      events->push_back(out.substr(start, end - start));
      start = end + 1;
    }
    res.set_header("Cache-Control", "no-cache");
    res.set_chunked_content_provider("text/event-stream", [events](size_t, httplib::DataSink& sink) {
      for (const auto& e : *events) {
        if (!sink.write(e.data(), e.size())) return false;
      }
      sink.done();
      return true;
    });
  };
  s->server_->Post("/v1/chat/completions", handler);
  s->server_->Post("/chat/completions", handler);
  s->server_->Get("/v1/models", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"object":"list","data":[{"id":"standin","object":"model","owned_by":"tracelake"}]})",
                    "application/json");
  });
  s->server_->Get("/health", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("OK", "text/plain");
  });
  if (options.port == 0) {
    s->port_ = s->server_->bind_to_any_port(options.host);
  } else {
    s->port_ = s->server_->bind_to_port(options.host, options.port) ? options.port : -1;
  }
  if (s->port_ <= 0) return UnavailableError("cannot bind " + options.host + ":" + std::to_string(options.port));
  s->thread_ = std::thread([self] { self->server_->listen_after_bind(); });
  while (!s->server_->is_running()) std::this_thread::yield();
  return s;
}

StandinServer::~StandinServer() { Stop(); }

void StandinServer::Stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

void StandinServer::Wait() {
  if (thread_.joinable()) thread_.join();
}

std::string StandinServer::base_url() const {
  return "http://" + options_.host + ":" + std::to_string(port_) + "/v1";
}

void StandinServer::FailNext(int n, int status, int retry_after_s) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_next_ = n;
  fail_status_ = status;
  retry_after_s_ = retry_after_s;
}

void StandinServer::SetDelayMs(int ms) {
  std::lock_guard<std::mutex> lock(mu_);
  delay_ms_ = ms;
}

std::string StandinServer::last_request_body() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_body_;
}

void StandinServer::Handle(const std::string& body, const std::string& auth, int& status,
                           std::string& content_type, std::string& out, std::string& retry_after,
                           bool& stream) {
  requests_.fetch_add(1);
  content_type = "application/json";
  int delay = 0;
  int64_t seq = 0;
  bool fail = false;
  int fail_status = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    last_body_ = body;
    delay = delay_ms_;
    seq = next_id_++;
    if (fail_next_ > 0) {
      --fail_next_;
      fail = true;
      fail_status = fail_status_;
      if (retry_after_s_ >= 0) retry_after = std::to_string(retry_after_s_);
    }
  }
  if (delay > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay));
  if (!options_.api_key.empty() && auth != "Bearer " + options_.api_key) {
    status = 401;
    out = OpenAiError("Incorrect API key provided.", "invalid_request_error", "invalid_api_key").dump();
    return;
  }
  if (fail) {
    status = fail_status;
    out = OpenAiError("Injected failure.", fail_status == 429 ? "rate_limit_exceeded" : "server_error",
                      "standin_injected")
              .dump();
    return;
  }
  Json request = Json::parse(body, nullptr, false);
  if (!request.is_object() || !request.contains("messages") || !request["messages"].is_array()) {
    status = 400;
    out = OpenAiError("'messages' is a required property", "invalid_request_error", "invalid_body").dump();
    return;
  }
  Reply reply = options_.script_json.empty()
                    ? BuiltinReply(request, seq)
                    : ScriptedReply(Json::parse(options_.script_json), request, seq);
  const std::string model = request.value("model", "standin") + options_.model_suffix;
  const Json usage = Usage(request, reply);
  Json base = {{"id", "chatcmpl-standin-" + std::to_string(seq)},
               {"created", 1764547200},
               {"model", model},
               {"system_fingerprint", "fp_standin"}};
  if (request.value("stream", false)) {
    const bool include_usage = request.contains("stream_options") && request["stream_options"].is_object() &&
                               request["stream_options"].value("include_usage", false);
    stream = true;
    out.clear();
    for (const auto& e : StreamEvents(base, reply, usage, include_usage)) {
      out += e;
      out += '\x1e';
    }
    return;
  }
  Json message = {{"role", "assistant"}, {"content", reply.tool_calls.empty() ? Json(reply.content) : Json(nullptr)}};
  if (!reply.tool_calls.empty()) message["tool_calls"] = reply.tool_calls;
  Json response = base;
  response["object"] = "chat.completion";
  response["choices"] = Json::array({{{"index", 0},
                                      {"message", std::move(message)},
                                      {"logprobs", nullptr},
                                      {"finish_reason", reply.tool_calls.empty() ? "stop" : "tool_calls"}}});
  response["usage"] = usage;
  out = response.dump();
}

}  // namespace tracelake::examples
