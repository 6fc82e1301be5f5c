// HttpClient: the seam between llm/ (and the SDK's exporters) and the network. Every request
// carries a Deadline, set in its constructor, so no call can wait forever. CurlHttpClient
// (curl_http_client.h) is the implementation and the only code in src/ that calls libcurl;
// FakeHttpClient (fake_http_client.h) scripts answers for tests.
//
//   llm::HttpRequest req(url, llm::Deadline::After(clock, std::chrono::seconds(10)));
//   req.headers = {{"Content-Type", "application/json"}};
//   req.body = std::move(json);
//   Result<llm::HttpResponse> r = http.Post(req);
//   if (!r.ok()) return r.status();  // the transport failed; any HTTP status is a response
//   std::optional<std::string_view> wait = r->Header("Retry-After");
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "llm/deadline.h"
#include "tracelake/status.h"

namespace tracelake::llm {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  HttpRequest(std::string url, Deadline deadline) : url(std::move(url)), deadline(deadline) {}

  std::string url;    // http:// or https://
  Deadline deadline;  // the whole exchange, connection to last byte
  // "POST" (Post's default), or "GET", "PATCH", "DELETE" for REST clients such as the CLI; a
  // GET sends no body.
  std::string method = "POST";
  HttpHeaders headers;
  std::string body;
  // Connecting may take at most this long (and never past the deadline).
  std::chrono::milliseconds connect_timeout{10000};
  // Ask for and transparently decode any Content-Encoding the transport supports.
  bool decode_content = false;
  // Body bytes kept by Post; the rest is read and dropped (HttpResponse::body_truncated).
  size_t max_body_bytes = size_t{256} * 1024 * 1024;
  // When set, the exchange is abandoned soon after it becomes true (kCancelled). Borrowed;
  // must outlive the call.
  const std::atomic<bool>* cancel = nullptr;
};

struct HttpResponse {
  int status = 0;
  // Of the final response, in arrival order; names lower-cased, values trimmed.
  HttpHeaders headers;
  std::string body;  // empty for PostStreaming
  bool body_truncated = false;

  // The first value of a header; name compared case-insensitively.
  std::optional<std::string_view> Header(std::string_view name) const;
};

// Sees the response body as it arrives, with the status and headers already complete in head
// (its body empty). Called on the thread that called PostStreaming.
using HttpBodyCallback = std::function<void(const HttpResponse& head, std::string_view bytes)>;

// Implementations say whether they are safe for concurrent use.
//
// Errors (transport only; any HTTP status is a response): kDeadlineExceeded when the deadline
// passed (also before sending), kUnavailable when the server cannot be reached or the
// connection breaks, kCancelled when request.cancel became true, kInvalidArgument for a URL
// the transport cannot use, kInternal when the transport cannot start.
class HttpClient {
 public:
  virtual ~HttpClient() = default;

  virtual Result<HttpResponse> Post(const HttpRequest& request) = 0;
  // Like Post, but the body goes to on_body instead of HttpResponse::body (for server-sent
  // events). max_body_bytes does not apply.
  virtual Result<HttpResponse> PostStreaming(const HttpRequest& request,
                                             const HttpBodyCallback& on_body) = 0;
};

// True when both header names are equal ignoring ASCII case.
bool HeaderNameEquals(std::string_view a, std::string_view b);

}  // namespace tracelake::llm
