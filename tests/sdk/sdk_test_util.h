// Test helpers: tracing into an in-memory exporter, and span lookups.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "model/span.h"
#include "sdk/span_exporter.h"
#include "sdk/tracer.h"

namespace tracelake::sdk::testing {

// Starts tracing into memory for the test's duration (tests in one binary run one at a time).
class MemoryTracing {
 public:
  MemoryTracing() {
    auto exporter = std::make_unique<InMemorySpanExporter>();
    exporter_ = exporter.get();  // the processor (never destroyed) owns it
    TracingOptions options;
    options.service_name = "sdk-test";
    options.experiment_id = "7";
    options.batch.schedule_delay = std::chrono::hours(1);  // exports happen on Flush only
    EXPECT_TRUE(Tracer::Get().StartWithExporter(std::move(exporter), options).ok());
  }
  ~MemoryTracing() { Tracer::Get().Shutdown(std::chrono::seconds(30)).IgnoreError(); }

  // Flushes and returns every exported span so far.
  std::vector<model::Span> Spans() {
    EXPECT_TRUE(Tracer::Get().Flush(std::chrono::seconds(30)).ok());
    return exporter_->spans();
  }
  std::vector<TraceUpdate> TraceUpdates() {
    EXPECT_TRUE(Tracer::Get().Flush(std::chrono::seconds(30)).ok());
    return exporter_->trace_updates();
  }

 private:
  InMemorySpanExporter* exporter_;
};

inline const model::Span* FindSpan(const std::vector<model::Span>& spans, std::string_view name) {
  for (const auto& s : spans)
    if (s.name == name) return &s;
  return nullptr;
}

inline std::string Attr(const model::Span& span, std::string_view key) {
  const model::AnyValue* v = model::FindAttribute(span.attributes, key);
  return v == nullptr ? std::string("<absent>") : v->ToDisplayString();
}

}  // namespace tracelake::sdk::testing
