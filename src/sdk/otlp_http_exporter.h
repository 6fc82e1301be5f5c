// OtlpHttpExporter: OTLP/HTTP (protobuf or JSON) over libcurl, with optional gzip.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sdk/span_exporter.h"
#include "tracelake/status.h"
#include "tracelake/tracing.h"

namespace tracelake::sdk {

// Export on one thread at a time (it reuses one connection); Cancel from any thread.
class OtlpHttpExporter final : public SpanExporter {
 public:
  // url: the full traces URL. extra_headers go on every request.
  static Result<std::unique_ptr<OtlpHttpExporter>> Create(
      std::string url, bool json, bool gzip,
      std::vector<std::pair<std::string, std::string>> extra_headers);
  ~OtlpHttpExporter() override;

  ExportResult Export(const std::vector<model::Span>& spans,
                      std::chrono::milliseconds timeout) noexcept override;
  void Cancel() noexcept override { cancelled_.store(true); }

 private:
  OtlpHttpExporter() = default;
  ExportResult Post(const std::string& body, std::chrono::milliseconds timeout);

  std::string url_;
  bool json_ = false;
  bool gzip_ = false;
  std::vector<std::string> headers_;  // "Name: value"
  void* curl_ = nullptr;              // CURL*, owned
  std::atomic<bool> cancelled_{false};
};

// Retry-After as delay seconds; nullopt for dates and garbage (the backoff applies then).
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value);

// gzip (RFC 1952) of data; empty on failure.
std::string GzipCompress(std::string_view data);

}  // namespace tracelake::sdk
