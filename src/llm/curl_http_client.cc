#include "llm/curl_http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <string>

namespace tracelake::llm {
namespace {

constexpr size_t kMaxIdleHandles = 4;

// State of one exchange, shared with the curl callbacks.
struct Exchange {
  HttpResponse response;
  const HttpRequest* request = nullptr;
  const HttpBodyCallback* on_body = nullptr;
};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* x = static_cast<Exchange*>(user);
  const std::string_view line = Trim(std::string_view(data, size * n));
  if (line.rfind("HTTP/", 0) == 0) {
    // A new status line (after a 100 Continue or a redirect): only the final headers count.
    x->response.headers.clear();
    const size_t space = line.find(' ');
    x->response.status = space == std::string_view::npos
                             ? 0
                             : std::atoi(std::string(line.substr(space + 1, 3)).c_str());
    return size * n;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return size * n;
  std::string name(line.substr(0, colon));
  for (char& c : name) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  x->response.headers.emplace_back(std::move(name), std::string(Trim(line.substr(colon + 1))));
  return size * n;
}

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* x = static_cast<Exchange*>(user);
  const std::string_view bytes(data, size * n);
  if (x->on_body != nullptr) {
    (*x->on_body)(x->response, bytes);
    return size * n;
  }
  const size_t room =
      x->request->max_body_bytes - std::min(x->request->max_body_bytes, x->response.body.size());
  if (bytes.size() > room) x->response.body_truncated = true;
  x->response.body.append(bytes.substr(0, room));
  return size * n;
}

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* x = static_cast<Exchange*>(user);
  return x->request->cancel->load(std::memory_order_relaxed) ? 1 : 0;
}

Status TransportError(CURLcode rc) {
  const std::string what = curl_easy_strerror(rc);
  switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
      return DeadlineExceededError(what);
    case CURLE_ABORTED_BY_CALLBACK:
      return Status(StatusCode::kCancelled, "cancelled");
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return InvalidArgumentError(what);
    case CURLE_OUT_OF_MEMORY:
    case CURLE_FAILED_INIT:
      return InternalError(what);
    default:
      return UnavailableError(what);  // refused, reset, DNS, TLS: the server may come back
  }
}

}  // namespace

CurlHttpClient::CurlHttpClient(const Clock& clock) : clock_(clock) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

CurlHttpClient::~CurlHttpClient() {
  for (void* handle : idle_) curl_easy_cleanup(static_cast<CURL*>(handle));
}

void* CurlHttpClient::Acquire() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      void* handle = idle_.back();
      idle_.pop_back();
      return handle;
    }
  }
  return curl_easy_init();
}

void CurlHttpClient::Release(void* handle) {
  std::lock_guard<std::mutex> lock(mu_);
  if (idle_.size() < kMaxIdleHandles) {
    idle_.push_back(handle);
    return;
  }
  curl_easy_cleanup(static_cast<CURL*>(handle));
}

Result<HttpResponse> CurlHttpClient::Post(const HttpRequest& request) {
  return Perform(request, nullptr);
}

Result<HttpResponse> CurlHttpClient::PostStreaming(const HttpRequest& request,
                                                   const HttpBodyCallback& on_body) {
  return Perform(request, &on_body);
}

Result<HttpResponse> CurlHttpClient::Perform(const HttpRequest& request,
                                             const HttpBodyCallback* on_body) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(request.deadline.Remaining(clock_));
  if (left.count() <= 0) return DeadlineExceededError("deadline passed before the request");
  if (request.cancel != nullptr && request.cancel->load())
    return Status(StatusCode::kCancelled, "cancelled");
  CURL* curl = static_cast<CURL*>(Acquire());
  if (curl == nullptr) return InternalError("curl_easy_init failed");
  curl_easy_reset(curl);

  Exchange x;
  x.request = &request;
  x.on_body = on_body;
  curl_slist* headers = nullptr;
  std::vector<std::string> lines;
  lines.reserve(request.headers.size());
  for (const auto& [name, value] : request.headers) {
    std::string line = name;
    line += ": ";
    line += value;
    lines.push_back(std::move(line));
    headers = curl_slist_append(headers, lines.back().c_str());
  }
  headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  if (request.method == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  }
  // Handles are pooled: a custom method must not leak into the next request.
  curl_easy_setopt(
      curl, CURLOPT_CUSTOMREQUEST,
      request.method == "POST" || request.method == "GET" ? nullptr : request.method.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // timeouts without SIGALRM (threads)
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(left.count()));
  curl_easy_setopt(
      curl, CURLOPT_CONNECTTIMEOUT_MS,
      static_cast<long>(std::clamp<int64_t>(request.connect_timeout.count(), 1, left.count())));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &x);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &x);
  if (request.decode_content) curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
  if (request.cancel != nullptr) {
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, OnProgress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &x);
  }
  const CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  // The handle keeps pointers into this frame (headers, x); none survive the reset above on
  // its next use, and Release only parks it.
  Release(curl);
  if (rc != CURLE_OK) return TransportError(rc);
  x.response.status = static_cast<int>(status);
  return std::move(x.response);
}

}  // namespace tracelake::llm
