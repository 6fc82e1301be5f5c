#include "server/otlp/otlp_http.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>

#include "otlp/encode.h"

namespace tracelake::server {

using ingest::OtlpEncoding;
using ingest::OtlpIngestor;
using ingest::OtlpOutcome;
using ingest::OtlpSignal;

namespace {

// Media type without parameters, lower-cased.
std::string MediaType(const std::string* content_type) {
  if (content_type == nullptr) return "";
  std::string t = content_type->substr(0, content_type->find(';'));
  t.erase(std::remove_if(t.begin(), t.end(), [](unsigned char c) { return std::isspace(c); }),
          t.end());
  std::transform(t.begin(), t.end(), t.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return t;
}

std::optional<OtlpEncoding> EncodingFor(const std::string& media_type) {
  if (media_type == "application/x-protobuf" || media_type == "application/protobuf")
    return OtlpEncoding::kProtobuf;
  if (media_type == "application/json") return OtlpEncoding::kJson;
  return std::nullopt;
}

void WriteRpcStatus(HttpResponse& res, OtlpEncoding enc, int http_status, const Status& st) {
  res.status = http_status;
  const auto code = static_cast<int32_t>(st.code());
  if (enc == OtlpEncoding::kProtobuf) {
    res.content_type = "application/x-protobuf";
    res.body = otlp::EncodeRpcStatusProtobuf(code, st.message());
  } else {
    res.content_type = "application/json";
    res.body = otlp::EncodeRpcStatusJson(code, st.message());
  }
}

void Handle(OtlpIngestor& ingestor, OtlpSignal signal, HttpRequest& req, HttpResponse& res) {
  const std::string media = MediaType(req.Header("content-type"));
  auto enc = EncodingFor(media);
  if (!enc) {
    WriteRpcStatus(res, OtlpEncoding::kJson, 415,
                   InvalidArgumentError("Unsupported Content-Type '" + media.substr(0, 100) +
                                        "'; use application/x-protobuf or application/json"));
    return;
  }
  OtlpOutcome out = ingestor.Ingest(signal, *enc, req.body, req.Header("x-mlflow-experiment-id"));
  if (!out.status.ok()) {
    int http = 500;
    switch (out.status.code()) {
      case StatusCode::kInvalidArgument: http = 400; break;
      case StatusCode::kNotFound: http = 404; break;
      case StatusCode::kResourceExhausted: http = 429; break;
      case StatusCode::kUnavailable: http = 503; break;
      default: break;
    }
    if (http == 429 || http == 503) res.headers.emplace_back("Retry-After", "1");
    WriteRpcStatus(res, *enc, http, out.status);
    return;
  }
  res.status = 200;
  const bool traces = signal == OtlpSignal::kTraces;
  if (*enc == OtlpEncoding::kProtobuf) {
    res.content_type = "application/x-protobuf";
    res.body = traces ? otlp::EncodeTraceResponseProtobuf(out.rejected, out.rejection_message)
                      : otlp::EncodeLogsResponseProtobuf(out.rejected, out.rejection_message);
  } else {
    res.content_type = "application/json";
    res.body = traces ? otlp::EncodeTraceResponseJson(out.rejected, out.rejection_message)
                      : otlp::EncodeLogsResponseJson(out.rejected, out.rejection_message);
  }
}

}  // namespace

bool WriteOtlpBodyError(const HttpRequest& req, int http_status, const Status& st,
                        HttpResponse& res) {
  if (req.path != "/v1/traces" && req.path != "/v1/logs") return false;
  const auto enc = EncodingFor(MediaType(req.Header("content-type")));
  WriteRpcStatus(res, enc.value_or(OtlpEncoding::kJson), http_status, st);
  return true;
}

void RegisterOtlpHttpRoutes(Router& router, OtlpIngestor& ingestor) {
  router.Add("POST", "/v1/traces", Scope::kIngest,
             [&ingestor](HttpRequest& req, HttpResponse& res) {
               Handle(ingestor, OtlpSignal::kTraces, req, res);
             });
  router.Add("POST", "/v1/logs", Scope::kIngest, [&ingestor](HttpRequest& req, HttpResponse& res) {
    Handle(ingestor, OtlpSignal::kLogs, req, res);
  });
}

}  // namespace tracelake::server
