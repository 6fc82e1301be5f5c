// CurlHttpClient against a real in-process HTTP server: what is sent, what comes back, and how
// deadlines, refused connections and cancellation end a call.
#include "llm/curl_http_client.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tracelake::llm {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class TestServer {
 public:
  TestServer() {
    server_.Post("/echo", [this](const httplib::Request& req, httplib::Response& res) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        last_body_ = req.body;
        last_team_ = req.get_header_value("X-Team");
      }
      res.status = 201;
      res.set_header("Retry-After", "7");
      res.set_header("X-Multi", "a");
      res.set_content("echo:" + req.body, "text/plain");
    });
    server_.Post("/slow", [this](const httplib::Request&, httplib::Response& res) {
      for (int i = 0; i < 200 && !release_.load(); ++i)
        std::this_thread::sleep_for(milliseconds(10));
      res.set_content("late", "text/plain");
    });
    server_.Post("/stream", [](const httplib::Request&, httplib::Response& res) {
      res.set_chunked_content_provider("text/event-stream", [](size_t, httplib::DataSink& sink) {
        for (int i = 0; i < 3; ++i) {
          const std::string event = "data: " + std::to_string(i) + "\n\n";
          sink.write(event.data(), event.size());
        }
        sink.done();
        return true;
      });
    });
    server_.set_keep_alive_max_count(1);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::yield();
  }
  ~TestServer() {
    release_.store(true);
    server_.stop();
    thread_.join();
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  std::string last_body() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_body_;
  }
  std::string last_team() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_team_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<bool> release_{false};
  std::mutex mu_;
  std::string last_body_, last_team_;
};

Deadline In(std::chrono::milliseconds d) { return Deadline::After(SystemClock::Default(), d); }

TEST(CurlHttpClientTest, PostsBodyAndHeadersAndReturnsStatusHeadersBody) {
  TestServer server;
  CurlHttpClient http;
  HttpRequest req(server.url("/echo"), In(seconds(10)));
  req.headers = {{"X-Team", "evals"}, {"Content-Type", "text/plain"}};
  req.body = "ping";
  Result<HttpResponse> r = http.Post(req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->body, "echo:ping");
  EXPECT_FALSE(r->body_truncated);
  EXPECT_EQ(r->Header("retry-after"), "7");
  EXPECT_EQ(r->Header("RETRY-AFTER"), "7");
  EXPECT_FALSE(r->Header("x-absent").has_value());
  EXPECT_EQ(server.last_body(), "ping");
  EXPECT_EQ(server.last_team(), "evals");
  // The handle goes back to the pool and serves the next call.
  ASSERT_TRUE(http.Post(req).ok());
}

TEST(CurlHttpClientTest, BodyBeyondTheLimitIsTruncated) {
  TestServer server;
  CurlHttpClient http;
  HttpRequest req(server.url("/echo"), In(seconds(10)));
  req.body = std::string(100, 'x');
  req.max_body_bytes = 10;
  Result<HttpResponse> r = http.Post(req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, "echo:xxxxx");
  EXPECT_TRUE(r->body_truncated);
}

TEST(CurlHttpClientTest, ExpiringDeadlineIsDeadlineExceeded) {
  TestServer server;
  CurlHttpClient http;
  const auto started = std::chrono::steady_clock::now();
  Result<HttpResponse> r = http.Post(HttpRequest(server.url("/slow"), In(milliseconds(200))));
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded) << r.status().ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - started, seconds(1));
}

TEST(CurlHttpClientTest, PassedDeadlineFailsWithoutSending) {
  TestServer server;
  CurlHttpClient http;
  HttpRequest req(server.url("/echo"), In(milliseconds(-1)));
  req.body = "never";
  EXPECT_EQ(http.Post(req).status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(server.last_body(), "");
}

TEST(CurlHttpClientTest, DeadlineReadFromTheInjectedClock) {
  TestServer server;
  FakeClock clock(0);
  CurlHttpClient http(clock);
  // A deadline 5 s after the fake clock's now: the call runs although real time is far later.
  Result<HttpResponse> r = http.Post(HttpRequest(server.url("/echo"), Deadline::After(clock, seconds(5))));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  clock.AdvanceNanos(std::chrono::nanoseconds(seconds(6)).count());
  EXPECT_EQ(http.Post(HttpRequest(server.url("/echo"), Deadline::After(FakeClock(0), seconds(5))))
                .status()
                .code(),
            StatusCode::kDeadlineExceeded);
}

TEST(CurlHttpClientTest, RefusedConnectionIsUnavailable) {
  int port = 0;
  {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    socklen_t len = sizeof(addr);
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
    close(fd);
  }
  CurlHttpClient http;
  Result<HttpResponse> r =
      http.Post(HttpRequest("http://127.0.0.1:" + std::to_string(port) + "/x", In(seconds(5))));
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().ToString();
}

TEST(CurlHttpClientTest, BadUrlIsInvalidArgument) {
  CurlHttpClient http;
  EXPECT_EQ(http.Post(HttpRequest("nope://x", In(seconds(5)))).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(CurlHttpClientTest, CancelAbortsACallInFlight) {
  TestServer server;
  CurlHttpClient http;
  std::atomic<bool> cancel{false};
  HttpRequest req(server.url("/slow"), In(seconds(10)));
  req.cancel = &cancel;
  std::thread canceller([&] {
    std::this_thread::sleep_for(milliseconds(100));
    cancel.store(true);
  });
  const auto started = std::chrono::steady_clock::now();
  Result<HttpResponse> r = http.Post(req);
  canceller.join();
  EXPECT_EQ(r.status().code(), StatusCode::kCancelled);
  EXPECT_LT(std::chrono::steady_clock::now() - started, seconds(2));
}

TEST(CurlHttpClientTest, StreamingDeliversTheBodyWithTheHeadFirst) {
  TestServer server;
  CurlHttpClient http;
  std::string got;
  int status_seen = 0;
  std::string type_seen;
  Result<HttpResponse> r = http.PostStreaming(
      HttpRequest(server.url("/stream"), In(seconds(10))),
      [&](const HttpResponse& head, std::string_view bytes) {
        status_seen = head.status;
        type_seen = std::string(head.Header("content-type").value_or(""));
        got.append(bytes);
      });
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(r->body.empty());
  EXPECT_EQ(status_seen, 200);
  EXPECT_EQ(type_seen, "text/event-stream");
  EXPECT_EQ(got, "data: 0\n\ndata: 1\n\ndata: 2\n\n");
}

}  // namespace
}  // namespace tracelake::llm
