#include "sdk/mlflow_trace_info_exporter.h"

#include <curl/curl.h>

#include <algorithm>
#include <nlohmann/json.hpp>

namespace tracelake::sdk {
namespace {

size_t Discard(char*, size_t size, size_t n, void*) { return size * n; }

}  // namespace

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
    : inner_(std::move(inner)), experiment_id_(std::move(experiment_id)) {
  while (!tracking_uri.empty() && tracking_uri.back() == '/') tracking_uri.pop_back();
  url_ = tracking_uri + "/api/3.0/mlflow/traces";
  for (auto& [k, v] : headers) headers_.push_back(k + ": " + v);
}

void MlflowTraceInfoExporter::ExportTraceUpdates(const std::vector<TraceUpdate>& updates,
                                                 std::chrono::milliseconds timeout) noexcept {
  try {
    CURL* curl = curl_easy_init();
    if (curl == nullptr) return;
    curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
    for (const auto& h : headers_) headers = curl_slist_append(headers, h.c_str());
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (const auto& update : updates) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || cancelled_.load()) break;
      const std::string body = EncodeStartTraceV3(update, experiment_id_);
      curl_easy_setopt(curl, CURLOPT_URL, url_.c_str());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
      curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
      curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
      curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(left.count()));
      curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Discard);
      // Best effort: a failure leaves the trace without its tags, never the agent stuck.
      curl_easy_perform(curl);
    }
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
  } catch (...) {
  }
}

}  // namespace tracelake::sdk
