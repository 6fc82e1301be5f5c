#include "cli/rest_client.h"

#include <cctype>

namespace tracelake::cli {
namespace {

std::string UrlEncode(const std::string& s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string QueryString(const Json& params) {
  std::string q;
  auto add = [&](const std::string& k, const Json& v) {
    q += q.empty() ? "?" : "&";
    q += UrlEncode(k) + "=" + UrlEncode(v.is_string() ? v.get<std::string>() : v.dump());
  };
  for (const auto& [k, v] : params.items()) {
    if (v.is_array()) {
      for (const auto& e : v) add(k, e);
    } else if (!v.is_null()) {
      add(k, v);
    }
  }
  return q;
}

// MLflow's statuses back to codes, so the CLI's exit message names the kind of failure.
Status FromHttp(int http_status, const std::string& message) {
  switch (http_status) {
    case 400:
      return InvalidArgumentError(message);
    case 401:
      return Status(StatusCode::kUnauthenticated, message);
    case 403:
      return Status(StatusCode::kPermissionDenied, message);
    case 404:
      return NotFoundError(message);
    case 429:
      return ResourceExhaustedError(message);
    default:
      return UnavailableError(message);
  }
}

}  // namespace

RestClient::RestClient(std::string server, std::chrono::seconds timeout)
    : server_(std::move(server)), timeout_(timeout) {
  while (!server_.empty() && server_.back() == '/') server_.pop_back();
}

Result<Json> RestClient::Call(const std::string& method, const std::string& path,
                              const Json& params) {
  const bool get = method == "GET";
  llm::HttpRequest req(server_ + path + (get ? QueryString(params) : ""),
                       llm::Deadline::After(SystemClock::Default(), timeout_));
  req.method = method;
  req.headers = {{"Content-Type", "application/json"}};
  if (!get) req.body = params.dump();
  Result<llm::HttpResponse> res = http_.Post(req);
  if (!res.ok())
    return UnavailableError("cannot reach the tracelake server at " + server_ + ": " +
                            std::string(res.status().message()));
  Json body = Json::parse(res->body, nullptr, /*allow_exceptions=*/false);
  if (res->status == 200 && !body.is_discarded()) return body;
  std::string message = "HTTP " + std::to_string(res->status);
  if (body.is_object() && body.contains("error_code"))
    message = body.value("error_code", "") + ": " + body.value("message", "");
  else if (res->status == 200)
    message = "the server answered with something that is not JSON";
  return FromHttp(res->status, message);
}

}  // namespace tracelake::cli
