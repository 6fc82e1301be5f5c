#include "server/http/static_ui.h"

#include <unistd.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <system_error>

#include "server/http/errors.h"

namespace tracelake::server {
namespace {

namespace fs = std::filesystem;

// Files the UI ships are small; anything larger is not ours.
constexpr std::uintmax_t kMaxFileBytes = 32u << 20;

// No inline script or style elements, nothing from other origins, no framing, no plugins.
// Styles set through the CSSOM (element.style.width = ...) are not affected by style-src.
constexpr const char* kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'; object-src 'none'";

constexpr const char* kNotBuiltPage =
    "<!doctype html><meta charset=\"utf-8\"><title>tracelake</title>"
    "<p>tracelake is running, but its web UI was not built (Node.js and npm are needed at build "
    "time; see docs/ui.md), or --ui-dir points to a folder without index.html.</p>"
    "<p>The REST API is served under /api/ and OTLP under /v1/.</p>";

std::string_view ContentTypeFor(std::string_view ext) {
  static const std::map<std::string_view, std::string_view> kTypes = {
      {".html", "text/html; charset=utf-8"},   {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},           {".map", "application/json"},
      {".svg", "image/svg+xml"},               {".png", "image/png"},
      {".ico", "image/x-icon"},                {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},   {".webmanifest", "application/manifest+json"},
  };
  auto it = kTypes.find(ext);
  return it == kTypes.end() ? std::string_view("application/octet-stream") : it->second;
}

void AddSecurityHeaders(HttpResponse& res) {
  res.headers.emplace_back("Content-Security-Policy", kContentSecurityPolicy);
  res.headers.emplace_back("X-Content-Type-Options", "nosniff");
  res.headers.emplace_back("X-Frame-Options", "DENY");
  res.headers.emplace_back("Referrer-Policy", "no-referrer");
}

// Splits "/a/b" into segments and refuses anything that could leave the folder or name a
// hidden file: ".", "..", dot-files, backslashes, NUL. Empty segments ("//") are skipped.
bool SafeSegments(std::string_view path, std::vector<std::string_view>& out) {
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view seg = path.substr(i, j - i);
    if (!seg.empty()) {
      if (seg.front() == '.') return false;
      if (seg.find('\\') != std::string_view::npos || seg.find('\0') != std::string_view::npos)
        return false;
      out.push_back(seg);
    }
    i = j + 1;
  }
  return true;
}

bool IsUnder(const fs::path& file, const std::string& root) {
  const std::string s = file.string();
  return s.size() > root.size() && s.compare(0, root.size(), root) == 0 && s[root.size()] == '/';
}

}  // namespace

std::string DefaultUiDir() {
  std::array<char, 4096> buf{};
  ssize_t n = readlink("/proc/self/exe", buf.data(), buf.size() - 1);
  if (n <= 0) return "";
  fs::path exe(std::string(buf.data(), static_cast<size_t>(n)));
  return (exe.parent_path().parent_path() / "share" / "tracelake" / "web").string();
}

StaticUi::StaticUi(StaticUiOptions options) : options_(std::move(options)) {
  if (options_.root.empty()) return;
  std::error_code ec;
  fs::path root = fs::canonical(options_.root, ec);
  if (!ec && fs::is_regular_file(root / "index.html", ec)) canonical_root_ = root.string();
}

bool StaticUi::IsApiPath(std::string_view path) {
  for (std::string_view prefix : {"/api/", "/ajax-api/", "/v1/"}) {
    if (path.starts_with(prefix) || path == prefix.substr(0, prefix.size() - 1)) return true;
  }
  for (std::string_view exact : {"/metrics", "/health", "/version"}) {
    if (path.starts_with(exact) && (path.size() == exact.size() || path[exact.size()] == '/'))
      return true;
  }
  return false;
}

void StaticUi::RegisterRoutes(Router& router) {
  // Public: the UI's files hold no data; the app fetches data from the API with the user's
  // credential.
  router.SetFallback(Scope::kPublic,
                     [this](HttpRequest& req, HttpResponse& res) { Handle(req, res); });
}

bool StaticUi::ServeFile(const std::string& relative, bool immutable, HttpResponse& res) const {
  std::error_code ec;
  fs::path file = fs::canonical(fs::path(canonical_root_) / relative, ec);
  if (ec || !IsUnder(file, canonical_root_) || !fs::is_regular_file(file, ec)) return false;
  std::uintmax_t size = fs::file_size(file, ec);
  if (ec || size > kMaxFileBytes) return false;
  std::ifstream in(file, std::ios::binary);
  if (!in) return false;
  std::ostringstream body;
  body << in.rdbuf();
  res.status = 200;
  res.body = std::move(body).str();
  res.content_type = std::string(ContentTypeFor(file.extension().string()));
  res.headers.emplace_back("Cache-Control",
                           immutable ? "public, max-age=31536000, immutable" : "no-cache");
  return true;
}

void StaticUi::Handle(HttpRequest& req, HttpResponse& res) const {
  const bool read = req.method == "GET" || req.method == "HEAD";
  // No route matched the path (the router sends only those here): for the API, and for writes
  // anywhere, that is the API's JSON 404.
  if (!read || IsApiPath(req.path)) {
    SetMlflowError(res, NotFoundError("No such endpoint: " + req.method + " " + req.path));
    return;
  }
  AddSecurityHeaders(res);
  std::vector<std::string_view> segments;
  if (!SafeSegments(req.path, segments)) {
    SetMlflowError(res, NotFoundError("No such file: " + req.path));
    return;
  }
  if (canonical_root_.empty()) {
    if (segments.empty()) {
      res.status = 200;
      res.content_type = "text/html; charset=utf-8";
      res.body = kNotBuiltPage;
      res.headers.emplace_back("Cache-Control", "no-cache");
    } else {
      SetMlflowError(res, NotFoundError("No such endpoint: " + req.method + " " + req.path));
    }
    return;
  }
  std::string relative;
  for (auto seg : segments) {
    if (!relative.empty()) relative += '/';
    relative += seg;
  }
  const bool is_asset = !segments.empty() && segments.front() == "assets";
  if (!relative.empty() && ServeFile(relative, is_asset, res)) return;
  // A missing asset or file with an extension is a real 404 (an HTML answer to a script request
  // only hides the problem); anything else is a client route.
  const bool looks_like_file =
      !segments.empty() && segments.back().find('.') != std::string_view::npos;
  if (is_asset || (looks_like_file && segments.size() == 1)) {
    SetMlflowError(res, NotFoundError("No such file: " + req.path));
    return;
  }
  if (!ServeFile("index.html", /*immutable=*/false, res)) {
    SetMlflowError(res, InternalError("The web UI's index.html could not be read"));
  }
}

}  // namespace tracelake::server
