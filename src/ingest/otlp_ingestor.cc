#include "ingest/otlp_ingestor.h"

#include <utility>

#include "model/normalize.h"
#include "otlp/decode.h"

namespace tracelake::ingest {

bool IsValidExperimentId(std::string_view id) {
  if (id.empty() || id.size() > 18) return false;
  for (char c : id)
    if (c < '0' || c > '9') return false;
  return true;
}

namespace {

Result<std::string> RouteExperiment(const std::string* header, const std::string& from_resource) {
  if (header != nullptr && !header->empty()) {
    if (!IsValidExperimentId(*header))
      return InvalidArgumentError("Header x-mlflow-experiment-id must be a numeric experiment id");
    return *header;
  }
  if (!from_resource.empty()) {
    if (!IsValidExperimentId(from_resource))
      return InvalidArgumentError(
          "Resource attribute mlflow.experimentId must be a numeric experiment id");
    return from_resource;
  }
  return std::string("0");
}

}  // namespace

OtlpOutcome OtlpIngestor::Ingest(OtlpSignal signal, OtlpEncoding encoding, std::string_view body,
                                 const std::string* experiment_header) {
  counters_.requests.fetch_add(1, std::memory_order_relaxed);
  OtlpOutcome out;
  storage::IngestBatch batch;
  std::string resource_experiment;
  if (signal == OtlpSignal::kTraces) {
    auto decoded = encoding == OtlpEncoding::kProtobuf ? otlp::DecodeTracesProtobuf(body)
                                                       : otlp::DecodeTracesJson(body);
    if (!decoded.ok()) {
      counters_.malformed_requests.fetch_add(1, std::memory_order_relaxed);
      out.status = decoded.status();
      return out;
    }
    out.rejected = decoded->rejected_spans;
    out.rejection_message = std::move(decoded->rejection_reason);
    resource_experiment = std::move(decoded->experiment_id);
    batch.spans = std::move(decoded->spans);
    const model::PriceTable& prices = prices_ ? *prices_ : model::PriceTable::Default();
    for (auto& span : batch.spans) {
      model::NormalizeSpan(span);
      model::PriceSpan(span, prices);
    }
    out.accepted = static_cast<int64_t>(batch.spans.size());
  } else {
    auto decoded = encoding == OtlpEncoding::kProtobuf ? otlp::DecodeLogsProtobuf(body)
                                                       : otlp::DecodeLogsJson(body);
    if (!decoded.ok()) {
      counters_.malformed_requests.fetch_add(1, std::memory_order_relaxed);
      out.status = decoded.status();
      return out;
    }
    out.rejected = decoded->rejected_records;
    out.rejection_message = std::move(decoded->rejection_reason);
    batch.log_records = std::move(decoded->records);
    out.accepted = static_cast<int64_t>(batch.log_records.size());
  }

  auto experiment = RouteExperiment(experiment_header, resource_experiment);
  if (!experiment.ok()) {
    out.status = experiment.status();
    return out;
  }
  batch.experiment_id = std::move(*experiment);

  if (out.accepted > 0) out.status = store_.Ingest(std::move(batch));
  const bool throttled = out.status.code() == StatusCode::kResourceExhausted ||
                         out.status.code() == StatusCode::kUnavailable;
  if (throttled) counters_.throttled_requests.fetch_add(1, std::memory_order_relaxed);
  if (!out.status.ok() && signal == OtlpSignal::kTraces && out.accepted > 0) {
    (throttled ? counters_.spans_throttled : counters_.spans_store_failed)
        .fetch_add(out.accepted, std::memory_order_relaxed);
  }
  if (out.status.ok()) {
    auto& accepted = signal == OtlpSignal::kTraces ? counters_.spans_accepted : counters_.logs_accepted;
    accepted.fetch_add(out.accepted, std::memory_order_relaxed);
  } else {
    out.accepted = 0;
  }
  auto& rejected = signal == OtlpSignal::kTraces ? counters_.spans_rejected : counters_.logs_rejected;
  rejected.fetch_add(out.rejected, std::memory_order_relaxed);
  return out;
}

}  // namespace tracelake::ingest
