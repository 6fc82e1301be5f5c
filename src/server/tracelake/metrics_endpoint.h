// The server's own health at GET /metrics in Prometheus text format: ingested and rejected
// spans, throttled requests, store size and queue depth, request latencies per endpoint group.
#pragma once

#include <functional>
#include <string>

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "server/http/router.h"
#include "ingest/otlp_ingestor.h"
#include "storage/backend.h"

namespace tracelake::server {

// Fixed-bucket latency histograms and status counters per endpoint group. Lock-free.
class RequestMetrics {
 public:
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1.0,  5.0};
  enum Group { kOtlpTraces, kOtlpLogs, kMlflowApi, kOther, kGroupCount };

  void Record(std::string_view path, int status, double seconds);
  std::string Render() const;

 private:
  struct Series {
    std::array<std::atomic<int64_t>, kBuckets.size() + 1> buckets{};
    std::atomic<int64_t> count{0};
    std::atomic<int64_t> sum_micros{0};
    std::array<std::atomic<int64_t>, 6> by_status_class{};  // 0..5 = 1xx..5xx, index 0 unused
  };
  std::array<Series, kGroupCount> series_;
};

// `extra`, when set, appends more Prometheus text (background workers' figures).
void RegisterMetricsRoute(Router& router, storage::Backend& store,
                          ingest::OtlpIngestor& ingestor, const RequestMetrics& metrics,
                          const std::function<std::string()>& extra = {});

}  // namespace tracelake::server
