// MlflowTraceInfoExporter: wraps an OTLP exporter and sends trace-level metadata and tags,
// which OTLP has no place for, the way MLflow's Python client does: StartTraceV3
// (POST <tracking uri>/api/3.0/mlflow/traces with the trace_info), after the spans.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "llm/http_client.h"
#include "sdk/span_exporter.h"

namespace tracelake::sdk {

// Export and ExportTraceUpdates on one thread at a time; Cancel from any thread.
class MlflowTraceInfoExporter final : public SpanExporter {
 public:
  MlflowTraceInfoExporter(std::unique_ptr<SpanExporter> inner, std::string tracking_uri,
                          std::string experiment_id,
                          std::vector<std::pair<std::string, std::string>> headers);
  // The same over a given transport (a fake in tests).
  MlflowTraceInfoExporter(std::unique_ptr<SpanExporter> inner, std::string tracking_uri,
                          std::string experiment_id,
                          std::vector<std::pair<std::string, std::string>> headers,
                          std::unique_ptr<llm::HttpClient> http);

  ExportResult Export(const std::vector<model::Span>& spans,
                      std::chrono::milliseconds timeout) noexcept override {
    return inner_->Export(spans, timeout);
  }
  void ExportTraceUpdates(const std::vector<TraceUpdate>& updates,
                          std::chrono::milliseconds timeout) noexcept override;
  void Cancel() noexcept override {
    cancelled_.store(true);
    inner_->Cancel();
  }

 private:
  std::unique_ptr<SpanExporter> inner_;
  std::string url_;  // <tracking uri>/api/3.0/mlflow/traces
  std::string experiment_id_;
  llm::HttpHeaders headers_;  // on every request
  std::unique_ptr<llm::HttpClient> http_;
  std::atomic<bool> cancelled_{false};
};

// The StartTraceV3 body for one update.
std::string EncodeStartTraceV3(const TraceUpdate& update, std::string_view experiment_id);

}  // namespace tracelake::sdk
