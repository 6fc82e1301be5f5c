#include "storage/prepared_batch.h"

#include <algorithm>
#include <unordered_map>

#include "model/normalize.h"
#include "storage/span_chunk.h"
#include "storage/span_codec.h"

namespace tracelake::storage {

std::unique_ptr<PreparedBatch> PrepareBatch(IngestBatch batch,
                                            std::optional<int64_t> experiment_id) {
  auto p = std::make_unique<PreparedBatch>();
  p->batch = std::move(batch);
  const auto& spans = p->batch.spans;

  // Group by trace in first-seen order; a span id seen twice keeps its last copy.
  std::unordered_map<TraceId, size_t, ByteIdHash> trace_index;
  std::vector<std::unordered_map<SpanId, size_t, ByteIdHash>> span_slots;
  for (size_t i = 0; i < spans.size(); ++i) {
    auto [it, inserted] = trace_index.try_emplace(spans[i].trace_id, p->traces.size());
    if (inserted) {
      p->traces.push_back(PreparedBatch::Trace{spans[i].trace_id, {}, {}});
      span_slots.emplace_back();
    }
    PreparedBatch::Trace& t = p->traces[it->second];
    auto [slot, fresh] = span_slots[it->second].try_emplace(spans[i].span_id, t.spans.size());
    if (fresh)
      t.spans.push_back(i);
    else
      t.spans[slot->second] = i;
  }

  // Each distinct resource is encoded and hashed once per batch.
  std::unordered_map<const model::Resource*, uint64_t> resource_hash;
  for (const auto& span : spans) {
    const model::Resource* r = span.resource.get();
    if (r == nullptr || resource_hash.count(r) != 0) continue;
    std::string body = EncodeResource(*r);
    uint64_t h = ContentHash(body);
    if (h == 0) h = 1;  // 0 means "no resource" in chunks
    resource_hash[r] = h;
    bool seen = false;
    for (const auto& [known, unused] : p->resources) seen = seen || known == h;
    if (!seen) p->resources.emplace_back(h, std::move(body));
  }

  std::vector<const model::Span*> ptrs;
  std::vector<uint64_t> hashes;
  for (PreparedBatch::Trace& t : p->traces) {
    // Bodies in span-id order: the order of the rows that will point at the chunk.
    std::sort(t.spans.begin(), t.spans.end(), [&spans](size_t a, size_t b) {
      return SpanIdToInt(spans[a].span_id) < SpanIdToInt(spans[b].span_id);
    });
    ptrs.clear();
    hashes.clear();
    for (size_t i : t.spans) {
      ptrs.push_back(&spans[i]);
      const model::Resource* r = spans[i].resource.get();
      hashes.push_back(r == nullptr ? 0 : resource_hash[r]);
    }
    t.chunk = EncodeSpanChunk(ptrs, hashes);
  }

  // The rollup contributions of the new spans need nothing from the database, so they are
  // summed here, off the writer thread, under the batch's experiment; the backend moves a
  // trace's spans to the experiment that already holds the trace (rare).
  if (experiment_id) {
    for (const PreparedBatch::Trace& t : p->traces) {
      for (size_t i : t.spans)
        p->span_rollups.AddSpan(*experiment_id, SpanFacts::From(spans[i]), 1);
    }
  }

  const auto& logs = p->batch.log_records;
  for (size_t i = 0; i < logs.size(); ++i) {
    if (model::IsGenAiContentRecord(logs[i])) p->logs.emplace_back(i, EncodeLogRecord(logs[i]));
  }
  return p;
}

}  // namespace tracelake::storage
