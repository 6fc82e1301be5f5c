// OtlpIngestor: OTLP ingest as business logic. Decodes a request body, normalizes spans, routes
// them to an experiment and commits them through the TraceStore. It knows no transport: the HTTP
// and gRPC receivers (server/otlp/) hand it the body and map its outcome onto their status codes.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "model/price_table.h"
#include "storage/trace_store.h"
#include "tracelake/status.h"

namespace tracelake::ingest {

enum class OtlpSignal { kTraces, kLogs };
enum class OtlpEncoding { kProtobuf, kJson };

struct OtlpOutcome {
  Status status;             // OK when committed (possibly with rejected items)
  int64_t accepted = 0;      // spans or log records committed
  int64_t rejected = 0;      // spans or log records refused by validation
  std::string rejection_message;
};

// Counters exported at /metrics. Safe for concurrent use.
struct IngestCounters {
  std::atomic<int64_t> requests{0};
  std::atomic<int64_t> spans_accepted{0};
  std::atomic<int64_t> spans_rejected{0};  // failed validation (partial_success)
  // Valid spans of requests the store refused: queue full / shutting down, or another error
  // (unknown experiment, storage failure).
  std::atomic<int64_t> spans_throttled{0};
  std::atomic<int64_t> spans_store_failed{0};
  std::atomic<int64_t> logs_accepted{0};
  std::atomic<int64_t> logs_rejected{0};
  std::atomic<int64_t> malformed_requests{0};
  std::atomic<int64_t> throttled_requests{0};
};

// Safe for concurrent use.
class OtlpIngestor {
 public:
  // prices: the deployment's price table (the shipped one when null). Spans are priced with it
  // as they are normalized (model::PriceSpan), so they are stored with MLflow's mlflow.llm.cost.
  explicit OtlpIngestor(storage::TraceStore& store,
                        std::shared_ptr<const model::PriceTable> prices = nullptr)
      : store_(store), prices_(std::move(prices)) {}

  // experiment_header: the x-mlflow-experiment-id header when present. Routing order:
  // header, resource attribute mlflow.experimentId, default experiment "0".
  OtlpOutcome Ingest(OtlpSignal signal, OtlpEncoding encoding, std::string_view body,
                     const std::string* experiment_header);

  IngestCounters& counters() { return counters_; }

 private:
  storage::TraceStore& store_;
  std::shared_ptr<const model::PriceTable> prices_;
  IngestCounters counters_;
};

// True for a non-empty string of at most 18 decimal digits.
bool IsValidExperimentId(std::string_view id);

}  // namespace tracelake::ingest
