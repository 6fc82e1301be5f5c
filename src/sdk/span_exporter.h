// SpanExporter: sends one batch of finished spans somewhere (OTLP/HTTP, OTLP/gRPC, memory).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/span.h"

namespace tracelake::sdk {

struct ExportResult {
  enum class Code { kSuccess, kRetryable, kPermanentFailure };
  Code code = Code::kSuccess;
  // From Retry-After (HTTP) or RetryInfo (gRPC) when the backend said when to come back.
  std::optional<std::chrono::milliseconds> retry_after;
  std::string message;  // for logs; never holds span payloads
  // A success in which the backend rejected some spans (OTLP partial_success); message holds
  // its error_message. They are not retried: the backend refused them, it did not fail.
  int64_t rejected = 0;

  static ExportResult Success() { return {}; }
  static ExportResult PartialSuccess(int64_t rejected, std::string m) {
    ExportResult r;
    r.rejected = rejected;
    r.message = std::move(m);
    return r;
  }
  static ExportResult Retryable(std::string m,
                                std::optional<std::chrono::milliseconds> after = std::nullopt) {
    return {Code::kRetryable, after, std::move(m)};
  }
  static ExportResult Permanent(std::string m) {
    return {Code::kPermanentFailure, std::nullopt, std::move(m)};
  }
};

// Trace-level metadata and tags set during a trace (SetTraceMetadata, SetTraceTag, ...), taken
// from its local root span when that is exported.
struct TraceUpdate {
  TraceId trace_id;
  std::vector<std::pair<std::string, std::string>> metadata;
  std::vector<std::pair<std::string, std::string>> tags;
};

// Export is called by one thread at a time (the batch processor's); Cancel from any thread.
class SpanExporter {
 public:
  virtual ~SpanExporter() = default;
  // Sends spans, giving up after timeout. Never throws.
  virtual ExportResult Export(const std::vector<model::Span>& spans,
                              std::chrono::milliseconds timeout) noexcept = 0;
  // Called after the spans of these traces' roots were exported. Best effort: OTLP has no place
  // for trace tags, so only backends with MLflow's REST API take them. Never throws.
  virtual void ExportTraceUpdates(const std::vector<TraceUpdate>& updates,
                                  std::chrono::milliseconds timeout) noexcept {}
  // Makes a running Export return soon (shutdown deadline). Safe for concurrent use.
  virtual void Cancel() noexcept {}
};

// Keeps every exported span in memory (tests, examples). Safe for concurrent use.
class InMemorySpanExporter final : public SpanExporter {
 public:
  ExportResult Export(const std::vector<model::Span>& spans,
                      std::chrono::milliseconds timeout) noexcept override {
    std::lock_guard<std::mutex> lock(mu_);
    spans_.insert(spans_.end(), spans.begin(), spans.end());
    ++batches_;
    return ExportResult::Success();
  }
  void ExportTraceUpdates(const std::vector<TraceUpdate>& updates,
                          std::chrono::milliseconds timeout) noexcept override {
    std::lock_guard<std::mutex> lock(mu_);
    updates_.insert(updates_.end(), updates.begin(), updates.end());
  }
  std::vector<model::Span> spans() const {
    std::lock_guard<std::mutex> lock(mu_);
    return spans_;
  }
  std::vector<TraceUpdate> trace_updates() const {
    std::lock_guard<std::mutex> lock(mu_);
    return updates_;
  }
  size_t batches() const {
    std::lock_guard<std::mutex> lock(mu_);
    return batches_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<model::Span> spans_;
  std::vector<TraceUpdate> updates_;
  size_t batches_ = 0;
};

}  // namespace tracelake::sdk
