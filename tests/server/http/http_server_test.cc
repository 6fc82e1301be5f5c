// The HTTP front end and OTLP/HTTP receiver, exercised over real sockets against an in-process
// server on a free port with a real SQLite store.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>

#include "model/span.h"
#include "otlp/encode.h"
#include "server/http/router.h"
#include "server/server_app.h"

namespace tracelake::server {
namespace {

std::string Gzip(const std::string& in) {
  z_stream zs{};
  deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, in.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::vector<model::Span> SomeSpans(uint64_t seed, int n) {
  std::mt19937_64 rng(seed);
  auto resource = std::make_shared<model::Resource>();
  resource->attributes = {{"service.name", "test"}};
  std::vector<model::Span> spans;
  TraceId trace;
  for (auto& b : trace.bytes) b = static_cast<uint8_t>(rng());
  for (int i = 0; i < n; ++i) {
    model::Span s;
    s.trace_id = trace;
    for (auto& b : s.span_id.bytes) b = static_cast<uint8_t>(rng() | 1);
    if (i > 0) s.parent_span_id = spans[0].span_id;
    s.name = i == 0 ? "root" : "child";
    s.start_time_unix_nano = 1700000000000000000ull + static_cast<uint64_t>(i) * 1000;
    s.end_time_unix_nano = s.start_time_unix_nano + 5000000;
    s.resource = resource;
    spans.push_back(std::move(s));
  }
  return spans;
}

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("tracelake_http_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    ServerOptions options;
    options.port = 0;
    options.otlp_grpc_port = 0;
    options.backend_store_uri = "sqlite:///" + (dir_ / "t.db").string();
    options.max_request_bytes = 1 << 20;
    app_ = std::make_unique<ServerApp>(options);
    ASSERT_TRUE(app_->Start().ok());
    client_ = std::make_unique<httplib::Client>("127.0.0.1", app_->http_port());
    client_->set_read_timeout(30, 0);
  }
  void TearDown() override {
    app_->Shutdown();
    std::filesystem::remove_all(dir_);
  }

  std::filesystem::path dir_;
  std::unique_ptr<ServerApp> app_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(HttpServerTest, AcceptsProtobufTracesAndAnswersWithExportResponse) {
  std::string body = otlp::EncodeTracesRequestProtobuf(SomeSpans(1, 3));
  auto res = client_->Post("/v1/traces", body, "application/x-protobuf");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/x-protobuf");
}

TEST_F(HttpServerTest, AcceptsGzipJson) {
  std::string body = otlp::EncodeTracesRequestJson(SomeSpans(2, 2));
  httplib::Headers headers = {{"Content-Encoding", "gzip"}};
  auto res = client_->Post("/v1/traces", headers, Gzip(body), "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
}

TEST_F(HttpServerTest, RejectsGzipBombWith413AndKeepsServing) {
  std::string huge(8 << 20, 'a');  // 8 MiB decompressed, a few KiB on the wire
  httplib::Headers headers = {{"Content-Encoding", "gzip"}};
  auto res = client_->Post("/v1/traces", headers, Gzip(huge), "application/x-protobuf");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413);
  httplib::Client fresh("127.0.0.1", app_->http_port());
  auto ok = fresh.Get("/health");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

TEST_F(HttpServerTest, RejectsOversizedBodyWith413) {
  std::string big(2 << 20, 'x');
  auto res = client_->Post("/v1/traces", big, "application/x-protobuf");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413);
}

TEST_F(HttpServerTest, BrowsersGetGzipNotSlowBrotli) {
  client_->set_decompress(false);
  for (const char* accept : {"gzip, deflate, br", "br;q=1.0, gzip;q=0.8", "br"}) {
    httplib::Headers headers = {{"Accept-Encoding", accept}};
    auto res = client_->Get("/api/2.0/mlflow/experiments/search?max_results=10", headers);
    ASSERT_TRUE(res) << accept;
    EXPECT_EQ(res->status, 200) << accept;
    EXPECT_NE(res->get_header_value("Content-Encoding"), "br") << accept;
  }
  httplib::Headers gzip = {{"Accept-Encoding", "gzip, deflate, br"}};
  auto res = client_->Get("/api/2.0/mlflow/experiments/search?max_results=10", gzip);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->get_header_value("Content-Encoding"), "gzip");
}

TEST_F(HttpServerTest, RejectsMalformedGzipWith400) {
  httplib::Headers headers = {{"Content-Encoding", "gzip"}};
  auto res = client_->Post("/v1/traces", headers, "not gzip at all", "application/x-protobuf");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
}

// Bodies declared gzip that are not one or more complete gzip members: 400, even when what
// inflates is empty or a valid request; the server keeps serving on the same client.
TEST_F(HttpServerTest, RejectsEveryInvalidGzipBodyWith400) {
  const std::string request = otlp::EncodeTracesRequestProtobuf(SomeSpans(6, 3));
  const std::string gzipped = Gzip(request);
  std::mt19937 rng(7);
  std::string random(512, '\0');
  for (auto& c : random) c = static_cast<char>(rng());
  const std::map<std::string, std::string> bad = {
      {"random bytes", random},
      {"truncated stream", gzipped.substr(0, gzipped.size() / 2)},
      {"stream without its trailer", gzipped.substr(0, gzipped.size() - 8)},
      {"gzip header only (inflates to nothing)", gzipped.substr(0, 10)},
      {"empty body", ""},
      {"trailing garbage", gzipped + "garbage"},
      {"trailing zero bytes", gzipped + std::string(16, '\0')},
      {"truncated empty stream", Gzip("").substr(0, 12)},
  };
  httplib::Headers headers = {{"Content-Encoding", "gzip"}};
  for (const auto& [what, body] : bad) {
    auto res = client_->Post("/v1/traces", headers, body, "application/x-protobuf");
    ASSERT_TRUE(res) << what;
    EXPECT_EQ(res->status, 400) << what << ": " << res->body;
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/x-protobuf") << what;
  }
  // Nothing was stored, and the server still answers.
  auto metrics = client_->Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("tracelake_store_spans 0\n"), std::string::npos);
  auto health = client_->Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST_F(HttpServerTest, AcceptsValidGzipBodies) {
  httplib::Headers headers = {{"Content-Encoding", "gzip"}};
  // A complete gzip stream of nothing: an empty (valid) export request.
  auto empty = client_->Post("/v1/traces", headers, Gzip(""), "application/x-protobuf");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->status, 200) << empty->body;
  // Two members back to back (RFC 1952) inflate to their concatenation.
  const std::string request = otlp::EncodeTracesRequestProtobuf(SomeSpans(8, 4));
  const size_t half = request.size() / 2;
  auto two = client_->Post("/v1/traces", headers,
                           Gzip(request.substr(0, half)) + Gzip(request.substr(half)),
                           "application/x-protobuf");
  ASSERT_TRUE(two);
  EXPECT_EQ(two->status, 200) << two->body;
  // The coding's name is case-insensitive, and x-gzip is its old alias.
  for (const char* coding : {"GZIP", "x-gzip", " gzip "}) {
    httplib::Headers h = {{"Content-Encoding", coding}};
    auto res = client_->Post("/v1/traces", h, Gzip(request), "application/x-protobuf");
    ASSERT_TRUE(res) << coding;
    EXPECT_EQ(res->status, 200) << coding << ": " << res->body;
  }
  auto metrics = client_->Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("tracelake_store_spans 4\n"), std::string::npos) << metrics->body;
}

