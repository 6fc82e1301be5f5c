// Facts of the logical trace schema (docs/schema.md) that the shared SQL relies on. Every
// backend's physical schema keeps them; sqlite/sqlite_dialect.cc checks at compile time that
// they equal the SQLite schema's own definitions (sqlite/schema.h).
#pragma once

#include <cstdint>
#include <string_view>

namespace tracelake::storage::sql {

// span_chunks.chunk_id = trace_key * kChunksPerTrace + sequence number within the trace.
inline constexpr int64_t kChunksPerTrace = int64_t{1} << 20;

// Whether the trace row `t` is shown as fragmented (root missing, spans present).
inline constexpr std::string_view kFragmentedSql = "(t.fragmented != 0 AND t.span_count > 0)";

}  // namespace tracelake::storage::sql
