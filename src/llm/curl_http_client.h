// CurlHttpClient: HttpClient over libcurl, the only code in src/ that calls curl_easy_*.
#pragma once

#include <mutex>
#include <vector>

#include "common/clock.h"
#include "llm/http_client.h"

namespace tracelake::llm {

// Safe for concurrent use: each call takes its own easy handle from a small pool, so
// sequential calls reuse connections and concurrent calls never share one.
class CurlHttpClient final : public HttpClient {
 public:
  // clock: how deadlines are read; borrowed, must outlive the client.
  explicit CurlHttpClient(const Clock& clock = SystemClock::Default());
  ~CurlHttpClient() override;
  CurlHttpClient(const CurlHttpClient&) = delete;
  CurlHttpClient& operator=(const CurlHttpClient&) = delete;

  Result<HttpResponse> Post(const HttpRequest& request) override;
  Result<HttpResponse> PostStreaming(const HttpRequest& request,
                                     const HttpBodyCallback& on_body) override;

 private:
  // CURL* handles, typed void* so this header does not pull in curl.h.
  void* Acquire();
  void Release(void* handle);
  Result<HttpResponse> Perform(const HttpRequest& request, const HttpBodyCallback* on_body);

  const Clock& clock_;
  std::mutex mu_;
  std::vector<void*> idle_;  // GUARDED_BY(mu_)
};

}  // namespace tracelake::llm
