#include "sdk/otlp_http_exporter.h"

#include <zlib.h>

#include <algorithm>

#include "common/clock.h"
#include "llm/curl_http_client.h"
#include "llm/retry.h"
#include "otlp/encode.h"
#include "otlp/response.h"

namespace tracelake::sdk {

std::string GzipCompress(std::string_view data) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return "";
  std::string out;
  out.resize(deflateBound(&zs, static_cast<uLong>(data.size())) + 32);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  const size_t produced = zs.total_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return "";
  out.resize(produced);
  return out;
}

Result<std::unique_ptr<OtlpHttpExporter>> OtlpHttpExporter::Create(
    std::string url, bool json, bool gzip,
    std::vector<std::pair<std::string, std::string>> extra_headers) {
  return Create(std::move(url), json, gzip, std::move(extra_headers),
                std::make_unique<llm::CurlHttpClient>());
}

Result<std::unique_ptr<OtlpHttpExporter>> OtlpHttpExporter::Create(
    std::string url, bool json, bool gzip,
    std::vector<std::pair<std::string, std::string>> extra_headers,
    std::unique_ptr<llm::HttpClient> http) {
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
    return InvalidArgumentError("OTLP/HTTP endpoint must be an http:// or https:// URL");
  std::unique_ptr<OtlpHttpExporter> e(new OtlpHttpExporter());
  e->url_ = std::move(url);
  e->json_ = json;
  e->gzip_ = gzip;
  e->headers_ = std::move(extra_headers);
  e->http_ = std::move(http);
  return e;
}

OtlpHttpExporter::~OtlpHttpExporter() = default;

ExportResult OtlpHttpExporter::Export(const std::vector<model::Span>& spans,
                                      std::chrono::milliseconds timeout) noexcept {
  try {
    std::string body = json_ ? otlp::EncodeTracesRequestJson(spans)
                             : otlp::EncodeTracesRequestProtobuf(spans);
    if (gzip_) {
      std::string compressed = GzipCompress(body);
      if (compressed.empty()) return ExportResult::Permanent("gzip failed");
      body = std::move(compressed);
    }
    return Post(std::move(body), timeout);
  } catch (const std::exception& e) {
    return ExportResult::Permanent(std::string("export failed: ") + e.what());
  }
}

ExportResult OtlpHttpExporter::Post(std::string body, std::chrono::milliseconds timeout) {
  if (cancelled_.load()) return ExportResult::Permanent("cancelled");
  llm::HttpRequest request(url_, llm::Deadline::After(SystemClock::Default(), timeout));
  request.headers = {
      {"Content-Type", json_ ? "application/json" : "application/x-protobuf"}};
  if (gzip_) request.headers.emplace_back("Content-Encoding", "gzip");
  for (const auto& h : headers_) request.headers.push_back(h);
  request.body = std::move(body);
  request.connect_timeout = std::chrono::milliseconds(std::clamp<int64_t>(timeout.count(), 1, 5000));
  // Only the start of an error body is kept (for the message); never a payload.
  request.max_body_bytes = 4096;
  request.cancel = &cancelled_;
  Result<llm::HttpResponse> r = http_->Post(request);
  if (!r.ok() && r.status().code() == StatusCode::kCancelled)
    return ExportResult::Permanent("cancelled");
  if (!r.ok()) {
    // Connection refused, reset, timed out: the backend may come back.
    return ExportResult::Retryable("transport: " + r.status().message());
  }
  const int status = r->status;
  const std::string& response = r->body;
  const auto format = json_ ? otlp::WireFormat::kJson : otlp::WireFormat::kProtobuf;
  if (status >= 200 && status < 300) {
    // A body that does not decode (a proxy's, or cut at 4 KB) still means the spans arrived.
    auto partial = otlp::DecodeTraceResponse(response, format);
    if (partial.ok() && (partial->rejected > 0 || !partial->error_message.empty()))
      return ExportResult::PartialSuccess(partial->rejected, std::move(partial->error_message));
    return ExportResult::Success();
  }
  // The receiver's google.rpc.Status says why (OTLP/HTTP error bodies), in the request's
  // encoding; a proxy's HTML page or a truncated body just leaves the status code.
  std::string message = "HTTP " + std::to_string(status);
  std::optional<std::chrono::milliseconds> retry_after;
  if (auto value = r->Header("retry-after")) retry_after = llm::ParseRetryAfter(*value);
  if (auto rpc = otlp::DecodeRpcStatus(response, format); rpc.ok()) {
    if (!rpc->message.empty()) message += ": " + rpc->message;
    if (!retry_after) retry_after = rpc->retry_delay;
  }
  if (status == 429 || status == 502 || status == 503 || status == 504)
    return ExportResult::Retryable(std::move(message), retry_after);
  return ExportResult::Permanent(std::move(message));
}

}  // namespace tracelake::sdk
