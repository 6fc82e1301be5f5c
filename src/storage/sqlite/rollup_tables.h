// The metric tables of the SQLite store (docs/metrics.md): per-span facts (model, tokens,
// error type) for raw metric queries and trace cost, and the minute/hour rollups. Used by the
// writer connection inside its transactions. Confine to one thread.
#pragma once

#include <cstdint>

#include "storage/rollup_delta.h"
#include "storage/sqlite/sqlite_db.h"

namespace tracelake::storage::sqlite {

// rollup_*.period: minutes per row.
inline constexpr int64_t kMinutePeriod = 1;
inline constexpr int64_t kHourPeriod = 60;

// Adds the delta to both periods of the rollup tables; rows whose count drops to zero go.
Status ApplyRollupDelta(Db& db, const RollupDelta& delta);

// span_facts: a row only for spans with a model, tokens or an error type.
Status PutSpanFacts(Db& db, int64_t trace_key, int64_t span_id, const SpanFacts& facts);
Status DeleteSpanFacts(Db& db, int64_t trace_key, int64_t span_id);

// Subtracts one stored span (its `spans` row + `span_facts`) from delta and deletes its
// span_facts row. For a re-delivered span, before its old row goes.
Status RemoveSpanFacts(Db& db, int64_t trace_key, int64_t span_id, int64_t experiment_id,
                       RollupDelta& delta);

// Subtracts every stored span of the trace (rows of `spans` + `span_facts`) from delta, and
// deletes its span_facts rows. For deletes of whole traces.
Status RemoveTraceSpanFacts(Db& db, int64_t trace_key, int64_t experiment_id, RollupDelta& delta);

// Builds the rollups of everything already stored (schema migration from version 1, when
// span_facts did not exist: models, tokens and error types of those spans are unknown).
Status BackfillRollups(Db& db);
// Empties the rollups and builds them again from traces, spans and span_facts (schema 4, after
// span_facts usage was completed).
Status RebuildRollups(Db& db);

}  // namespace tracelake::storage::sqlite
