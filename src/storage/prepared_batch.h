// PreparedBatch: an ingest batch made ready for a backend's writer on the caller's thread.
//
// Grouping spans by trace, encoding and compressing their bodies (storage/span_chunk.h), hashing
// resources and summing the new spans' rollup contributions need nothing from the database, so
// they run on the thread that received the batch, in parallel with the other receivers. The
// writer then only binds bytes. Backend-neutral: every backend stores the same chunk bytes.
//
// Confine each object to one thread at a time (the caller's, then the writer's).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/ids.h"
#include "storage/rollup_delta.h"
#include "storage/trace_store.h"

namespace tracelake::storage {

struct PreparedBatch {
  struct Trace {
    TraceId trace_id;
    std::vector<size_t> spans;  // indexes into batch.spans, one per span id (last copy wins),
                                // in span-id order: the order of the bodies in `chunk`
    std::string chunk;          // EncodeSpanChunk of those spans
  };

  IngestBatch batch;
  std::vector<Trace> traces;                                // in first-seen order
  std::vector<std::pair<uint64_t, std::string>> resources;  // distinct: hash, EncodeResource
  std::vector<std::pair<size_t, std::string>> logs;         // GenAI content records: index, body
  // The new spans' rollup contributions under the batch's experiment (empty when the experiment
  // id did not parse; the backend then fails the batch).
  RollupDelta span_rollups;

  // Scratch of the applying backend, reset each time it applies the batch (a group may be
  // applied twice: see GroupApplier).
  int64_t new_traces = 0;
  int64_t new_spans = 0;
  std::vector<uint64_t> new_resources;  // resources this batch inserted
  RollupDelta rollups;                  // taken-back copies, moved spans; applied with span_rollups

  // True when there is nothing to store (e.g. only log records that are not GenAI content).
  bool empty() const { return traces.empty() && logs.empty(); }
};

// experiment_id: the batch's experiment as a number, when it is one (its rollup contributions
// are summed under it).
std::unique_ptr<PreparedBatch> PrepareBatch(IngestBatch batch,
                                            std::optional<int64_t> experiment_id);

}  // namespace tracelake::storage
