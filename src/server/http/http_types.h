// Transport-independent HTTP request and response. The HTTP server (http_server.cc) adapts
// cpp-httplib to these; handlers never see httplib. The router is in router.h.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tracelake::server {

struct HttpRequest {
  std::string method;  // "GET", "POST", "PATCH", "DELETE", ...
  std::string path;    // without query string
  // Query parameters in order; repeated keys (trace_ids=a&trace_ids=b) appear repeatedly.
  std::vector<std::pair<std::string, std::string>> query;
  std::map<std::string, std::string> headers;  // keys lower-cased
  std::string body;                            // already decompressed
  std::map<std::string, std::string> path_params;  // {name} segments of the matched route

  // First value of a query parameter, or nullptr.
  const std::string* QueryParam(std::string_view key) const {
    for (const auto& [k, v] : query)
      if (k == key) return &v;
    return nullptr;
  }
  std::vector<std::string> QueryParams(std::string_view key) const {
    std::vector<std::string> out;
    for (const auto& [k, v] : query)
      if (k == key) out.push_back(v);
    return out;
  }
  const std::string* Header(std::string_view lower_key) const {
    auto it = headers.find(std::string(lower_key));
    return it == headers.end() ? nullptr : &it->second;
  }
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

}  // namespace tracelake::server
