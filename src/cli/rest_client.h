// RestClient: the CLI's calls to a running tracelake server's REST API (MLflow's JSON and error
// body), over llm::CurlHttpClient. Confine to one thread.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "llm/curl_http_client.h"
#include "tracelake/status.h"

namespace tracelake::cli {

using Json = nlohmann::json;

class RestClient {
 public:
  // server: "http://host:port" (a trailing slash is dropped).
  explicit RestClient(std::string server, std::chrono::seconds timeout = std::chrono::seconds(120));

  // method: GET (query parameters, repeated for lists), POST, PATCH or DELETE (JSON body).
  // Errors: kUnavailable naming the server when it cannot be reached; an MLflow error body
  // becomes its status with "ERROR_CODE: message".
  Result<Json> Call(const std::string& method, const std::string& path,
                    const Json& params = Json::object());

 private:
  std::string server_;
  std::chrono::seconds timeout_;
  llm::CurlHttpClient http_;
};

}  // namespace tracelake::cli