int ProcessThreads() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  }
  return -1;
}

// 1,000 exporters connect at once, each sends one export and keeps its connection open (as
// exporters do) unless the answer says "Connection: close" (as HTTP clients do). All are
// answered, by the server's fixed pool of handler threads: the process gains no thread per
// connection. Connections that waited for a thread are told to close after their answer, so they
// do not hold a thread through the keep-alive timeout. Nothing here is timed except a generous
// guard against hanging.
TEST_F(HttpServerTest, ServesAThousandConnectionsAtOnceWithBoundedThreads) {
  constexpr int kConnections = 1000;
  rlimit files{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &files), 0);
  if (files.rlim_cur < 2 * kConnections + 200) {
    files.rlim_cur = std::min<rlim_t>(files.rlim_max, 2 * kConnections + 200);
    ::setrlimit(RLIMIT_NOFILE, &files);
    if (files.rlim_cur < 2 * kConnections + 200) GTEST_SKIP() << "too few file descriptors";
  }
  ASSERT_EQ(client_->Get("/health")->status, 200);  // the handler threads are running
  const int threads_before = ProcessThreads();
  const std::string body = otlp::EncodeTracesRequestProtobuf(SomeSpans(9, 1));
  const std::string request =
      "POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Content-Type: application/x-protobuf\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(app_->http_port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

  struct Conn {
    int fd = -1;
    size_t sent = 0;
    std::string in;
    int status = 0;  // 0 until the whole answer is in
    bool closed_by_server = false;
  };
  std::vector<Conn> conns(kConnections);
  for (auto& c : conns) {  // every connect starts before any answer is read
    c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    ASSERT_GE(c.fd, 0);
    const int rc = ::connect(c.fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr));
    ASSERT_TRUE(rc == 0 || errno == EINPROGRESS) << errno;
  }
  int answered = 0;
  int peak_threads = threads_before;
  const auto guard = std::chrono::steady_clock::now() + std::chrono::minutes(3);
  while (answered < kConnections && std::chrono::steady_clock::now() < guard) {
    std::vector<pollfd> fds;
    std::vector<Conn*> which;
    for (auto& c : conns) {
      if (c.status != 0) continue;
      const short events = c.sent < request.size() ? POLLOUT : POLLIN;
      fds.push_back({c.fd, events, 0});
      which.push_back(&c);
    }
    ASSERT_GE(::poll(fds.data(), fds.size(), 1000), 0);
    peak_threads = std::max(peak_threads, ProcessThreads());
    for (size_t i = 0; i < fds.size(); ++i) {
      Conn& c = *which[i];
      if (fds[i].revents & POLLOUT) {
        const ssize_t n =
            ::send(c.fd, request.data() + c.sent, request.size() - c.sent, MSG_NOSIGNAL);
        ASSERT_GT(n, 0) << "send failed: " << errno;
        c.sent += static_cast<size_t>(n);
      } else if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) {
        char buf[4096];
        const ssize_t n = ::recv(c.fd, buf, sizeof(buf), 0);
        ASSERT_GT(n, 0) << "connection closed before its answer (errno " << errno << ")";
        c.in.append(buf, static_cast<size_t>(n));
        const size_t end = c.in.find("\r\n\r\n");
        if (end == std::string::npos) continue;
        const std::string head = c.in.substr(0, end);
        const size_t cl = head.find("Content-Length: ");
        ASSERT_NE(cl, std::string::npos) << head;
        if (c.in.size() < end + 4 + std::stoul(head.substr(cl + 16))) continue;
        c.status = std::stoi(head.substr(9, 3));
        c.closed_by_server = head.find("Connection: close") != std::string::npos;
        ++answered;
        if (c.closed_by_server) {
          ::close(c.fd);
          c.fd = -1;
        }
      }
    }
  }
  int ok = 0;
  int closed = 0;
  for (auto& c : conns) {
    ok += c.status == 200;
    closed += c.closed_by_server;
    if (c.fd >= 0) ::close(c.fd);
  }
  EXPECT_EQ(ok, kConnections);
  // More connections than handler threads: the ones that waited were closed after answering.
  EXPECT_GT(closed, 0);
  EXPECT_LE(peak_threads, threads_before + 2) << "threads before: " << threads_before;
}

