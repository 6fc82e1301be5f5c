#include "sdk/otlp_http_exporter.h"

#include <curl/curl.h>
#include <zlib.h>

#include <algorithm>
#include <charconv>
#include <mutex>

#include "otlp/encode.h"
#include "otlp/response.h"

namespace tracelake::sdk {
namespace {

struct Transfer {
  std::string response;
  std::optional<std::chrono::milliseconds> retry_after;
  const std::atomic<bool>* cancelled = nullptr;
};

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  // Only the start of an error body is kept (for the message); never a payload.
  if (t->response.size() < 4096) t->response.append(data, std::min<size_t>(size * n, 4096));
  return size * n;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * n);
  constexpr std::string_view kName = "retry-after:";
  if (line.size() > kName.size()) {
    bool match = true;
    for (size_t i = 0; i < kName.size(); ++i) {
      char c = line[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != kName[i]) {
        match = false;
        break;
      }
    }
    if (match) t->retry_after = ParseRetryAfter(line.substr(kName.size()));
  }
  return size * n;
}

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* t = static_cast<Transfer*>(user);
  return t->cancelled->load(std::memory_order_relaxed) ? 1 : 0;
}

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
    value.remove_suffix(1);
  int64_t seconds = 0;
  auto r = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (r.ec != std::errc() || r.ptr != value.data() + value.size() || seconds < 0) return std::nullopt;
  return std::chrono::milliseconds(std::min<int64_t>(seconds, 24 * 3600) * 1000);
}

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
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
    return InvalidArgumentError("OTLP/HTTP endpoint must be an http:// or https:// URL");
  GlobalInitOnce();
  std::unique_ptr<OtlpHttpExporter> e(new OtlpHttpExporter());
  e->url_ = std::move(url);
  e->json_ = json;
  e->gzip_ = gzip;
  for (auto& [k, v] : extra_headers) e->headers_.push_back(k + ": " + v);
  e->curl_ = curl_easy_init();
  if (e->curl_ == nullptr) return InternalError("curl_easy_init failed");
  return e;
}

OtlpHttpExporter::~OtlpHttpExporter() {
  if (curl_ != nullptr) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

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
    return Post(body, timeout);
  } catch (const std::exception& e) {
    return ExportResult::Permanent(std::string("export failed: ") + e.what());
  }
}

ExportResult OtlpHttpExporter::Post(const std::string& body, std::chrono::milliseconds timeout) {
  if (cancelled_.load()) return ExportResult::Permanent("cancelled");
  CURL* curl = static_cast<CURL*>(curl_);
  curl_easy_reset(curl);
  Transfer t;
  t.cancelled = &cancelled_;
  curl_slist* headers = nullptr;
  headers = curl_slist_append(
      headers, json_ ? "Content-Type: application/json" : "Content-Type: application/x-protobuf");
  if (gzip_) headers = curl_slist_append(headers, "Content-Encoding: gzip");
  headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
  for (const auto& h : headers_) headers = curl_slist_append(headers, h.c_str());
  curl_easy_setopt(curl, CURLOPT_URL, url_.c_str());
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<int64_t>(timeout.count(), 1)));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::clamp<int64_t>(timeout.count(), 1, 5000)));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, OnProgress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &t);
  const CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);

  if (rc == CURLE_ABORTED_BY_CALLBACK) return ExportResult::Permanent("cancelled");
  if (rc != CURLE_OK) {
    // Connection refused, reset, timed out: the backend may come back.
    return ExportResult::Retryable(std::string("transport: ") + curl_easy_strerror(rc));
  }
  const auto format = json_ ? otlp::WireFormat::kJson : otlp::WireFormat::kProtobuf;
  if (status >= 200 && status < 300) {
    // A body that does not decode (a proxy's, or cut at 4 KB) still means the spans arrived.
    auto partial = otlp::DecodeTraceResponse(t.response, format);
    if (partial.ok() && (partial->rejected > 0 || !partial->error_message.empty()))
      return ExportResult::PartialSuccess(partial->rejected, std::move(partial->error_message));
    return ExportResult::Success();
  }
  // The receiver's google.rpc.Status says why (OTLP/HTTP error bodies), in the request's
  // encoding; a proxy's HTML page or a truncated body just leaves the status code.
  std::string message = "HTTP " + std::to_string(status);
  std::optional<std::chrono::milliseconds> retry_after = t.retry_after;
  if (auto rpc = otlp::DecodeRpcStatus(t.response, format); rpc.ok()) {
    if (!rpc->message.empty()) message += ": " + rpc->message;
    if (!retry_after) retry_after = rpc->retry_delay;
  }
  if (status == 429 || status == 502 || status == 503 || status == 504)
    return ExportResult::Retryable(std::move(message), retry_after);
  return ExportResult::Permanent(std::move(message));
}

}  // namespace tracelake::sdk
