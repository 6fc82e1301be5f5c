#include "llm/fake_http_client.h"

#include <algorithm>
#include <utility>

namespace tracelake::llm {

void FakeHttpClient::Enqueue(Result<HttpResponse> answer) {
  std::lock_guard<std::mutex> lock(mu_);
  answers_.push_back(std::move(answer));
}

void FakeHttpClient::EnqueueOk(std::string body, HttpHeaders headers) {
  HttpResponse r;
  r.status = 200;
  r.headers = std::move(headers);
  r.body = std::move(body);
  Enqueue(std::move(r));
}

void FakeHttpClient::SetLatency(FakeClock* clock, std::chrono::nanoseconds latency) {
  std::lock_guard<std::mutex> lock(mu_);
  latency_clock_ = clock;
  latency_ = latency;
}

void FakeHttpClient::SetStreamChunkSize(size_t chunk) {
  std::lock_guard<std::mutex> lock(mu_);
  chunk_ = std::max<size_t>(chunk, 1);
}

Result<HttpResponse> FakeHttpClient::Next(const HttpRequest& request) {
  std::lock_guard<std::mutex> lock(mu_);
  requests_.push_back(Recorded{request.url, request.deadline, request.headers, request.body,
                               clock_.NowUnixNanos()});
  if (request.deadline.Expired(clock_)) return DeadlineExceededError("deadline passed before the request");
  if (answers_.empty()) return UnavailableError("fake: no scripted answer left");
  Result<HttpResponse> answer = std::move(answers_.front());
  answers_.pop_front();
  if (latency_clock_ != nullptr) {
    latency_clock_->AdvanceNanos(latency_.count());
    // A slow answer that lands after the deadline is a timeout, as with a real server.
    if (request.deadline.Expired(clock_)) return DeadlineExceededError("fake: timed out");
  }
  return answer;
}

Result<HttpResponse> FakeHttpClient::Post(const HttpRequest& request) {
  Result<HttpResponse> r = Next(request);
  if (r.ok() && r->body.size() > request.max_body_bytes) {
    r->body.resize(request.max_body_bytes);
    r->body_truncated = true;
  }
  return r;
}

Result<HttpResponse> FakeHttpClient::PostStreaming(const HttpRequest& request,
                                                   const HttpBodyCallback& on_body) {
  Result<HttpResponse> r = Next(request);
  if (!r.ok()) return r;
  const std::string body = std::move(r->body);
  r->body.clear();
  size_t chunk = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    chunk = chunk_;
  }
  for (size_t at = 0; at < body.size(); at += chunk)
    on_body(*r, std::string_view(body).substr(at, chunk));
  return r;
}

std::vector<FakeHttpClient::Recorded> FakeHttpClient::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

int FakeHttpClient::calls() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(requests_.size());
}

void FakeSleeper::SleepFor(std::chrono::nanoseconds duration) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    sleeps_.push_back(duration);
  }
  clock_.AdvanceNanos(duration.count());
}

std::vector<std::chrono::nanoseconds> FakeSleeper::sleeps() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sleeps_;
}

}  // namespace tracelake::llm
