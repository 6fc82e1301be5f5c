// StaticUi: serves the built web UI (web/, see docs/ui.md) from a folder on disk.
//
//   /assets/<name>-<hash>.<ext>  the bundler's hashed files: cached for a year, immutable
//   /index.html, /favicon.svg    other files in the folder: Cache-Control: no-cache
//   /experiments/1/traces/tr-..  client routes: index.html (no-cache), the app reads the URL
//
// Paths under /api/, /ajax-api/, /v1/, /metrics, /health and /version never reach the UI: they
// keep the API's JSON 404 / 405 answers. Every UI answer carries a strict Content-Security-Policy
// (no inline script, same-origin fetches only) and X-Content-Type-Options: nosniff. Paths with
// "." or ".." segments, backslashes or NUL bytes are refused (404), and a file must resolve
// inside the folder (no symlink escapes).
//
// Files are read from disk on each request, so a rebuilt UI shows up without a restart.
//
// Example:
//   StaticUiOptions ui{.root = DefaultUiDir()};
//   auto static_ui = std::make_unique<StaticUi>(ui);
//   static_ui->RegisterRoutes(router);  // the router's fallback: paths no API route matches
#pragma once

#include <string>
#include <string_view>

#include "server/http/router.h"

namespace tracelake::server {

struct StaticUiOptions {
  // Folder holding index.html and assets/. Empty or missing: "/" answers a short page saying the
  // UI is not built, and other UI paths are 404.
  std::string root;
};

// The UI folder next to the running executable: <exe dir>/../share/tracelake/web (the build
// tree's and the install tree's layout). Empty when the executable's path is unknown.
std::string DefaultUiDir();

// Safe for concurrent use once RegisterRoutes() has run (it is read-only afterwards).
class StaticUi {
 public:
  explicit StaticUi(StaticUiOptions options);

  // Makes Handle the router's fallback, for every method and path no route matches.
  void RegisterRoutes(Router& router);

  void Handle(HttpRequest& req, HttpResponse& res) const;

  // True for paths that belong to the API and never fall back to the UI.
  static bool IsApiPath(std::string_view path);

 private:
  bool ServeFile(const std::string& relative, bool immutable, HttpResponse& res) const;

  StaticUiOptions options_;
  std::string canonical_root_;  // empty when the folder does not exist
};

}  // namespace tracelake::server
