#include "server/http/http_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <optional>

#include "server/http/errors.h"
#include "server/http/gzip_body.h"
#include "server/http/handler_pool.h"

namespace tracelake::server {
namespace {

// A request's "Content-Encoding: gzip" is renamed to this before httplib reads the body, so that
// GzipBody, not httplib, inflates it (httplib accepts truncated and empty gzip bodies).
constexpr char kGzipBodyHeader[] = "X-Tracelake-Gzip-Body";

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

HttpRequest ToRequest(const httplib::Request& in) {
  HttpRequest req;
  req.method = in.method;
  req.path = in.path;
  for (const auto& [k, v] : in.params) req.query.emplace_back(k, v);
  for (const auto& [k, v] : in.headers) req.headers.emplace(Lower(k), v);
  return req;
}

void FromResponse(const HttpResponse& res, httplib::Response& out) {
  out.status = res.status;
  for (const auto& [k, v] : res.headers) out.set_header(k, v);
  out.set_content(res.body, res.content_type);
}

// An Accept-Encoding value without its "br" coding ("gzip, deflate, br" -> "gzip, deflate").
std::string WithoutBrotli(const std::string& value) {
  std::string out;
  size_t pos = 0;
  while (pos <= value.size()) {
    size_t comma = value.find(',', pos);
    if (comma == std::string::npos) comma = value.size();
    std::string item = value.substr(pos, comma - pos);
    const size_t b = item.find_first_not_of(" \t");
    const size_t e = item.find_first_of(" \t;", b == std::string::npos ? 0 : b);
    const std::string coding = b == std::string::npos ? "" : item.substr(b, e - b);
    if (!coding.empty() && coding != "br") {
      if (!out.empty()) out += ", ";
      out += item.substr(b);
    }
    pos = comma + 1;
  }
  return out;
}

}  // namespace

HttpServer::HttpServer(const Router& router, HttpServerOptions options)
    : router_(router), options_(std::move(options)), server_(std::make_unique<httplib::Server>()) {
  auto& s = *server_;
  s.new_task_queue = [this] {
    auto* pool = new HandlerPool(options_.threads);  // httplib owns it
    pool_.store(pool);
    return pool;
  };
  s.set_keep_alive_max_count(100000);
  // Idle keep-alive connections hold a handler thread and delay shutdown (Stop() waits for
  // them); exporters reconnect cheaply, so a short idle timeout costs nothing.
  s.set_keep_alive_timeout(2);
  s.set_read_timeout(30, 0);
  s.set_write_timeout(30, 0);
  s.set_tcp_nodelay(true);
  // httplib (the distribution's build, a shared library) listens with a backlog of 5, so of
  // 1,000 exporters connecting at once most SYNs are dropped and retried a second later. Keep
  // its socket options (SO_REUSEADDR) and remember the socket; Bind() listens again with a
  // larger backlog (Linux updates the backlog of a listening socket).
  s.set_socket_options([this](socket_t sock) {
    httplib::default_socket_options(sock);
    listen_socket_ = sock;
  });
  // httplib answers "Accept-Encoding: br" (every browser sends it) with Brotli at its slowest
  // quality: ~3 s for a 6 MB trace. Dropping "br" from the request lets it fall back to gzip
  // (~0.1 s for the same body). httplib owns a mutable Request; only this header changes.
  s.set_pre_routing_handler([](const httplib::Request& in, httplib::Response&) {
    auto& headers = const_cast<httplib::Headers&>(in.headers);
    auto range = headers.equal_range("Accept-Encoding");
    for (auto it = range.first; it != range.second; ++it) it->second = WithoutBrotli(it->second);
    auto encoding = headers.find("Content-Encoding");
    if (encoding != headers.end()) {
      const std::string coding = Lower(encoding->second);
      const size_t b = coding.find_first_not_of(" \t");
      const size_t e = coding.find_last_not_of(" \t");
      if (b != std::string::npos &&
          (coding.substr(b, e - b + 1) == "gzip" || coding.substr(b, e - b + 1) == "x-gzip")) {
        headers.erase(encoding);
        headers.emplace(kGzipBodyHeader, "1");
      }
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  // Wire-size cap enforced by httplib (413); the decompressed cap is enforced while reading.
  s.set_payload_max_length(std::max<size_t>(options_.max_request_bytes * 4, 64u << 20));

  auto with_body = [this](const httplib::Request& in, httplib::Response& out,
                          const httplib::ContentReader& reader) {
    auto started = std::chrono::steady_clock::now();
    HttpRequest req = ToRequest(in);
    HttpResponse res;
    bool too_large = false;
    const size_t limit = options_.max_request_bytes;
    // A declared length over the limit: read and discard the body (up to httplib's wire cap)
    // so the client sees the 413 instead of a reset connection. A body that only grows past
    // the limit while being decompressed (gzip bomb) is cut off at once.
    const bool declared_too_large =
        in.has_header("Content-Length") &&
        std::strtoull(in.get_header_value("Content-Length").c_str(), nullptr, 10) > limit;
    too_large = declared_too_large;
    std::optional<GzipBody> gzip;
    if (in.has_header(kGzipBodyHeader)) gzip.emplace(limit);
    bool bad_gzip = false;
    bool read_ok = reader([&](const char* data, size_t len) {
      if (too_large) return declared_too_large;
      if (gzip) {
        switch (gzip->Append(std::string_view(data, len), &req.body)) {
          case GzipBody::Result::kOk:
            return true;
          case GzipBody::Result::kTooLarge:
            too_large = true;
            break;
          case GzipBody::Result::kCorrupt:
            bad_gzip = true;
            break;
        }
        req.body.clear();
        return false;
      }
      if (req.body.size() + len > limit) {
        too_large = true;
        req.body.clear();
        return false;
      }
      req.body.append(data, len);
      return true;
    });
    auto body_error = [&](int status, const Status& st) {
      if (!options_.body_error_writer || !options_.body_error_writer(req, status, st, res)) {
        SetMlflowError(res, st);
        res.status = status;
      }
      res.headers.emplace_back("Connection", "close");
    };
    if (read_ok && gzip && !too_large && !gzip->Complete()) bad_gzip = true;
    if (too_large) {
      body_error(413, InvalidArgumentError("Request body exceeds the server's limit of " +
                                           std::to_string(limit) + " bytes (--max-request-bytes)"));
    } else if (bad_gzip) {
      body_error(400, InvalidArgumentError("The request body is declared Content-Encoding: gzip "
                                           "but is not a complete gzip stream (empty, truncated, "
                                           "corrupt, or followed by other bytes)"));
    } else if (!read_ok) {
      body_error(400, InvalidArgumentError("Could not read the request body (malformed or "
                                           "truncated Content-Encoding data?)"));
    } else {
      Dispatch(req, res);
    }
    FromResponse(res, out);
    CloseIfConnectionsWait(out);
    if (options_.on_request) {
      options_.on_request(
          req, res.status,
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    }
  };
  auto without_body = [this](const httplib::Request& in, httplib::Response& out) {
    auto started = std::chrono::steady_clock::now();
    HttpRequest req = ToRequest(in);
    req.body = in.body;
    HttpResponse res;
    Dispatch(req, res);
    FromResponse(res, out);
    CloseIfConnectionsWait(out);
    if (options_.on_request) {
      options_.on_request(
          req, res.status,
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    }
  };
  s.Get(".*", without_body);
  s.Options(".*", without_body);
  s.Post(".*", httplib::Server::HandlerWithContentReader(with_body));
  s.Put(".*", httplib::Server::HandlerWithContentReader(with_body));
  s.Patch(".*", httplib::Server::HandlerWithContentReader(with_body));
  s.Delete(".*", httplib::Server::HandlerWithContentReader(with_body));
  s.set_exception_handler(
      [](const httplib::Request&, httplib::Response& out, const std::exception_ptr&) {
        HttpResponse res;
        SetMlflowError(res, InternalError("Internal error while handling the request"));
        FromResponse(res, out);
      });
  s.set_error_handler([this](const httplib::Request& in, httplib::Response& out) {
    // httplib's own errors (413 on wire size, 400 on bad request lines, 415 on unknown encodings).
    if (!out.body.empty()) return;
    HttpResponse res;
    Status st =
        out.status == 413
            ? InvalidArgumentError("Request body exceeds the server's limit (--max-request-bytes)")
        : out.status == 415 ? InvalidArgumentError("Unsupported Content-Encoding")
                            : InvalidArgumentError("Malformed HTTP request");
    const int status = out.status;
    const HttpRequest req = ToRequest(in);
    if (!options_.body_error_writer || !options_.body_error_writer(req, status, st, res)) {
      SetMlflowError(res, st);
      res.status = status;
    }
    FromResponse(res, out);
  });
}

HttpServer::~HttpServer() = default;

Result<int> HttpServer::Bind() {
  int port;
  if (options_.port == 0) {
    port = server_->bind_to_any_port(options_.host);
  } else {
    port = server_->bind_to_port(options_.host, options_.port) ? options_.port : -1;
  }
  if (port <= 0) {
    return UnavailableError("Cannot listen on " + options_.host + ":" +
                            std::to_string(options_.port) +
                            " (address in use or not available?); choose another --port");
  }
  // The kernel caps the backlog at net.core.somaxconn (4096 by default since Linux 5.4, 128
  // before); asking for more lets an administrator raise it there.
  constexpr int kListenBacklog = 65535;
  if (listen_socket_ < 0 || ::listen(listen_socket_, kListenBacklog) != 0) {
    server_->stop();
    return UnavailableError("Cannot set the listen backlog on " + options_.host + ":" +
                            std::to_string(port));
  }
  return port;
}

void HttpServer::Run() {
  server_->listen_after_bind();
  pool_.store(nullptr);  // httplib deleted it
}

void HttpServer::CloseIfConnectionsWait(httplib::Response& out) const {
  // Every handler thread holds a connection and more wait to be served: tell the client to
  // close this one after the answer (HTTP clients do, and httplib's thread then sees the end of
  // the stream at once) rather than keep a thread waiting up to the keep-alive timeout for its
  // next request. The client reconnects, behind the waiting ones, when it has more to send.
  const HandlerPool* pool = pool_.load();
  if (pool != nullptr && pool->ConnectionsWaiting() && !out.has_header("Connection"))
    out.set_header("Connection", "close");
}

void HttpServer::Stop() { server_->stop(); }

void HttpServer::Dispatch(HttpRequest& req, HttpResponse& res) const {
  const Handler* handler = nullptr;
  switch (router_.Match(req.method, req.path, req.path_params, &handler)) {
    case Router::MatchResult::kFound:
      try {
        (*handler)(req, res);
      } catch (const std::exception&) {
        res = HttpResponse();
        SetMlflowError(res, InternalError("Internal error while handling the request"));
      }
      return;
    case Router::MatchResult::kMethodNotAllowed:
      SetMlflowError(
          res, InvalidArgumentError("Method " + req.method + " is not allowed for " + req.path));
      res.status = 405;
      return;
    case Router::MatchResult::kNotFound:
      SetMlflowError(res, NotFoundError("No such endpoint: " + req.method + " " + req.path));
      return;
  }
}

}  // namespace tracelake::server
