#include "sdk/mlflow_trace_info_exporter.h"

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "llm/curl_http_client.h"

namespace tracelake::sdk {

std::string EncodeStartTraceV3(const TraceUpdate& update, std::string_view experiment_id) {
  nlohmann::json metadata = nlohmann::json::object();
  for (const auto& [k, v] : update.metadata) metadata[k] = v;
  nlohmann::json tags = nlohmann::json::object();
  for (const auto& [k, v] : update.tags) tags[k] = v;
  // No times, state or previews: the server derives those from the spans.
  nlohmann::json info = {
      {"trace_id", MlflowTraceId(update.trace_id)},
      {"trace_location",
       {{"type", "MLFLOW_EXPERIMENT"},
        {"mlflow_experiment", {{"experiment_id", experiment_id.empty() ? "0" : std::string(experiment_id)}}}}},
      {"trace_metadata", std::move(metadata)},
      {"tags", std::move(tags)}};
  return nlohmann::json{{"trace", {{"trace_info", std::move(info)}}}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
}

MlflowTraceInfoExporter::MlflowTraceInfoExporter(
    std::unique_ptr<SpanExporter> inner, std::string tracking_uri, std::string experiment_id,
    std::vector<std::pair<std::string, std::string>> headers)
    : MlflowTraceInfoExporter(std::move(inner), std::move(tracking_uri), std::move(experiment_id),
                              std::move(headers), std::make_unique<llm::CurlHttpClient>()) {}

MlflowTraceInfoExporter::MlflowTraceInfoExporter(
    std::unique_ptr<SpanExporter> inner, std::string tracking_uri, std::string experiment_id,
    std::vector<std::pair<std::string, std::string>> headers,
    std::unique_ptr<llm::HttpClient> http)
    : inner_(std::move(inner)),
      experiment_id_(std::move(experiment_id)),
      headers_(std::move(headers)),
      http_(std::move(http)) {
  while (!tracking_uri.empty() && tracking_uri.back() == '/') tracking_uri.pop_back();
  url_ = tracking_uri + "/api/3.0/mlflow/traces";
  headers_.insert(headers_.begin(), {"Content-Type", "application/json"});
}

void MlflowTraceInfoExporter::ExportTraceUpdates(const std::vector<TraceUpdate>& updates,
                                                 std::chrono::milliseconds timeout) noexcept {
  try {
    const auto deadline = llm::Deadline::After(SystemClock::Default(), timeout);
    for (const auto& update : updates) {
      if (deadline.Expired(SystemClock::Default()) || cancelled_.load()) break;
      llm::HttpRequest request(url_, deadline);
      request.headers = headers_;
      request.body = EncodeStartTraceV3(update, experiment_id_);
      request.max_body_bytes = 0;  // the answer is not read
      request.cancel = &cancelled_;
      // Best effort: a failure leaves the trace without its tags, never the agent stuck.
      http_->Post(request).IgnoreError();
    }
  } catch (...) {
  }
}

}  // namespace tracelake::sdk