TEST_F(HttpServerTest, RejectsUnknownContentTypeWith415) {
  auto res = client_->Post("/v1/traces", "hello", "text/plain");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 415);
}

TEST_F(HttpServerTest, RejectsMalformedProtobufWith400RpcStatus) {
  auto res =
      client_->Post("/v1/traces", std::string("\x0a\xff\xff\xff\x0f", 5), "application/x-protobuf");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/x-protobuf");
}

TEST_F(HttpServerTest, UnknownExperimentIs404) {
  std::string body = otlp::EncodeTracesRequestProtobuf(SomeSpans(3, 1));
  httplib::Headers headers = {{"x-mlflow-experiment-id", "987654"}};
  auto res = client_->Post("/v1/traces", headers, body, "application/x-protobuf");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
}

TEST_F(HttpServerTest, NonNumericExperimentHeaderIs400) {
  std::string body = otlp::EncodeTracesRequestProtobuf(SomeSpans(4, 1));
  httplib::Headers headers = {{"x-mlflow-experiment-id", "abc"}};
  auto res = client_->Post("/v1/traces", headers, body, "application/x-protobuf");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
}

TEST_F(HttpServerTest, UnknownPathIsMlflowStyle404) {
  auto res = client_->Get("/api/2.0/mlflow/nope");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_NE(res->body.find("\"error_code\""), std::string::npos);
}

