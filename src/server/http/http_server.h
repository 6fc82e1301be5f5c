// HttpServer: serves a Router over HTTP/1.1 (cpp-httplib underneath; nothing else sees it).
// Reads bodies with a hard cap on both wire and decompressed size (gzip bombs get 413; gzip
// bodies are inflated strictly, see gzip_body.h), serves connections on a fixed pool of threads
// (handler_pool.h), turns handler exceptions into 500s in MLflow's error shape, and answers
// unknown paths with 404.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "server/http/router.h"
#include "tracelake/status.h"

namespace httplib {
struct Response;
class Server;
}  // namespace httplib

namespace tracelake::server {

class HandlerPool;

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 5000;                      // 0 picks a free port
  size_t max_request_bytes = 64 << 20;  // wire and decompressed
  int threads = 32;                     // connection handler threads
  // Called after each request with method, path, status and latency in seconds.
  std::function<void(const HttpRequest&, int status, double seconds)> on_request;
  // Writes the answer for a body that could not be read (413 oversized, 400 truncated or bad
  // Content-Encoding) when the route has its own error format; returns false to use MLflow's.
  std::function<bool(const HttpRequest&, int status, const Status&, HttpResponse&)>
      body_error_writer;
};

// Bind() and Run() from one thread; Stop() from any thread.
class HttpServer {
 public:
  HttpServer(const Router& router, HttpServerOptions options);
  ~HttpServer();

  // Binds the listening socket; returns the bound port. kUnavailable if the address is taken.
  Result<int> Bind();
  // Serves until Stop(). REQUIRES: Bind() succeeded.
  void Run();
  // Stops accepting and returns once in-flight requests are answered.
  void Stop();

 private:
  void Dispatch(HttpRequest& req, HttpResponse& res) const;
  void CloseIfConnectionsWait(httplib::Response& out) const;

  const Router& router_;
  HttpServerOptions options_;
  std::unique_ptr<httplib::Server> server_;
  int listen_socket_ = -1;  // set by httplib's socket-options callback during Bind()
  std::atomic<HandlerPool*> pool_{nullptr};  // httplib's task queue while Run() serves
};

}  // namespace tracelake::server
