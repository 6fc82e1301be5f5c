// SpanConverter: SpanRecord -> model::Span in the shape MLflow's Python client exports
// (JSON-encoded mlflow.* attributes), on the exporter thread, off the agent's hot path.
#pragma once

#include <memory>

#include "model/span.h"
#include "sdk/span_exporter.h"
#include "sdk/span_record.h"

namespace tracelake::sdk {

// Safe for concurrent use (immutable after construction).
class SpanConverter {
 public:
  SpanConverter(std::shared_ptr<const model::Resource> resource,
                std::shared_ptr<const model::Scope> scope)
      : resource_(std::move(resource)), scope_(std::move(scope)) {}

  // For a local root, also takes the trace-level data (and seals it: later updates are
  // dropped); metadata and tags go to *updates when there are any.
  model::Span Convert(SpanRecord& record, std::vector<TraceUpdate>* updates) const;

 private:
  std::shared_ptr<const model::Resource> resource_;
  std::shared_ptr<const model::Scope> scope_;
};

// JSON string literal of s (what Python's json.dumps writes for a str).
std::string JsonQuoted(std::string_view s);

}  // namespace tracelake::sdk