TEST(RouterTest, FallbackTakesOnlyPathsNoRouteMatches) {
  Router router;
  int which = 0;
  router.Add("POST", "/api/2.0/mlflow/experiments/create", Scope::kWrite,
             [&](HttpRequest&, HttpResponse&) { which = 1; });
  router.Add("GET", "/api/3.0/mlflow/traces/{trace_id}", Scope::kRead,
             [&](HttpRequest&, HttpResponse&) { which = 2; });
  std::map<std::string, std::string> params;
  const Handler* handler = nullptr;
  EXPECT_EQ(router.Match("GET", "/experiments/1", params, &handler),
            Router::MatchResult::kNotFound);
  router.SetFallback(Scope::kPublic, [&](HttpRequest&, HttpResponse&) { which = 3; });
  HttpRequest req;
  HttpResponse res;
  const std::string deep = "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t";  // 20 segments
  for (const char* path : {"/", "/experiments/1/traces/tr-1", deep.c_str()}) {
    for (const char* method : {"GET", "POST", "DELETE"}) {
      ASSERT_EQ(router.Match(method, path, params, &handler), Router::MatchResult::kFound) << path;
      (*handler)(req, res);
      EXPECT_EQ(which, 3) << method << " " << path;
      EXPECT_TRUE(params.empty());
    }
  }
  ASSERT_EQ(router.Match("GET", "/api/3.0/mlflow/traces/tr-9", params, &handler),
            Router::MatchResult::kFound);
  (*handler)(req, res);
  EXPECT_EQ(which, 2);
  EXPECT_EQ(params["trace_id"], "tr-9");
  // A path a route owns keeps its 405 for other methods.
  EXPECT_EQ(router.Match("GET", "/api/2.0/mlflow/experiments/create", params, &handler),
            Router::MatchResult::kMethodNotAllowed);
}

TEST_F(HttpServerTest, PathsNoRouteOwnsGetTheApisAnswersOrTheUi) {
  auto wrong_method = client_->Get("/api/2.0/mlflow/experiments/create");
  ASSERT_TRUE(wrong_method);
  EXPECT_EQ(wrong_method->status, 405);
  EXPECT_NE(wrong_method->body.find("INVALID_PARAMETER_VALUE"), std::string::npos);
  auto otlp_get = client_->Get("/v1/traces");
  ASSERT_TRUE(otlp_get);
  EXPECT_EQ(otlp_get->status, 405);
  for (const char* path : {"/api/2.0/mlflow/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q", "/v1/nothing"}) {
    auto res = client_->Get(path);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 404) << path;
    EXPECT_NE(res->body.find("RESOURCE_DOES_NOT_EXIST"), std::string::npos) << path;
  }
  // Writes to UI paths are the API's 404, never the UI's page.
  auto post = client_->Post("/experiments/1", "{}", "application/json");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 404);
  EXPECT_EQ(post->get_header_value("Content-Type").rfind("application/json", 0), 0u);
}

TEST_F(HttpServerTest, MetricsCountIngestedSpans) {
  std::string body = otlp::EncodeTracesRequestProtobuf(SomeSpans(5, 4));
  ASSERT_EQ(client_->Post("/v1/traces", body, "application/x-protobuf")->status, 200);
  auto res = client_->Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_NE(res->body.find("tracelake_ingested_spans_total 4\n"), std::string::npos) << res->body;
  EXPECT_NE(res->body.find("tracelake_http_request_duration_seconds_bucket{group=\"otlp_traces\""),
            std::string::npos);
}

}  // namespace
}  // namespace tracelake::server
