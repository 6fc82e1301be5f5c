#include "server/tracelake/metrics_endpoint.h"

#include <cstdio>

namespace tracelake::server {
namespace {

constexpr const char* kGroupNames[] = {"otlp_traces", "otlp_logs", "mlflow_api", "other"};

void AppendMetric(std::string& out, const char* name, const char* help, const char* type,
                  int64_t value) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
  out += name;
  out += ' ';
  out += std::to_string(value);
  out += '\n';
}

}  // namespace

void RequestMetrics::Record(std::string_view path, int status, double seconds) {
  Group g = kOther;
  if (path == "/v1/traces") {
    g = kOtlpTraces;
  } else if (path == "/v1/logs") {
    g = kOtlpLogs;
  } else if (path.starts_with("/api/") || path.starts_with("/ajax-api/")) {
    g = kMlflowApi;
  }
  Series& s = series_[g];
  size_t i = 0;
  while (i < kBuckets.size() && seconds > kBuckets[i]) ++i;
  s.buckets[i].fetch_add(1, std::memory_order_relaxed);
  s.count.fetch_add(1, std::memory_order_relaxed);
  s.sum_micros.fetch_add(static_cast<int64_t>(seconds * 1e6), std::memory_order_relaxed);
  int cls = status / 100;
  if (cls >= 1 && cls <= 5) s.by_status_class[static_cast<size_t>(cls)].fetch_add(1);
}

std::string RequestMetrics::Render() const {
  std::string out;
  out +=
      "# HELP tracelake_http_request_duration_seconds HTTP request latency by endpoint group\n"
      "# TYPE tracelake_http_request_duration_seconds histogram\n";
  char buf[256];
  for (int g = 0; g < kGroupCount; ++g) {
    const Series& s = series_[static_cast<size_t>(g)];
    int64_t cumulative = 0;
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += s.buckets[i].load(std::memory_order_relaxed);
      std::snprintf(buf, sizeof buf,
                    "tracelake_http_request_duration_seconds_bucket{group=\"%s\",le=\"%g\"} %lld\n",
                    kGroupNames[g], kBuckets[i], static_cast<long long>(cumulative));
      out += buf;
    }
    cumulative += s.buckets[kBuckets.size()].load(std::memory_order_relaxed);
    std::snprintf(buf, sizeof buf,
                  "tracelake_http_request_duration_seconds_bucket{group=\"%s\",le=\"+Inf\"} %lld\n"
                  "tracelake_http_request_duration_seconds_sum{group=\"%s\"} %.6f\n"
                  "tracelake_http_request_duration_seconds_count{group=\"%s\"} %lld\n",
                  kGroupNames[g], static_cast<long long>(cumulative), kGroupNames[g],
                  static_cast<double>(s.sum_micros.load()) / 1e6, kGroupNames[g],
                  static_cast<long long>(s.count.load()));
    out += buf;
  }
  out +=
      "# HELP tracelake_http_responses_total HTTP responses by endpoint group and status class\n"
      "# TYPE tracelake_http_responses_total counter\n";
  for (int g = 0; g < kGroupCount; ++g) {
    for (int cls = 1; cls <= 5; ++cls) {
      std::snprintf(buf, sizeof buf, "tracelake_http_responses_total{group=\"%s\",code=\"%dxx\"} %lld\n",
                    kGroupNames[g], cls,
                    static_cast<long long>(
                        series_[static_cast<size_t>(g)].by_status_class[static_cast<size_t>(cls)].load()));
      out += buf;
    }
  }
  return out;
}

void RegisterMetricsRoute(Router& router, storage::Backend& store,
                          ingest::OtlpIngestor& ingestor, const RequestMetrics& metrics,
                          const std::function<std::string()>& extra) {
  // Admin, not read: this is the server's own operational view (load, queue depth, store size
  // and request rates across every experiment), which Envoy likewise keeps on its admin
  // interface. A read token (possibly limited to some experiments later) does not get it.
  router.Add("GET", "/metrics", Scope::kAdmin, [&, extra](HttpRequest&, HttpResponse& res) {
    const ingest::IngestCounters& c = ingestor.counters();
    storage::StoreStats stats = store.Stats();
    std::string out;
    AppendMetric(out, "tracelake_ingest_requests_total", "OTLP export requests received", "counter",
                 c.requests.load());
    AppendMetric(out, "tracelake_ingested_spans_total", "Spans committed", "counter",
                 c.spans_accepted.load());
    AppendMetric(out, "tracelake_rejected_spans_total", "Spans rejected by validation", "counter",
                 c.spans_rejected.load());
    out +=
        "# HELP tracelake_refused_spans_total Spans not stored, by reason (invalid: failed "
        "validation; throttled: queue full or shutting down; store_error: refused by the store)\n"
        "# TYPE tracelake_refused_spans_total counter\n";
    for (const auto& [reason, value] :
         {std::pair{"invalid", c.spans_rejected.load()},
          std::pair{"throttled", c.spans_throttled.load()},
          std::pair{"store_error", c.spans_store_failed.load()}}) {
      out += "tracelake_refused_spans_total{reason=\"";
      out += reason;
      out += "\"} " + std::to_string(value) + "\n";
    }
    AppendMetric(out, "tracelake_ingested_log_records_total", "Log records received", "counter",
                 c.logs_accepted.load());
    AppendMetric(out, "tracelake_rejected_log_records_total", "Log records rejected", "counter",
                 c.logs_rejected.load());
    AppendMetric(out, "tracelake_malformed_requests_total", "Export requests that did not decode",
                 "counter", c.malformed_requests.load());
    AppendMetric(out, "tracelake_throttled_requests_total",
                 "Export requests refused with 429/503/RESOURCE_EXHAUSTED", "counter",
                 c.throttled_requests.load());
    AppendMetric(out, "tracelake_store_traces", "Traces stored", "gauge", stats.traces);
    AppendMetric(out, "tracelake_store_spans", "Spans stored", "gauge", stats.spans);
    AppendMetric(out, "tracelake_store_bytes", "Bytes on disk", "gauge", stats.bytes_on_disk);
    AppendMetric(out, "tracelake_store_wal_bytes", "Bytes of the SQLite WAL (in store_bytes)",
                 "gauge", stats.wal_bytes);
    AppendMetric(out, "tracelake_store_wal_peak_bytes",
                 "The most bytes the SQLite WAL held since the server started", "gauge",
                 stats.peak_wal_bytes);
    AppendMetric(out, "tracelake_ingest_queue_depth", "Batches waiting for the writer", "gauge",
                 stats.queue_depth);
    AppendMetric(out, "tracelake_ingest_queue_rejected_total", "Batches refused: queue full",
                 "counter", stats.rejected_batches);
    out += metrics.Render();
    if (extra) out += extra();
    res.content_type = "text/plain; version=0.0.4";
    res.body = std::move(out);
  });
}

}  // namespace tracelake::server
