// Starting and stopping tracing: where spans go and how they are batched.
//
//   int main() {
//     tracelake::ScopedTracing tracing;   // configured by OTEL_* / MLFLOW_* variables
//     ...
//   }                                   // exports what is left (up to 5 s) and stops
//
// or, configured in code:
//
//   int main() {
//     tracelake::TracingOptions options = tracelake::TracingOptions::FromEnvironment();
//     options.service_name = "support-agent";   // unless OTEL_SERVICE_NAME says otherwise
//     if (auto s = tracelake::StartTracing(options); !s.ok()) { /* tracing stays off */ }
//     ...
//     tracelake::ShutdownTracing(std::chrono::seconds(5)).IgnoreError();
//   }
//
// Ended spans go to a bounded queue; a background thread exports them in batches over
// OTLP/HTTP protobuf (default), OTLP/HTTP JSON or OTLP/gRPC, retrying 429/502/503/504 and
// UNAVAILABLE with exponential backoff that honours Retry-After. A backend that is down, slow
// or refusing never blocks the agent: when the queue is full new spans are dropped and counted,
// and the first drop is reported once on stderr.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tracelake/status.h"

namespace tracelake {

enum class OtlpProtocol : uint8_t { kHttpProtobuf, kHttpJson, kGrpc };

struct ExporterOptions {
  // HTTP: the full traces URL (…/v1/traces). gRPC: "host:port" or "http://host:port".
  std::string endpoint = "http://localhost:4318/v1/traces";
  OtlpProtocol protocol = OtlpProtocol::kHttpProtobuf;
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds timeout{10000};  // per export attempt
  bool gzip = false;
  // Retries of one batch on retryable answers; waits start at initial_backoff and double up to
  // max_backoff (a Retry-After answer replaces the wait, capped at max_backoff).
  int max_retries = 5;
  std::chrono::milliseconds initial_backoff{1000};
  std::chrono::milliseconds max_backoff{30000};
};

struct BatchOptions {
  size_t max_queue_size = 2048;
  size_t max_export_batch_size = 512;
  std::chrono::milliseconds schedule_delay{5000};
  std::chrono::milliseconds export_timeout{30000};  // one batch, all retries included
};

struct TracingOptions {
  bool enabled = true;  // OTEL_SDK_DISABLED=true turns tracing off
  std::string service_name = "unknown_service";
  std::vector<std::pair<std::string, std::string>> resource_attributes;
  // MLflow routing: sent as header x-mlflow-experiment-id and resource attribute
  // mlflow.experimentId.
  std::string experiment_id;
  // An MLflow tracking server (or tracelake) to send trace metadata and tags to (StartTraceV3),
  // since OTLP carries only spans. Empty: metadata other than user and session stays local.
  std::string mlflow_tracking_uri;
  ExporterOptions exporter;
  BatchOptions batch;

  // Defaults overridden by OTEL_SDK_DISABLED, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES,
  // OTEL_EXPORTER_OTLP_{,TRACES_}{ENDPOINT,HEADERS,PROTOCOL,TIMEOUT,COMPRESSION},
  // OTEL_BSP_{SCHEDULE_DELAY,EXPORT_TIMEOUT,MAX_QUEUE_SIZE,MAX_EXPORT_BATCH_SIZE},
  // MLFLOW_TRACKING_URI (sets mlflow_tracking_uri, and the endpoint <uri>/v1/traces when no
  // OTLP endpoint is set), MLFLOW_TRACKING_TOKEN and MLFLOW_EXPERIMENT_ID. Invalid values keep the default and are reported once on stderr.
  static TracingOptions FromEnvironment();
};

// Starts tracing (replacing an earlier configuration, which is shut down first).
// Errors: kInvalidArgument for an unusable endpoint or batch sizes. With enabled == false it
// returns OK and leaves tracing off.
Status StartTracing(const TracingOptions& options);

// Exports every span ended before the call; kDeadlineExceeded if that takes longer than
// timeout (the spans stay queued).
Status FlushTracing(std::chrono::milliseconds timeout);

// Stops tracing: new spans are no longer recorded, queued spans are exported within timeout
// and dropped (counted) after it; the background thread is joined. Returns kDeadlineExceeded
// when spans had to be dropped.
Status ShutdownTracing(std::chrono::milliseconds timeout);

bool TracingActive();

// Counters since the process started. Safe for concurrent use.
struct TracingStats {
  uint64_t spans_ended = 0;
  uint64_t spans_exported = 0;
  uint64_t spans_dropped_queue_full = 0;
  uint64_t spans_dropped_export_failed = 0;
  // Spans the backend answered as rejected (OTLP partial_success): delivered, not stored.
  uint64_t spans_rejected = 0;
  uint64_t export_requests = 0;
  uint64_t export_retries = 0;
};
TracingStats GetTracingStats();

// Starts tracing for its lifetime; ShutdownTracing(shutdown_timeout) when destroyed. A
// failure to start is reported once on stderr and leaves tracing off (see start_status()).
class ScopedTracing {
 public:
  // Options from the environment: TracingOptions::FromEnvironment().
  ScopedTracing();
  explicit ScopedTracing(const TracingOptions& options,
                         std::chrono::milliseconds shutdown_timeout = std::chrono::seconds(5));
  ~ScopedTracing();
  ScopedTracing(const ScopedTracing&) = delete;
  ScopedTracing& operator=(const ScopedTracing&) = delete;
  const Status& start_status() const { return start_status_; }

 private:
  Status start_status_;
  std::chrono::milliseconds shutdown_timeout_;
};

}  // namespace tracelake
