// OtlpHttpExporter: OTLP/HTTP (protobuf or JSON) over llm::HttpClient, with optional gzip.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "llm/http_client.h"
#include "sdk/span_exporter.h"
#include "tracelake/status.h"
#include "tracelake/tracing.h"

namespace tracelake::sdk {

// Export on one thread at a time; Cancel from any thread (it aborts a request in flight).
class OtlpHttpExporter final : public SpanExporter {
 public:
  // url: the full traces URL. extra_headers go on every request.
  static Result<std::unique_ptr<OtlpHttpExporter>> Create(
      std::string url, bool json, bool gzip,
      std::vector<std::pair<std::string, std::string>> extra_headers);
  // The same over a given transport (a fake in tests).
  static Result<std::unique_ptr<OtlpHttpExporter>> Create(
      std::string url, bool json, bool gzip,
      std::vector<std::pair<std::string, std::string>> extra_headers,
      std::unique_ptr<llm::HttpClient> http);
  ~OtlpHttpExporter() override;

  ExportResult Export(const std::vector<model::Span>& spans,
                      std::chrono::milliseconds timeout) noexcept override;
  void Cancel() noexcept override { cancelled_.store(true); }

 private:
  OtlpHttpExporter() = default;
  ExportResult Post(std::string body, std::chrono::milliseconds timeout);

  std::string url_;
  bool json_ = false;
  bool gzip_ = false;
  llm::HttpHeaders headers_;  // extra ones, on every request
  std::unique_ptr<llm::HttpClient> http_;
  std::atomic<bool> cancelled_{false};
};

// gzip (RFC 1952) of data; empty on failure.
std::string GzipCompress(std::string_view data);

}  // namespace tracelake::sdk
